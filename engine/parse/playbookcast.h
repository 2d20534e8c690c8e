#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace Engine {

/// A playbook's character table with every speech counted for the entry its label resolves to
/// (CharacterIndex). What the window's playbook tab and `callboard playbook` show, so that they
/// and the JSON agree.
class PlaybookCast final
{
public:
    struct Entry
    {
        QString name;
        QStringList aliases;
        bool group = false;
        int speeches = 0;
        /// false: a label no entry of the JSON holds (a hand-written or LLM playbook), listed
        /// after the table so that its speeches are still counted somewhere.
        bool listed = true;
    };

    static PlaybookCast of(const QJsonObject &playbook);

    const QList<Entry> &entries() const { return m_entries; }
    int speechCount() const { return m_speeches; }

private:
    QList<Entry> m_entries;
    int m_speeches = 0;
};

} // namespace Engine

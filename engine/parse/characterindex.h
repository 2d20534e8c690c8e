#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

namespace Engine {

/// Which character entry a speaker label belongs to: the entry whose name or one of whose aliases
/// folds (LineRecognizer::foldName: case, accents, punctuation) to the same key. The parser, the
/// corrections, the window and `callboard playbook` all resolve through it, so they count the same
/// characters and speeches.
class CharacterIndex final
{
public:
    /// Adds the next entry (its index is the number added before). A key already held stays with
    /// its entry, except that an entry's own name wins over another entry's alias.
    void add(const QString &name, const QStringList &aliases);
    /// The entry's index, or -1 when no entry holds the label.
    int find(QStringView label) const;
    bool contains(QStringView label) const { return find(label) >= 0; }
    int size() const { return m_size; }

private:
    struct Holder
    {
        int entry;
        bool byName;
    };
    QHash<QString, Holder> m_keys;
    int m_size = 0;
};

} // namespace Engine

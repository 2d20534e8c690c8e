#pragma once

#include <QJsonObject>
#include <QStandardItemModel>

/// A playbook preview as a tree: the characters with how many speeches each has, then the
/// acts and their scenes with their speech counts.
class PlaybookModel final : public QStandardItemModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, SpeechesColumn, ColumnCount };
    enum Role { KindRole = Qt::UserRole + 1 };  ///< "characters", "character", "act", "scene"

    explicit PlaybookModel(QObject *parent = nullptr);

    void setPlaybook(const QJsonObject &document);
    void clearPlaybook();
    QJsonObject playbook() const { return m_document; }
    QString title() const;
    int characterCount() const { return m_characters; }
    int speechCount() const { return m_speeches; }

private:
    QJsonObject m_document;
    int m_characters = 0;
    int m_speeches = 0;
};

#pragma once

#include <QJsonObject>
#include <QStandardItemModel>

/// The script of a playbook for review: acts, their scenes, and in each scene its speeches and
/// stage directions in source order (by their line ranges), with the quality warnings
/// (Engine::PlaybookQuality) marked on the rows they concern.
class ScriptModel final : public QStandardItemModel
{
    Q_OBJECT

public:
    enum Column { SpeakerColumn, TextColumn, LinesColumn, ColumnCount };
    enum Role {
        KindRole = Qt::UserRole + 1, ///< "act", "scene", "speech", "direction"
        FirstLineRole,               ///< 1-based line of the job's text; 0 when unknown
        LastLineRole,
        ActIndexRole,                ///< indexes into the playbook's arrays (moveSpeech)
        SceneIndexRole,
        SpeechIndexRole,
        WarningRole,                 ///< why this row is marked; empty when it is not
    };

    explicit ScriptModel(QObject *parent = nullptr);

    void setPlaybook(const QJsonObject &document);
    /// The speech row at act/scene/speech, or an invalid index.
    QModelIndex speechIndex(int act, int scene, int speech) const;
    int warningCount() const { return m_warnings; }

private:
    int m_warnings = 0;
};

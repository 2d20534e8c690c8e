#pragma once

#include "engine/job.h"

#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

namespace Engine {
class JobQueue;
}

/// A change the window asks of some jobs. Runs on the session thread; answers which jobs
/// took it and which refused (with the engine's message).
struct SessionCommand
{
    enum class Kind {
        Pause, Resume, Cancel, Retry, Restart, SetPriority, ChangePriority, Remove, CorrectPlaybook
    };

    Kind kind = Kind::Pause;
    QStringList jobIds;
    /// SetPriority: the priority; ChangePriority: the step (+1, -1); Remove: 1 = the playbooks too
    int value = 0;
    QString actor = QStringLiteral("user");
    /// Restart: configuration changes ({"provider": "openai"}); CorrectPlaybook: the correction
    /// (Engine::PlaybookCorrection).
    QJsonObject config;

    struct Outcome
    {
        QStringList done;
        QList<QPair<QString, QString>> refused;  ///< job id, message
        QList<Engine::Job> rows;  ///< the jobs as they are after the command, read at once
    };

    /// What the window shows on the row until the server answers ("pause", "resume", …).
    QString pendingName() const;
    Outcome run(Engine::JobQueue &queue) const;
};

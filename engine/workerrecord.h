#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>

namespace Engine {

/// One process's worker pool as it records itself in "CallboardWorker" (one row per pool).
struct WorkerRecord
{
    enum class State { Active, Idle, Lost };

    QString id;               ///< the pool's worker id prefix, <host>-<pid>; its workers are id-n
    QString host;
    qint64 pid = 0;
    QString version;          ///< Callboard's version
    int slotCount = 0;        ///< worker threads the pool runs (column "slots")
    double lockSeconds = 600; ///< how long its locks last without a heartbeat
    double heartbeatSeconds = 60;
    QDateTime startedAt;
    QDateTime lastHeartbeatAt;
    /// Read: the running jobs whose lock is in the name of one of its workers, now (not at its
    /// last heartbeat: a job claimed since shows at once). For a lost pool: the jobs left to
    /// be reclaimed.
    QStringList jobIds;
    State state = State::Idle;  ///< read: Lost once its heartbeat is older than lockSeconds

    /// The record a pool of this process writes (host, pid and version filled in).
    static WorkerRecord forThisProcess(const QString &id, int slotCount, double lockSeconds,
                                       double heartbeatSeconds);
    static QString stateName(State state);
    /// The schema's column names, with the state and the jobs held now.
    QJsonObject toJson() const;
};

} // namespace Engine

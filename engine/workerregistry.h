#pragma once

#include "engine/workerrecord.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringList>

#include <memory>

namespace Engine {

/// A lock to renew at a heartbeat: the job and the worker (of this pool) it is held for.
struct HeldLock
{
    QString jobId;
    QString workerId;
};

/// The "CallboardWorker" table: what each worker pool says about itself, so that a reader can
/// tell an idle worker from a vanished one without guessing from lock expiries. A pool writes
/// its row at start, renews it with every heartbeat (together with its locks) and deletes it at
/// a clean shutdown; a killed pool's row reads as lost once its heartbeat is older than its lock
/// duration, and is deleted by another pool's heartbeat after kPruneAfterLocks lock durations.
/// One instance per connection and thread. Throws DatabaseError when a statement fails.
class WorkerRegistry final
{
public:
    /// How many of its own lock durations a lost pool's row stays to be seen.
    static constexpr int kPruneAfterLocks = 10;

    explicit WorkerRegistry(QSqlDatabase db);
    ~WorkerRegistry();

    /// Writes the pool's row as it starts (startedAt = now), replacing a row of a dead process
    /// that had the same id (a reused pid).
    void registerPool(const WorkerRecord &record);
    /// The heartbeat: renews the locks of held, records the jobs still held and the time in the
    /// pool's row, and deletes other pools' rows lost long ago. One statement (one round trip)
    /// on PostgreSQL, one transaction on SQLite. Returns the jobs whose lock is no longer ours.
    QStringList beat(const WorkerRecord &record, const QList<HeldLock> &held);
    /// Deletes the pool's row (a clean shutdown).
    void unregister(const QString &id);
    /// Every pool's row with its state and the jobs it holds now, by host and pid.
    QList<WorkerRecord> workers();

private:
    QSqlQuery &prepared(const QString &sql);

    QSqlDatabase m_db;
    bool m_postgres;
    QHash<QString, std::shared_ptr<QSqlQuery>> m_statements;
};

} // namespace Engine

#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QSqlDatabase>

#include <functional>

namespace Engine {

struct PruneOptions
{
    qint64 olderThanSeconds = 30 * 86400;  ///< finished (updatedAt) before now − this
    bool dryRun = false;                   ///< count only
    bool withPlaybooks = false;            ///< also delete the pruned jobs' playbooks
    int batchSize = 1000;                  ///< jobs per transaction
    int pauseMs = 0;                       ///< sleep between batches (lets writers in on SQLite)
};

struct PruneResult
{
    QDateTime cutoff;
    bool dryRun = false;
    qint64 jobs = 0;
    qint64 events = 0;
    qint64 playbooks = 0;
    int batches = 0;

    QJsonObject toJson() const;
};

/// Deletes finished jobs (completed, failed, cancelled, last changed before the cutoff) with
/// their events, and their playbooks only if asked. Works in short batches, each its own
/// transaction, so the queue is never locked for long; on PostgreSQL the batch's rows are locked
/// with SKIP LOCKED and re-checked, so a job retried meanwhile is never touched. Jobs in progress
/// (queued, running, paused, retrying) are never selected. Throws DatabaseError.
class Pruner final
{
public:
    explicit Pruner(QSqlDatabase db);

    /// progress (optional) is called after every batch; returning false stops early.
    PruneResult run(const PruneOptions &options,
                    const std::function<bool(const PruneResult &)> &progress = {});

private:
    PruneResult count(const PruneOptions &options, const QDateTime &cutoff);
    PruneResult deleteBatch(const PruneOptions &options, const QDateTime &cutoff);

    QSqlDatabase m_db;
    bool m_postgres;
};

} // namespace Engine

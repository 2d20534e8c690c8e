#pragma once

#include "engine/jobstatus.h"
#include "engine/workerrecord.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace Engine {

/// What QueueMetrics looks at and what it calls "stuck".
struct MetricsOptions
{
    qint64 windowSeconds = 3600;        ///< rates and durations: jobs finished in this window
    int stuckRetryCount = 3;            ///< an unfinished job retried this often is stuck
    qint64 stuckPausedSeconds = 86400;  ///< a job paused longer than this is stuck
    int stuckLimit = 100;               ///< at most this many stuck jobs per reason
    /// Count completed/failed/cancelled too. On a big table that is the one query that reads
    /// every finished row (~200 ms per million jobs); an exporter refreshes it less often.
    bool countFinishedStatuses = true;

    /// Parses "90s", "15m", "1h", "30d", "2w" or a bare number of seconds; nullopt if malformed.
    static std::optional<qint64> parseDuration(const QString &text);
};

/// p50/p95/max of one duration over the jobs of the window, in milliseconds
/// (nearest-rank percentiles, the same on both backends).
struct DurationFigures
{
    qint64 count = 0;
    double p50Ms = 0;
    double p95Ms = 0;
    double maxMs = 0;

    QJsonObject toJson() const;
};

/// A job that needs a person: its lock expired, it retried many times, or it is paused long.
struct StuckJob
{
    enum class Reason { LockExpired, ManyRetries, PausedLong };
    QString id;
    QString filename;
    JobStatus status = JobStatus::Queued;
    Reason reason = Reason::LockExpired;
    QString description;  ///< one line for a person
    QString workerId;
    int retryCount = 0;
    QDateTime since;       ///< lock expiry, or pause time
};

/// Throughput of one minute (UTC, "YYYY-MM-DDTHH:MM").
struct MinuteFigures
{
    QString minute;
    qint64 completed = 0;
    qint64 failed = 0;
};

/// Everything QueueMetrics computes at one moment (the database clock).
struct QueueSnapshot
{
    QDateTime takenAt;
    qint64 windowSeconds = 0;
    QHash<JobStatus, qint64> counts;  ///< finished statuses only with countFinishedStatuses
    qint64 total = 0;
    qint64 readyNow = 0;            ///< queued/retrying with runAfter passed (or none)
    qint64 waitingForRunAfter = 0;  ///< queued/retrying with runAfter in the future
    std::optional<double> oldestQueuedAgeSeconds;  ///< oldest queued/retrying job
    QList<MinuteFigures> perMinute; ///< the last hour, minutes with activity only
    qint64 completedLastHour = 0;
    qint64 failedLastHour = 0;
    qint64 completedInWindow = 0;
    qint64 failedInWindow = 0;
    qint64 cancelledInWindow = 0;
    qint64 retriesInWindow = 0;     ///< retry_scheduled events in the window
    qint64 finishedWithRetries = 0; ///< completed/failed in the window with retryCount > 0
    DurationFigures wait;           ///< createdAt → startedAt, jobs completed in the window
    DurationFigures run;            ///< startedAt → completedAt, jobs completed in the window
    QList<WorkerRecord> workers;     ///< every pool's row in "CallboardWorker"
    QList<StuckJob> stuck;

    /// failed / (completed + failed) in the window; 0 without finished jobs.
    double failureRate() const;
    /// Share of the jobs finished in the window that needed at least one retry.
    double retryRate() const;
    QJsonObject toJson() const;
};

/// Monotonic totals a Prometheus exporter accumulates from the database (see countFinished).
struct FinishedCounters
{
    qint64 completed = 0;
    qint64 failed = 0;
    qint64 retried = 0;
    QList<qint64> runBuckets;  ///< cumulative counts per kRunBuckets bound
    qint64 runCount = 0;
    double runSumSeconds = 0;

    FinishedCounters &operator+=(const FinishedCounters &other);
};

/// Queue metrics computed in the database, cheap on a table of a million jobs: every query is a
/// range over an index (status, updatedAt, lockExpiry, the claim index, JobEvent.createdAt).
/// Works on PostgreSQL and SQLite. Throws DatabaseError when a statement fails.
class QueueMetrics final
{
public:
    explicit QueueMetrics(QSqlDatabase db);

    QueueSnapshot snapshot(const MetricsOptions &options = {});
    /// Jobs per finished status (completed, failed, cancelled).
    QHash<JobStatus, qint64> finishedStatusCounts();
    /// Jobs that completed/failed with completedAt in (from, to] and retry_scheduled events in
    /// that range, with the run-duration histogram of the completed ones.
    FinishedCounters countFinished(const QDateTime &from, const QDateTime &to);
    /// The database clock (UTC).
    QDateTime databaseNow();

    /// Upper bounds (seconds) of the run-duration histogram buckets.
    static const QList<double> &runBuckets();
    /// Prometheus text exposition format 0.0.4.
    static QString renderPrometheus(const QueueSnapshot &snapshot,
                                    const FinishedCounters &counters, bool workerUp);
    static QString reasonName(StuckJob::Reason reason);

private:
    QDateTime readTime(const QVariant &value) const;

    QSqlDatabase m_db;
    bool m_postgres;
};

} // namespace Engine

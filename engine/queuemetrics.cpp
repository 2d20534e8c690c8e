#include "engine/queuemetrics.h"
#include "engine/workerregistry.h"

#include "engine/database.h"
#include "engine/enginetr.h"
#include "engine/job.h"
#include "engine/joberrors.h"
#include "engine/oneshotquery.h"
#include "engine/sqldialect.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <cmath>

namespace Engine {

namespace {

QSqlQuery run(QSqlDatabase db, const QString &sql, const Bindings &bindings = {})
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!execOneShot(query, sql, bindings))
        throw DatabaseError({}, QStringLiteral("Metrics query failed: %1").arg(query.lastError().text()));
    return query;
}

QString ago(const QDateTime &now, qint64 seconds)
{
    return isoUtc(now.addSecs(-seconds));
}

// Nearest rank: the smallest value with at least p of the values at or below it. PostgreSQL's
// percentile_disc computes the same.
double nearestRank(const QList<double> &sorted, double p)
{
    if (sorted.isEmpty())
        return 0;
    const qsizetype rank = qMax<qsizetype>(1, qsizetype(std::ceil(p * double(sorted.size()))));
    return sorted.at(qMin(rank, sorted.size()) - 1);
}

DurationFigures figures(QList<double> values)
{
    DurationFigures result;
    std::sort(values.begin(), values.end());
    result.count = values.size();
    result.p50Ms = nearestRank(values, 0.5);
    result.p95Ms = nearestRank(values, 0.95);
    result.maxMs = values.isEmpty() ? 0 : values.constLast();
    return result;
}

QString promEscape(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    escaped.replace(QLatin1Char('"'), QStringLiteral("\\\""));
    escaped.replace(QLatin1Char('\n'), QStringLiteral("\\n"));
    return escaped;
}

QString promNumber(double value)
{
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("+Inf") : QStringLiteral("-Inf");
    return QString::number(value, 'g', 15);
}

} // namespace

std::optional<qint64> MetricsOptions::parseDuration(const QString &text)
{
    static const QRegularExpression pattern(QStringLiteral("^\\s*(\\d+)\\s*([smhdw]?)\\s*$"));
    const QRegularExpressionMatch match = pattern.match(text);
    if (!match.hasMatch())
        return std::nullopt;
    bool ok = false;
    const qint64 amount = match.captured(1).toLongLong(&ok);
    if (!ok || amount > 100LL * 365 * 86400)
        return std::nullopt;
    const QString unit = match.captured(2);
    qint64 factor = 1;
    if (unit == QLatin1String("m"))
        factor = 60;
    else if (unit == QLatin1String("h"))
        factor = 3600;
    else if (unit == QLatin1String("d"))
        factor = 86400;
    else if (unit == QLatin1String("w"))
        factor = 7 * 86400;
    return amount * factor;
}

QJsonObject DurationFigures::toJson() const
{
    return {{QStringLiteral("count"), count},
            {QStringLiteral("p50"), p50Ms},
            {QStringLiteral("p95"), p95Ms},
            {QStringLiteral("max"), maxMs}};
}

double QueueSnapshot::failureRate() const
{
    const qint64 finished = completedInWindow + failedInWindow;
    return finished > 0 ? double(failedInWindow) / double(finished) : 0.0;
}

double QueueSnapshot::retryRate() const
{
    const qint64 finished = completedInWindow + failedInWindow;
    return finished > 0 ? double(finishedWithRetries) / double(finished) : 0.0;
}

QJsonObject QueueSnapshot::toJson() const
{
    QJsonObject byStatus;
    for (JobStatus status : allJobStatuses())
        byStatus.insert(statusName(status), counts.value(status));
    QJsonArray minutes;
    for (const MinuteFigures &minute : perMinute)
        minutes.append(QJsonObject{{QStringLiteral("minute"), minute.minute},
                                   {QStringLiteral("completed"), minute.completed},
                                   {QStringLiteral("failed"), minute.failed}});
    QJsonArray workerList;
    for (const WorkerRecord &worker : workers)
        workerList.append(worker.toJson());
    QJsonArray stuckList;
    for (const StuckJob &job : stuck)
        stuckList.append(QJsonObject{
            {QStringLiteral("id"), job.id},
            {QStringLiteral("filename"), job.filename},
            {QStringLiteral("status"), statusName(job.status)},
            {QStringLiteral("reason"), QueueMetrics::reasonName(job.reason)},
            {QStringLiteral("description"), job.description},
            {QStringLiteral("workerId"), job.workerId.isEmpty() ? QJsonValue() : QJsonValue(job.workerId)},
            {QStringLiteral("retryCount"), job.retryCount},
            {QStringLiteral("since"), job.since.isValid() ? QJsonValue(isoUtc(job.since)) : QJsonValue()}});
    return {
        {QStringLiteral("takenAt"), isoUtc(takenAt)},
        {QStringLiteral("windowSeconds"), windowSeconds},
        {QStringLiteral("counts"), byStatus},
        {QStringLiteral("total"), total},
        {QStringLiteral("readyNow"), readyNow},
        {QStringLiteral("waitingForRunAfter"), waitingForRunAfter},
        {QStringLiteral("oldestQueuedAgeSeconds"),
         oldestQueuedAgeSeconds ? QJsonValue(*oldestQueuedAgeSeconds) : QJsonValue()},
        {QStringLiteral("throughput"),
         QJsonObject{{QStringLiteral("completedLastHour"), completedLastHour},
                     {QStringLiteral("failedLastHour"), failedLastHour},
                     {QStringLiteral("completedPerMinute"), double(completedLastHour) / 60.0},
                     {QStringLiteral("failedPerMinute"), double(failedLastHour) / 60.0},
                     {QStringLiteral("perMinute"), minutes}}},
        {QStringLiteral("window"),
         QJsonObject{{QStringLiteral("completed"), completedInWindow},
                     {QStringLiteral("failed"), failedInWindow},
                     {QStringLiteral("cancelled"), cancelledInWindow},
                     {QStringLiteral("retries"), retriesInWindow},
                     {QStringLiteral("finishedWithRetries"), finishedWithRetries},
                     {QStringLiteral("failureRate"), failureRate()},
                     {QStringLiteral("retryRate"), retryRate()}}},
        {QStringLiteral("durations"),
         QJsonObject{{QStringLiteral("waitMs"), wait.toJson()},
                     {QStringLiteral("runMs"), run.toJson()}}},
        {QStringLiteral("workers"), workerList},
        {QStringLiteral("stuck"), stuckList},
    };
}

FinishedCounters &FinishedCounters::operator+=(const FinishedCounters &other)
{
    completed += other.completed;
    failed += other.failed;
    retried += other.retried;
    if (runBuckets.size() < other.runBuckets.size())
        runBuckets.resize(other.runBuckets.size());
    for (qsizetype i = 0; i < other.runBuckets.size(); ++i)
        runBuckets[i] += other.runBuckets.at(i);
    runCount += other.runCount;
    runSumSeconds += other.runSumSeconds;
    return *this;
}

QueueMetrics::QueueMetrics(QSqlDatabase db)
    : m_db(std::move(db))
    , m_postgres(Database::isPostgres(m_db))
{}

QDateTime QueueMetrics::readTime(const QVariant &value) const
{
    return SqlDialect::toUtc(value);
}

QDateTime QueueMetrics::databaseNow()
{
    const SqlDialect sql(m_db);
    QSqlQuery query = run(m_db, QStringLiteral("SELECT %1").arg(sql.now()));
    query.next();
    return readTime(query.value(0));
}

const QList<double> &QueueMetrics::runBuckets()
{
    static const QList<double> bounds{0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
    return bounds;
}

QString QueueMetrics::reasonName(StuckJob::Reason reason)
{
    switch (reason) {
    case StuckJob::Reason::LockExpired: return QStringLiteral("lock_expired");
    case StuckJob::Reason::ManyRetries: return QStringLiteral("many_retries");
    case StuckJob::Reason::PausedLong: return QStringLiteral("paused_long");
    }
    return {};
}

QHash<JobStatus, qint64> QueueMetrics::finishedStatusCounts()
{
    QHash<JobStatus, qint64> counts;
    QSqlQuery query = run(m_db, QStringLiteral(
        R"(SELECT "status", COUNT(*) FROM "ParseJob"
           WHERE "status" IN ('completed', 'failed', 'cancelled') GROUP BY "status")"));
    while (query.next()) {
        if (const auto status = jobStatusFromString(query.value(0).toString()))
            counts.insert(*status, query.value(1).toLongLong());
    }
    return counts;
}

QueueSnapshot QueueMetrics::snapshot(const MetricsOptions &options)
{
    const SqlDialect sql(m_db);
    const auto ts = [&sql](const char *placeholder) {
        return sql.timestamp(QString::fromLatin1(placeholder));
    };
    // Durations in milliseconds between two timestamp columns.
    const auto millis = [this](const char *from, const char *to) {
        return m_postgres
            ? QStringLiteral("(EXTRACT(EPOCH FROM (%2 - %1)) * 1000.0)")
                  .arg(QString::fromLatin1(from), QString::fromLatin1(to))
            : QStringLiteral("((julianday(%2) - julianday(%1)) * 86400000.0)")
                  .arg(QString::fromLatin1(from), QString::fromLatin1(to));
    };

    QueueSnapshot snap;
    snap.takenAt = databaseNow();
    snap.windowSeconds = options.windowSeconds;
    const QDateTime now = snap.takenAt;
    const QString nowText = isoUtc(now);
    const QString windowStart = ago(now, options.windowSeconds);
    const QString hourAgo = ago(now, 3600);

    // Depth per status. The live statuses are few rows, found through the status index; the
    // finished ones are most of the table and only counted on request.
    {
        QSqlQuery query = run(m_db, QStringLiteral(
            R"(SELECT "status", COUNT(*) FROM "ParseJob"
               WHERE "status" IN ('queued', 'running', 'paused', 'retrying') GROUP BY "status")"));
        while (query.next()) {
            const auto status = jobStatusFromString(query.value(0).toString());
            if (!status)
                continue;
            const qint64 count = query.value(1).toLongLong();
            snap.counts.insert(*status, count);
            snap.total += count;
        }
        if (options.countFinishedStatuses) {
            const QHash<JobStatus, qint64> finished = finishedStatusCounts();
            for (auto it = finished.cbegin(); it != finished.cend(); ++it) {
                snap.counts.insert(it.key(), it.value());
                snap.total += it.value();
            }
        }
    }

    // Ready vs waiting, and the oldest waiting job: the claim index covers these rows.
    {
        QSqlQuery query = run(m_db, QStringLiteral(R"(
            SELECT COALESCE(SUM(CASE WHEN "runAfter" IS NULL OR "runAfter" <= %1 THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN "runAfter" > %1 THEN 1 ELSE 0 END), 0),
                   MIN("createdAt")
            FROM "ParseJob" WHERE "status" IN ('queued', 'retrying'))").arg(ts(":now")),
                              {{QStringLiteral(":now"), nowText}});
        if (query.next()) {
            snap.readyNow = query.value(0).toLongLong();
            snap.waitingForRunAfter = query.value(1).toLongLong();
            const QDateTime oldest = readTime(query.value(2));
            if (oldest.isValid())
                snap.oldestQueuedAgeSeconds = qMax<qint64>(0, oldest.msecsTo(now)) / 1000.0;
        }
    }

    // Finished jobs are found through the updatedAt index: a finished row's updatedAt is at or
    // after its completedAt, so the redundant updatedAt bound selects a short index range.
    const QString minute = m_postgres
        ? QStringLiteral(R"(to_char(date_trunc('minute', "completedAt"), 'YYYY-MM-DD"T"HH24:MI'))")
        : QStringLiteral(R"(substr("completedAt", 1, 16))");
    {
        QSqlQuery query = run(m_db, QStringLiteral(R"(
            SELECT %1 AS "minute",
                   SUM(CASE WHEN "status" = 'completed' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN "status" = 'failed' THEN 1 ELSE 0 END)
            FROM "ParseJob"
            WHERE "status" IN ('completed', 'failed') AND "updatedAt" >= %2
              AND "completedAt" >= %2
            GROUP BY 1 ORDER BY 1)").arg(minute, ts(":since")),
                              {{QStringLiteral(":since"), hourAgo}});
        while (query.next()) {
            MinuteFigures figures;
            figures.minute = query.value(0).toString();
            figures.completed = query.value(1).toLongLong();
            figures.failed = query.value(2).toLongLong();
            snap.completedLastHour += figures.completed;
            snap.failedLastHour += figures.failed;
            snap.perMinute << figures;
        }
    }

    {
        QSqlQuery query = run(m_db, QStringLiteral(R"(
            SELECT COALESCE(SUM(CASE WHEN "status" = 'completed' THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN "status" = 'failed' THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN "status" = 'cancelled' THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN "status" IN ('completed', 'failed') AND "retryCount" > 0
                                THEN 1 ELSE 0 END), 0)
            FROM "ParseJob"
            WHERE "status" IN ('completed', 'failed', 'cancelled') AND "updatedAt" >= %1
              AND "completedAt" >= %1)").arg(ts(":since")),
                              {{QStringLiteral(":since"), windowStart}});
        if (query.next()) {
            snap.completedInWindow = query.value(0).toLongLong();
            snap.failedInWindow = query.value(1).toLongLong();
            snap.cancelledInWindow = query.value(2).toLongLong();
            snap.finishedWithRetries = query.value(3).toLongLong();
        }
    }

    {
        QSqlQuery query = run(m_db, QStringLiteral(R"(
            SELECT COUNT(*) FROM "JobEvent"
            WHERE "createdAt" >= %1 AND "event" = 'retry_scheduled')").arg(ts(":since")),
                              {{QStringLiteral(":since"), windowStart}});
        if (query.next())
            snap.retriesInWindow = query.value(0).toLongLong();
    }

    // Durations of the jobs completed in the window. PostgreSQL computes the percentiles;
    // SQLite (one machine, a modest window) sends the values.
    {
        const QString from = QStringLiteral(R"(
            FROM "ParseJob"
            WHERE "status" = 'completed' AND "updatedAt" >= %1 AND "completedAt" >= %1
              AND "startedAt" IS NOT NULL)").arg(ts(":since"));
        const QString wait = millis(R"("createdAt")", R"("startedAt")");
        const QString runMs = millis(R"("startedAt")", R"("completedAt")");
        if (m_postgres) {
            QSqlQuery query = run(m_db, QStringLiteral(R"(
                SELECT COUNT(*),
                       percentile_disc(0.5) WITHIN GROUP (ORDER BY w), percentile_disc(0.95)
                       WITHIN GROUP (ORDER BY w), MAX(w),
                       percentile_disc(0.5) WITHIN GROUP (ORDER BY r), percentile_disc(0.95)
                       WITHIN GROUP (ORDER BY r), MAX(r)
                FROM (SELECT %1 AS w, %2 AS r %3) d)").arg(wait, runMs, from),
                                  {{QStringLiteral(":since"), windowStart}});
            if (query.next()) {
                snap.wait.count = snap.run.count = query.value(0).toLongLong();
                snap.wait.p50Ms = query.value(1).toDouble();
                snap.wait.p95Ms = query.value(2).toDouble();
                snap.wait.maxMs = query.value(3).toDouble();
                snap.run.p50Ms = query.value(4).toDouble();
                snap.run.p95Ms = query.value(5).toDouble();
                snap.run.maxMs = query.value(6).toDouble();
            }
        } else {
            QSqlQuery query = run(m_db, QStringLiteral("SELECT %1, %2 %3").arg(wait, runMs, from),
                                  {{QStringLiteral(":since"), windowStart}});
            QList<double> waits;
            QList<double> runs;
            while (query.next()) {
                waits << std::round(query.value(0).toDouble());
                runs << std::round(query.value(1).toDouble());
            }
            snap.wait = figures(waits);
            snap.run = figures(runs);
        }
    }

    // Workers: what each pool says about itself, with the jobs its locks hold now.
    snap.workers = WorkerRegistry(m_db).workers();

    // Stuck jobs, each kind through an index: lockExpiry (partial), claim/status, status.
    {
        const auto read = [&](QSqlQuery &query, StuckJob::Reason reason) {
            while (query.next()) {
                StuckJob job;
                job.id = query.value(0).toString();
                job.filename = query.value(1).toString();
                job.status = jobStatusFromString(query.value(2).toString()).value_or(JobStatus::Queued);
                job.workerId = query.value(3).toString();
                job.retryCount = query.value(4).toInt();
                job.since = readTime(query.value(5));
                job.reason = reason;
                const QString lastError = query.value(6).toString().section(QLatin1Char('\n'), 0, 0);
                switch (reason) {
                case StuckJob::Reason::LockExpired:
                    job.description = Tr::tr("running, but the lock of worker %1 expired at %2")
                                          .arg(job.workerId, isoUtc(job.since));
                    break;
                case StuckJob::Reason::ManyRetries:
                    // The last error is the stored (English) text, quoted as it is.
                    job.description = lastError.isEmpty()
                        ? Tr::tr("retried %1 times").arg(job.retryCount)
                        : Tr::tr("retried %1 times; last error: %2").arg(job.retryCount).arg(lastError);
                    break;
                case StuckJob::Reason::PausedLong:
                    job.description = Tr::tr("paused since %1").arg(isoUtc(job.since));
                    break;
                }
                snap.stuck << job;
            }
        };
        const QString columns = QStringLiteral(
            R"("id", "filename", "status", "workerId", "retryCount", %1, "lastError")");
        QSqlQuery expired = run(m_db, QStringLiteral(R"(
            SELECT %1 FROM "ParseJob" WHERE "status" = 'running' AND "lockExpiry" < %2
            ORDER BY "lockExpiry" LIMIT %3)")
                                          .arg(columns.arg(QStringLiteral(R"("lockExpiry")")),
                                               ts(":now"))
                                          .arg(options.stuckLimit),
                                {{QStringLiteral(":now"), nowText}});
        read(expired, StuckJob::Reason::LockExpired);
        QSqlQuery retried = run(m_db, QStringLiteral(R"(
            SELECT %1 FROM "ParseJob"
            WHERE "status" IN ('queued', 'retrying', 'running') AND "retryCount" >= :retries
            ORDER BY "retryCount" DESC, "createdAt" LIMIT %2)")
                                          .arg(columns.arg(QStringLiteral(R"("updatedAt")")))
                                          .arg(options.stuckLimit),
                                {{QStringLiteral(":retries"), options.stuckRetryCount}});
        read(retried, StuckJob::Reason::ManyRetries);
        QSqlQuery paused = run(m_db, QStringLiteral(R"(
            SELECT %1 FROM "ParseJob" WHERE "status" = 'paused' AND "updatedAt" < %2
            ORDER BY "updatedAt" LIMIT %3)")
                                         .arg(columns.arg(QStringLiteral(R"("updatedAt")")),
                                              ts(":before"))
                                         .arg(options.stuckLimit),
                               {{QStringLiteral(":before"), ago(now, options.stuckPausedSeconds)}});
        read(paused, StuckJob::Reason::PausedLong);
    }
    return snap;
}

FinishedCounters QueueMetrics::countFinished(const QDateTime &from, const QDateTime &to)
{
    const SqlDialect sql(m_db);
    FinishedCounters counters;
    counters.runBuckets.resize(runBuckets().size());
    if (!from.isValid() || !to.isValid() || to <= from)
        return counters;
    const QString runSeconds = m_postgres
        ? QStringLiteral(R"(EXTRACT(EPOCH FROM ("completedAt" - "startedAt")))")
        : QStringLiteral(R"(ROUND((julianday("completedAt") - julianday("startedAt")) * 86400.0, 3))");
    QStringList bucketSums;
    for (double bound : runBuckets())
        bucketSums << QStringLiteral(
                          "COALESCE(SUM(CASE WHEN \"status\" = 'completed' AND r <= %1 THEN 1 ELSE 0 END), 0)")
                          .arg(bound);
    const Bindings range{{QStringLiteral(":from"), isoUtc(from)}, {QStringLiteral(":to"), isoUtc(to)}};
    QSqlQuery query = run(m_db, QStringLiteral(R"(
        SELECT COALESCE(SUM(CASE WHEN "status" = 'completed' THEN 1 ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN "status" = 'failed' THEN 1 ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN "status" = 'completed' AND r IS NOT NULL THEN 1 ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN "status" = 'completed' THEN r END), 0),
               %1
        FROM (SELECT "status", %2 AS r FROM "ParseJob"
              WHERE "status" IN ('completed', 'failed') AND "updatedAt" > %3
                AND "completedAt" > %3 AND "completedAt" <= %4) finished)")
                                    .arg(bucketSums.join(QStringLiteral(", ")), runSeconds,
                                         sql.timestamp(QStringLiteral(":from")),
                                         sql.timestamp(QStringLiteral(":to"))),
                          range);
    if (query.next()) {
        counters.completed = query.value(0).toLongLong();
        counters.failed = query.value(1).toLongLong();
        counters.runCount = query.value(2).toLongLong();
        counters.runSumSeconds = query.value(3).toDouble();
        for (qsizetype i = 0; i < counters.runBuckets.size(); ++i)
            counters.runBuckets[i] = query.value(int(4 + i)).toLongLong();
    }
    QSqlQuery retries = run(m_db, QStringLiteral(R"(
        SELECT COUNT(*) FROM "JobEvent"
        WHERE "createdAt" > %1 AND "createdAt" <= %2 AND "event" = 'retry_scheduled')")
                                      .arg(sql.timestamp(QStringLiteral(":from")),
                                           sql.timestamp(QStringLiteral(":to"))),
                            range);
    if (retries.next())
        counters.retried = retries.value(0).toLongLong();
    return counters;
}

QString QueueMetrics::renderPrometheus(const QueueSnapshot &snapshot,
                                       const FinishedCounters &counters, bool workerUp)
{
    QString text;
    const auto family = [&text](const char *name, const char *type, const char *help) {
        text += QStringLiteral("# HELP %1 %2\n# TYPE %1 %3\n")
                    .arg(QLatin1String(name), QString::fromUtf8(help), QLatin1String(type));
    };
    const auto sample = [&text](const QString &name, double value, const QString &labels = {}) {
        text += name;
        if (!labels.isEmpty())
            text += QLatin1Char('{') + labels + QLatin1Char('}');
        text += QLatin1Char(' ') + promNumber(value) + QLatin1Char('\n');
    };
    const auto name = [](const char *n) { return QString::fromLatin1(n); };

    family("callboard_jobs", "gauge", "Jobs in the queue by status.");
    for (JobStatus status : allJobStatuses())
        sample(name("callboard_jobs"), double(snapshot.counts.value(status)),
               QStringLiteral("status=\"%1\"").arg(statusName(status)));
    family("callboard_jobs_ready", "gauge", "Queued or retrying jobs that may be claimed now.");
    sample(name("callboard_jobs_ready"), double(snapshot.readyNow));
    family("callboard_jobs_scheduled", "gauge", "Queued or retrying jobs waiting for runAfter.");
    sample(name("callboard_jobs_scheduled"), double(snapshot.waitingForRunAfter));
    family("callboard_oldest_queued_job_age_seconds", "gauge",
           "Age of the oldest queued or retrying job (0 when none).");
    sample(name("callboard_oldest_queued_job_age_seconds"),
           snapshot.oldestQueuedAgeSeconds.value_or(0));

    family("callboard_jobs_completed_total", "counter",
           "Jobs completed (any worker) since this exporter started.");
    sample(name("callboard_jobs_completed_total"), double(counters.completed));
    family("callboard_jobs_failed_total", "counter",
           "Jobs failed for good (any worker) since this exporter started.");
    sample(name("callboard_jobs_failed_total"), double(counters.failed));
    family("callboard_jobs_retried_total", "counter",
           "Retries scheduled (any worker) since this exporter started.");
    sample(name("callboard_jobs_retried_total"), double(counters.retried));

    family("callboard_job_run_duration_seconds", "histogram",
           "Run time (first start to completion) of jobs completed since this exporter started.");
    const QList<double> &bounds = runBuckets();
    for (qsizetype i = 0; i < bounds.size(); ++i)
        sample(name("callboard_job_run_duration_seconds_bucket"),
               double(counters.runBuckets.value(i)),
               QStringLiteral("le=\"%1\"").arg(promNumber(bounds.at(i))));
    sample(name("callboard_job_run_duration_seconds_bucket"), double(counters.runCount),
           QStringLiteral("le=\"+Inf\""));
    sample(name("callboard_job_run_duration_seconds_sum"), counters.runSumSeconds);
    sample(name("callboard_job_run_duration_seconds_count"), double(counters.runCount));

    const QString window = QStringLiteral("window=\"%1s\"").arg(snapshot.windowSeconds);
    family("callboard_job_wait_seconds", "gauge",
           "Wait (created to started) of jobs completed in the window, by quantile.");
    sample(name("callboard_job_wait_seconds"), snapshot.wait.p50Ms / 1000.0,
           window + QStringLiteral(",quantile=\"0.5\""));
    sample(name("callboard_job_wait_seconds"), snapshot.wait.p95Ms / 1000.0,
           window + QStringLiteral(",quantile=\"0.95\""));
    sample(name("callboard_job_wait_seconds"), snapshot.wait.maxMs / 1000.0,
           window + QStringLiteral(",quantile=\"1\""));
    family("callboard_job_failure_ratio", "gauge",
           "Failed / (completed + failed) among jobs finished in the window.");
    sample(name("callboard_job_failure_ratio"), snapshot.failureRate(), window);
    family("callboard_job_retry_ratio", "gauge",
           "Share of jobs finished in the window that needed a retry.");
    sample(name("callboard_job_retry_ratio"), snapshot.retryRate(), window);

    family("callboard_workers", "gauge",
           "Worker pools (processes) by state: active (holding jobs), idle, lost (no heartbeat "
           "within their lock duration).");
    for (const auto state : {WorkerRecord::State::Active, WorkerRecord::State::Idle,
                             WorkerRecord::State::Lost}) {
        const auto count = std::count_if(snapshot.workers.cbegin(), snapshot.workers.cend(),
                                         [state](const WorkerRecord &w) { return w.state == state; });
        sample(name("callboard_workers"), double(count),
               QStringLiteral("state=\"%1\"").arg(WorkerRecord::stateName(state)));
    }
    family("callboard_worker_slots", "gauge", "Worker threads of the pools that are not lost.");
    qint64 slotTotal = 0;
    for (const WorkerRecord &worker : snapshot.workers)
        slotTotal += worker.state == WorkerRecord::State::Lost ? 0 : worker.slotCount;
    sample(name("callboard_worker_slots"), double(slotTotal));
    family("callboard_stuck_jobs", "gauge", "Jobs that need attention, by reason.");
    for (StuckJob::Reason reason : {StuckJob::Reason::LockExpired, StuckJob::Reason::ManyRetries,
                                    StuckJob::Reason::PausedLong}) {
        const auto count = std::count_if(snapshot.stuck.cbegin(), snapshot.stuck.cend(),
                                         [reason](const StuckJob &job) { return job.reason == reason; });
        sample(name("callboard_stuck_jobs"), double(count),
               QStringLiteral("reason=\"%1\"").arg(promEscape(reasonName(reason))));
    }
    family("callboard_worker_up", "gauge",
           "1 while this process reaches the database and its heartbeat runs.");
    sample(name("callboard_worker_up"), workerUp ? 1 : 0);
    return text;
}

} // namespace Engine

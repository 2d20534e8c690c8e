// Starting a job over (restart) and what a drained worker leaves behind (leftoverWork): kept
// apart from jobqueue.cpp's transitions so that each can change without the other.
#include "engine/database.h"
#include "engine/enginetr.h"
#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "engine/oneshotquery.h"
#include "engine/sqldialect.h"
#include "engine/transaction.h"

#include <QJsonDocument>
#include <QSqlError>

namespace Engine {

namespace {

QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QJsonObject parseObject(const QVariant &value)
{
    if (value.isNull())
        return {};
    return QJsonDocument::fromJson(value.toString().toUtf8()).object();
}

QString utcText(const QDateTime &time)
{
    return time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) + QStringLiteral(" UTC");
}

// "in 4 s", "in 3 min", or nothing when the time has passed.
QString relative(const QDateTime &now, const QDateTime &when)
{
    if (!now.isValid() || !when.isValid())
        return {};
    const qint64 seconds = (now.msecsTo(when) + 999) / 1000;
    if (seconds <= 0)
        return QStringLiteral(" (now)");
    if (seconds < 120)
        return QStringLiteral(" (in %1 s)").arg(seconds);
    if (seconds < 7200)
        return QStringLiteral(" (in %1 min)").arg((seconds + 59) / 60);
    return QStringLiteral(" (in %1 h)").arg((seconds + 3599) / 3600);
}

} // namespace

QStringList JobQueue::knownProviders()
{
    return {QStringLiteral("heuristic"), QStringLiteral("openai")};
}

void JobQueue::deleteChunkResults(const QString &jobId)
{
    // What the interrupted run had parsed: a start over must not assemble it into the playbook.
    QSqlQuery &remove = prepared(
        QStringLiteral(R"(DELETE FROM "CallboardChunkResult" WHERE "jobId" = :id)"));
    remove.bindValue(QStringLiteral(":id"), jobId);
    exec(remove, jobId);
}

JobStatus JobQueue::restart(const QString &jobId, const QString &actor,
                            const QJsonObject &configChanges)
{
    // Every change is checked before anything is written: bad input changes nothing.
    for (auto it = configChanges.constBegin(); it != configChanges.constEnd(); ++it) {
        const QJsonValue value = it.value();
        if (it.key() == QLatin1String("chunkSize")) {
            const double size = value.toDouble(-1);
            if (!value.isDouble() || size != double(qint64(size)) || size < 1 || size > 1000000)
                throw JobTransitionError(jobId, Tr::tr("The chunk size must be a whole number "
                                                       "from 1 to 1000000"));
        } else if (it.key() == QLatin1String("provider")) {
            if (!value.isString() || !knownProviders().contains(value.toString()))
                throw JobTransitionError(
                    jobId, Tr::tr("Unknown provider '%1' (use %2)")
                               .arg(value.toVariant().toString(),
                                    knownProviders().join(QStringLiteral(" or "))));
        } else {
            throw JobTransitionError(jobId, Tr::tr("A restart cannot change '%1' (only chunkSize "
                                                   "and provider)")
                                                .arg(it.key()));
        }
    }

    const SqlDialect sql(m_db);
    {
        Transaction transaction(m_db);
        const Current current = lockCurrent(jobId);
        if (current.status == JobStatus::Running && !current.lockExpired)
            throw JobTransitionError(jobId, Tr::tr("Job %1 is running (worker %2): pause or "
                                                   "cancel it first, then restart it")
                                                .arg(jobId, current.workerId));

        QSqlQuery &read = prepared(QStringLiteral(
            R"(SELECT "config", "completedChunks", "totalChunks", "progress", "retryCount",
                      "playbookId"
               FROM "ParseJob" WHERE "id" = :id)"));
        read.bindValue(QStringLiteral(":id"), jobId);
        exec(read, jobId);
        if (!read.next()) {
            read.finish();
            throw JobNotFoundError(jobId);
        }
        const QJsonObject oldConfig = parseObject(read.value(0));
        QJsonObject cleared{{QStringLiteral("completedChunks"), read.value(1).toInt()},
                            {QStringLiteral("progress"), read.value(3).toDouble()},
                            {QStringLiteral("retryCount"), read.value(4).toInt()}};
        if (!read.isNull(2))
            cleared.insert(QStringLiteral("totalChunks"), read.value(2).toInt());
        if (!read.isNull(5))
            cleared.insert(QStringLiteral("playbookId"), read.value(5).toString());
        read.finish();

        QJsonObject newConfig = oldConfig;
        QJsonObject changes;
        auto change = [&](const QString &key, const QJsonValue &value) {
            if (oldConfig.value(key) == value)
                return;
            const QJsonValue old = oldConfig.value(key);
            changes.insert(key, QJsonObject{{QStringLiteral("from"),
                                             old.isUndefined() ? QJsonValue() : old},
                                            {QStringLiteral("to"), value}});
            newConfig.insert(key, value);
        };
        if (configChanges.contains(QStringLiteral("chunkSize")))
            change(QStringLiteral("chunkSize"), configChanges.value(QStringLiteral("chunkSize")));
        if (configChanges.contains(QStringLiteral("provider"))) {
            // Both keys the parser reads must agree (it refuses a job where they differ).
            const QJsonValue provider = configChanges.value(QStringLiteral("provider"));
            bool written = false;
            for (const QString &key : {QStringLiteral("provider"), QStringLiteral("llmProvider")}) {
                const QJsonValue old = oldConfig.value(key);
                if (!old.isUndefined() && !old.isNull()) {
                    change(key, provider);
                    written = true;
                }
            }
            if (!written)
                change(QStringLiteral("provider"), provider);
        }

        QSqlQuery &update = prepared(QStringLiteral(R"(
            UPDATE "ParseJob" SET "status" = %1,
                "config" = CASE WHEN :changed = 1 THEN %2 ELSE "config" END,
                "controlRequest" = NULL, "workerId" = NULL, "lockedAt" = NULL,
                "lockExpiry" = NULL, "runAfter" = NULL, "retryCount" = 0, "lastError" = NULL,
                "failureReason" = NULL, "failurePermanent" = NULL, "checkpoints" = '[]',
                "currentState" = NULL,
                "totalChunks" = NULL, "completedChunks" = 0, "progress" = 0,
                "playbookId" = NULL, "startedAt" = NULL, "completedAt" = NULL,
                "updatedAt" = %3
            WHERE "id" = :id)")
                                         .arg(sql.status(QStringLiteral(":status")),
                                              sql.json(QStringLiteral(":config")), sql.now()));
        update.bindValue(QStringLiteral(":status"), statusName(JobStatus::Queued));
        update.bindValue(QStringLiteral(":changed"), changes.isEmpty() ? 0 : 1);
        update.bindValue(QStringLiteral(":config"), compactJson(newConfig));
        update.bindValue(QStringLiteral(":id"), jobId);
        exec(update, jobId);
        deleteChunkResults(jobId);

        QJsonObject details{{QStringLiteral("actor"), actor},
                            {QStringLiteral("from"), statusName(current.status)},
                            {QStringLiteral("to"), statusName(JobStatus::Queued)},
                            {QStringLiteral("oldConfig"), oldConfig},
                            {QStringLiteral("newConfig"), newConfig},
                            {QStringLiteral("changes"), changes},
                            {QStringLiteral("cleared"), cleared}};
        if (current.status == JobStatus::Running)
            details.insert(QStringLiteral("previousWorker"), current.workerId);
        insertEvent(jobId, QStringLiteral("restarted"), details);
        announce({jobId}, statusName(JobStatus::Queued));
        transaction.commit();
    }
    published({jobId});
    return JobStatus::Queued;
}

LeftoverWork JobQueue::leftoverWork(int limit)
{
    // One statement, run once: a drained worker asks this on a connection of its own after the
    // pool's have closed, and as four prepared statements it cost nine round trips. Both lists
    // go through ParseJob_lockExpiry_idx and ParseJob_runAfter_idx and are short.
    const SqlDialect sql(m_db);
    const QString sqlText = QStringLiteral(R"(
        SELECT 'now', NULL, NULL, NULL, NULL, %1, 0
        UNION ALL
        SELECT * FROM (SELECT 'running', "id", "filename", CAST("status" AS TEXT), "workerId",
                              "lockExpiry", COUNT(*) OVER ()
                       FROM "ParseJob" WHERE "status" = 'running' AND "lockExpiry" >= %1
                       ORDER BY "lockExpiry" LIMIT :limit) r
        UNION ALL
        SELECT * FROM (SELECT 'waiting', "id", "filename", CAST("status" AS TEXT), NULL,
                              "runAfter", COUNT(*) OVER ()
                       FROM "ParseJob"
                       WHERE "status" IN ('queued', 'retrying') AND "runAfter" IS NOT NULL
                         AND "runAfter" > %1
                       ORDER BY "runAfter" LIMIT :limit) w
        UNION ALL
        SELECT * FROM (SELECT 'claimable', NULL, NULL, NULL, NULL, %1, 0
                       FROM "ParseJob"
                       WHERE ("status" IN ('queued', 'retrying')
                              AND ("runAfter" IS NULL OR "runAfter" <= %1))
                          OR ("status" = 'running' AND "lockExpiry" < %1)
                       LIMIT 1) c)")
                                .arg(sql.now());
    QSqlQuery query(m_db);
    if (!execOneShot(query, sqlText, {{QStringLiteral(":limit"), limit}}))
        throwStatementError(query.lastError());
    LeftoverWork work;
    while (query.next()) {
        const QString kind = query.value(0).toString();
        const QDateTime at = SqlDialect::toUtc(query.value(5));
        if (kind == QLatin1String("now")) {
            work.databaseNow = at;
        } else if (kind == QLatin1String("claimable")) {
            work.claimableNow = true;
        } else {
            const LeftoverJob job{query.value(1).toString(), query.value(2).toString(),
                                  jobStatusFromString(query.value(3).toString())
                                      .value_or(JobStatus::Queued),
                                  query.value(4).toString(), at};
            if (kind == QLatin1String("running")) {
                work.runningCount = query.value(6).toInt();
                work.running.append(job);
            } else {
                work.waitingCount = query.value(6).toInt();
                work.waiting.append(job);
            }
        }
    }
    return work;
}

QString LeftoverWork::summary() const
{
    if (isEmpty())
        return QStringLiteral("nothing");
    QStringList parts;
    auto more = [](int shown, int count) {
        return count > shown ? QStringLiteral(", and %1 more").arg(count - shown) : QString();
    };
    if (runningCount > 0) {
        QStringList jobs;
        for (const LeftoverJob &job : running)
            jobs << QStringLiteral("%1 %2 held by %3 until %4%5")
                        .arg(job.id.left(8), job.filename, job.workerId, utcText(job.until),
                             relative(databaseNow, job.until));
        parts << QStringLiteral("%1 running under other workers' locks (%2%3)")
                     .arg(runningCount)
                     .arg(jobs.join(QStringLiteral(", ")), more(int(running.size()), runningCount));
    }
    if (waitingCount > 0) {
        QStringList jobs;
        for (const LeftoverJob &job : waiting)
            jobs << QStringLiteral("%1 %2 %3, due %4%5")
                        .arg(job.id.left(8), job.filename, statusName(job.status),
                             utcText(job.until), relative(databaseNow, job.until));
        parts << QStringLiteral("%1 waiting for their time (%2%3)")
                     .arg(waitingCount)
                     .arg(jobs.join(QStringLiteral(", ")), more(int(waiting.size()), waitingCount));
    }
    if (claimableNow)
        parts << QStringLiteral("jobs claimable now");
    return parts.join(QStringLiteral("; "));
}

} // namespace Engine

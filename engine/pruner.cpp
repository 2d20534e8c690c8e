#include "engine/pruner.h"

#include "engine/database.h"
#include "engine/job.h"
#include "engine/joberrors.h"
#include "engine/logging.h"
#include "engine/oneshotquery.h"
#include "engine/sqldialect.h"
#include "engine/transaction.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

namespace Engine {

namespace {

// Finished and last changed before the cutoff: the updatedAt index finds them oldest first.
const char kFinished[] = R"("status" IN ('completed', 'failed', 'cancelled') AND "updatedAt" < %1)";

void execOrThrow(QSqlQuery &query, const QString &sql, const Bindings &bindings = {})
{
    if (!execOneShot(query, sql, bindings))
        throw DatabaseError({}, QStringLiteral("Prune failed: %1").arg(query.lastError().text()));
}

} // namespace

QJsonObject PruneResult::toJson() const
{
    return {{QStringLiteral("cutoff"), isoUtc(cutoff)},
            {QStringLiteral("dryRun"), dryRun},
            {QStringLiteral("jobs"), jobs},
            {QStringLiteral("events"), events},
            {QStringLiteral("playbooks"), playbooks},
            {QStringLiteral("batches"), batches}};
}

Pruner::Pruner(QSqlDatabase db)
    : m_db(std::move(db))
    , m_postgres(Database::isPostgres(m_db))
{}

PruneResult Pruner::run(const PruneOptions &options,
                        const std::function<bool(const PruneResult &)> &progress)
{
    const SqlDialect sql(m_db);
    QSqlQuery clock(m_db);
    execOrThrow(clock, QStringLiteral("SELECT %1").arg(sql.now()));
    clock.next();
    const QDateTime cutoff = SqlDialect::toUtc(clock.value(0)).addSecs(-options.olderThanSeconds);
    clock.finish();

    if (options.dryRun)
        return count(options, cutoff);

    PruneResult total;
    total.cutoff = cutoff;
    const int batchSize = qMax(1, options.batchSize);
    for (;;) {
        const PruneResult batch = deleteBatch(options, cutoff);
        if (batch.jobs == 0)
            break;
        total.jobs += batch.jobs;
        total.events += batch.events;
        total.playbooks += batch.playbooks;
        ++total.batches;
        qCDebug(lcQueue) << "pruned batch" << total.batches << ":" << batch.jobs << "jobs,"
                         << batch.events << "events," << batch.playbooks << "playbooks";
        if (progress && !progress(total))
            break;
        if (batch.jobs < batchSize)
            break;
        if (options.pauseMs > 0)
            QThread::msleep(options.pauseMs);
    }
    return total;
}

PruneResult Pruner::count(const PruneOptions &options, const QDateTime &cutoff)
{
    const SqlDialect sql(m_db);
    const QString finished = QString::fromLatin1(kFinished).arg(sql.timestamp(QStringLiteral(":cutoff")));
    const QString playbooks = options.withPlaybooks
        ? QStringLiteral(R"((SELECT COUNT(*) FROM "CallboardPlaybook" WHERE "jobId" IN
              (SELECT "id" FROM "ParseJob" WHERE %1)))").arg(finished)
        : QStringLiteral("0");
    QSqlQuery query(m_db);
    execOrThrow(query, QStringLiteral(R"(
        SELECT (SELECT COUNT(*) FROM "ParseJob" WHERE %1),
               (SELECT COUNT(*) FROM "JobEvent" WHERE "jobId" IN
                   (SELECT "id" FROM "ParseJob" WHERE %1)),
               %2)").arg(finished, playbooks),
        {{QStringLiteral(":cutoff"), isoUtc(cutoff)}});
    PruneResult result;
    result.cutoff = cutoff;
    result.dryRun = true;
    if (query.next()) {
        result.jobs = query.value(0).toLongLong();
        result.events = query.value(1).toLongLong();
        result.playbooks = query.value(2).toLongLong();
    }
    return result;
}

PruneResult Pruner::deleteBatch(const PruneOptions &options, const QDateTime &cutoff)
{
    const SqlDialect sql(m_db);
    const QString finished = QString::fromLatin1(kFinished).arg(sql.timestamp(QStringLiteral(":cutoff")));
    const int batchSize = qMax(1, options.batchSize);
    PruneResult result;
    result.cutoff = cutoff;
    if (m_postgres) {
        // One statement, one short transaction. FOR UPDATE re-checks the status of a row that
        // changed since the snapshot (a failed job retried meanwhile drops out), SKIP LOCKED
        // never waits for a worker or a person holding a row.
        QSqlQuery query(m_db);
        execOrThrow(query, QStringLiteral(R"(
            WITH victims AS (
                SELECT "id" FROM "ParseJob" WHERE %1
                ORDER BY "updatedAt" LIMIT %2 FOR UPDATE SKIP LOCKED),
            events AS (
                DELETE FROM "JobEvent" e USING victims v WHERE e."jobId" = v."id" RETURNING 1),
            playbooks AS (
                DELETE FROM "CallboardPlaybook" p USING victims v
                WHERE %3 AND p."jobId" = v."id" RETURNING 1),
            jobs AS (
                DELETE FROM "ParseJob" j USING victims v WHERE j."id" = v."id" RETURNING 1)
            SELECT (SELECT COUNT(*) FROM jobs), (SELECT COUNT(*) FROM events),
                   (SELECT COUNT(*) FROM playbooks))")
                           .arg(finished)
                           .arg(batchSize)
                           .arg(options.withPlaybooks ? QStringLiteral("TRUE")
                                                      : QStringLiteral("FALSE")),
            {{QStringLiteral(":cutoff"), isoUtc(cutoff)}});
        if (query.next()) {
            result.jobs = query.value(0).toLongLong();
            result.events = query.value(1).toLongLong();
            result.playbooks = query.value(2).toLongLong();
        }
        return result;
    }

    // SQLite: one writer at a time; BEGIN IMMEDIATE keeps the batch's selection and its deletes
    // consistent, and a small batch keeps other writers' wait short.
    Transaction transaction(m_db);
    QSqlQuery pick(m_db);
    pick.setForwardOnly(true);
    execOrThrow(pick,
                QStringLiteral(R"(SELECT "id" FROM "ParseJob" WHERE %1 ORDER BY "updatedAt" LIMIT %2)")
                    .arg(finished)
                    .arg(batchSize),
                {{QStringLiteral(":cutoff"), isoUtc(cutoff)}});
    QJsonArray ids;
    while (pick.next())
        ids.append(pick.value(0).toString());
    pick.finish();
    if (ids.isEmpty())
        return result;
    const QString idList = QString::fromUtf8(QJsonDocument(ids).toJson(QJsonDocument::Compact));
    const auto remove = [&](const QString &statement) {
        QSqlQuery query(m_db);
        Bindings bindings{{QStringLiteral(":ids"), idList}};
        if (statement.contains(QLatin1String(":cutoff")))
            bindings.append({QStringLiteral(":cutoff"), isoUtc(cutoff)});
        execOrThrow(query, statement, bindings);
        return qint64(query.numRowsAffected());
    };
    const QString inBatch = QStringLiteral("IN (SELECT \"value\" FROM json_each(:ids))");
    result.events = remove(QStringLiteral(R"(DELETE FROM "JobEvent" WHERE "jobId" %1)").arg(inBatch));
    if (options.withPlaybooks)
        result.playbooks = remove(
            QStringLiteral(R"(DELETE FROM "CallboardPlaybook" WHERE "jobId" %1)").arg(inBatch));
    result.jobs = remove(QStringLiteral(R"(DELETE FROM "ParseJob" WHERE "id" %1 AND %2)")
                             .arg(inBatch, finished));
    transaction.commit();
    return result;
}

} // namespace Engine

#include "engine/workerregistry.h"

#include "engine/database.h"
#include "engine/job.h"
#include "engine/joberrors.h"
#include "engine/sqldialect.h"
#include "engine/transaction.h"

#include <QCoreApplication>
#include <QHostInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSqlError>

namespace Engine {

namespace {

const QString kColumns = QStringLiteral(
    R"("id", "host", "pid", "version", "slots", "lockSeconds", "heartbeatSeconds", "jobCount",
       "jobIds", "startedAt", "lastHeartbeatAt")");

// Everything but startedAt, which only a pool's start sets.
const QString kUpdateOnBeat = QStringLiteral(
    R"(ON CONFLICT ("id") DO UPDATE SET "host" = excluded."host", "pid" = excluded."pid",
       "version" = excluded."version", "slots" = excluded."slots",
       "lockSeconds" = excluded."lockSeconds", "heartbeatSeconds" = excluded."heartbeatSeconds",
       "jobCount" = excluded."jobCount", "jobIds" = excluded."jobIds",
       "lastHeartbeatAt" = excluded."lastHeartbeatAt")");

void bindRecord(QSqlQuery &query, const WorkerRecord &record)
{
    query.bindValue(QStringLiteral(":id"), record.id);
    query.bindValue(QStringLiteral(":host"), record.host);
    query.bindValue(QStringLiteral(":pid"), record.pid);
    query.bindValue(QStringLiteral(":version"), record.version);
    query.bindValue(QStringLiteral(":slots"), record.slotCount);
    query.bindValue(QStringLiteral(":lock"), record.lockSeconds);
    query.bindValue(QStringLiteral(":heartbeat"), record.heartbeatSeconds);
}

void exec(QSqlQuery &query)
{
    if (query.exec())
        return;
    const QSqlError error = query.lastError();
    throw DatabaseError(QString(), error.databaseText().isEmpty() ? error.text()
                                                                  : error.databaseText().trimmed());
}

} // namespace

WorkerRecord WorkerRecord::forThisProcess(const QString &id, int slotCount, double lockSeconds,
                                          double heartbeatSeconds)
{
    WorkerRecord record;
    record.id = id;
    record.host = QHostInfo::localHostName();
    record.pid = QCoreApplication::applicationPid();
    record.version = QStringLiteral(CALLBOARD_VERSION);
    record.slotCount = slotCount;
    record.lockSeconds = lockSeconds;
    record.heartbeatSeconds = heartbeatSeconds;
    return record;
}

QString WorkerRecord::stateName(State state)
{
    switch (state) {
    case State::Active: return QStringLiteral("active");
    case State::Idle: return QStringLiteral("idle");
    case State::Lost: return QStringLiteral("lost");
    }
    return {};
}

QJsonObject WorkerRecord::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("host"), host},
            {QStringLiteral("pid"), pid},
            {QStringLiteral("version"), version},
            {QStringLiteral("slots"), slotCount},
            {QStringLiteral("lockSeconds"), lockSeconds},
            {QStringLiteral("heartbeatSeconds"), heartbeatSeconds},
            {QStringLiteral("startedAt"), isoUtc(startedAt)},
            {QStringLiteral("lastHeartbeatAt"), isoUtc(lastHeartbeatAt)},
            {QStringLiteral("state"), stateName(state)},
            {QStringLiteral("jobCount"), int(jobIds.size())},
            {QStringLiteral("jobIds"), QJsonArray::fromStringList(jobIds)}};
}

WorkerRegistry::WorkerRegistry(QSqlDatabase db)
    : m_db(db)
    , m_postgres(Database::isPostgres(db))
{}

WorkerRegistry::~WorkerRegistry() = default;

QSqlQuery &WorkerRegistry::prepared(const QString &sql)
{
    auto &query = m_statements[sql];
    if (!query) {
        query = std::make_shared<QSqlQuery>(m_db);
        if (!query->prepare(sql)) {
            const QString message = query->lastError().text();
            m_statements.remove(sql);
            throw DatabaseError(QString(), QStringLiteral("Cannot prepare a statement: %1")
                                               .arg(message));
        }
    }
    return *query;
}

void WorkerRegistry::registerPool(const WorkerRecord &record)
{
    const SqlDialect sql(m_db);
    QSqlQuery &query = prepared(QStringLiteral(R"(
        INSERT INTO "CallboardWorker" (%1)
        VALUES (:id, :host, :pid, :version, :slots, :lock, :heartbeat, 0, '[]', %2, %2)
        %3, "startedAt" = excluded."startedAt")")
                                    .arg(kColumns, sql.now(), kUpdateOnBeat));
    bindRecord(query, record);
    exec(query);
}

QStringList WorkerRegistry::beat(const WorkerRecord &record, const QList<HeldLock> &held)
{
    const SqlDialect sql(m_db);
    QSet<QString> renewed;
    if (m_postgres) {
        // Renewals, the pool's row and the pruning of long-lost rows in one round trip: a
        // heartbeat used to cost one statement per held job.
        QJsonArray locks;
        for (const HeldLock &lock : held)
            locks.append(QJsonObject{{QStringLiteral("jobId"), lock.jobId},
                                     {QStringLiteral("workerId"), lock.workerId}});
        QSqlQuery &query = prepared(QStringLiteral(R"(
            WITH held AS (
                SELECT h."jobId", h."workerId"
                FROM json_to_recordset(CAST(:held AS json)) AS h("jobId" text, "workerId" text)),
            renewed AS (
                UPDATE "ParseJob" j SET "lockExpiry" = %1
                FROM held h
                WHERE j."id" = h."jobId" AND j."workerId" = h."workerId"
                  AND j."status" = 'running'
                RETURNING j."id"),
            pruned AS (
                DELETE FROM "CallboardWorker"
                WHERE "id" <> :id
                  AND "lastHeartbeatAt" < %2 - make_interval(secs => "lockSeconds" * :prune)),
            beat AS (
                INSERT INTO "CallboardWorker" (%3)
                SELECT :id, :host, :pid, :version, :slots, :lock, :heartbeat, COUNT(*),
                       COALESCE(jsonb_agg(r."id"), '[]'), %2, %2
                FROM renewed r
                %4)
            SELECT "id" FROM renewed)")
                                        .arg(sql.nowPlusSeconds(QStringLiteral(":lock")), sql.now(),
                                             kColumns, kUpdateOnBeat));
        bindRecord(query, record);
        query.bindValue(QStringLiteral(":held"),
                        QString::fromUtf8(QJsonDocument(locks).toJson(QJsonDocument::Compact)));
        query.bindValue(QStringLiteral(":prune"), kPruneAfterLocks);
        exec(query);
        while (query.next())
            renewed.insert(query.value(0).toString());
        query.finish();
    } else {
        Transaction transaction(m_db);
        QSqlQuery &renew = prepared(QStringLiteral(R"(
            UPDATE "ParseJob" SET "lockExpiry" = %1
            WHERE "id" = :job AND "workerId" = :worker AND "status" = 'running')")
                                        .arg(sql.nowPlusSeconds(QStringLiteral(":lock"))));
        for (const HeldLock &lock : held) {
            renew.bindValue(QStringLiteral(":lock"), record.lockSeconds);
            renew.bindValue(QStringLiteral(":job"), lock.jobId);
            renew.bindValue(QStringLiteral(":worker"), lock.workerId);
            exec(renew);
            if (renew.numRowsAffected() == 1)
                renewed.insert(lock.jobId);
        }
        QSqlQuery &prune = prepared(QStringLiteral(R"(
            DELETE FROM "CallboardWorker"
            WHERE "id" <> :id
              AND julianday("lastHeartbeatAt") < julianday('now') - "lockSeconds" * :prune / 86400.0)"));
        prune.bindValue(QStringLiteral(":id"), record.id);
        prune.bindValue(QStringLiteral(":prune"), kPruneAfterLocks);
        exec(prune);
        QSqlQuery &write = prepared(QStringLiteral(R"(
            INSERT INTO "CallboardWorker" (%1)
            VALUES (:id, :host, :pid, :version, :slots, :lock, :heartbeat, :count, :jobs, %2, %2)
            %3)")
                                        .arg(kColumns, sql.now(), kUpdateOnBeat));
        bindRecord(write, record);
        const QStringList ids(renewed.cbegin(), renewed.cend());
        write.bindValue(QStringLiteral(":count"), int(ids.size()));
        write.bindValue(QStringLiteral(":jobs"),
                        QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(ids))
                                              .toJson(QJsonDocument::Compact)));
        exec(write);
        transaction.commit();
    }
    QStringList lost;
    for (const HeldLock &lock : held) {
        if (!renewed.contains(lock.jobId))
            lost << lock.jobId;
    }
    return lost;
}

void WorkerRegistry::unregister(const QString &id)
{
    QSqlQuery &query = prepared(QStringLiteral(R"(DELETE FROM "CallboardWorker" WHERE "id" = :id)"));
    query.bindValue(QStringLiteral(":id"), id);
    exec(query);
}

QList<WorkerRecord> WorkerRegistry::workers()
{
    // The jobs come from the jobs' own locks rather than the row's jobIds: a job claimed after
    // the last heartbeat shows at once. Running jobs are few, and the status index finds them.
    const QString lost = m_postgres
        ? QStringLiteral(R"(w."lastHeartbeatAt" + make_interval(secs => w."lockSeconds") < LOCALTIMESTAMP(3))")
        : QStringLiteral(R"(julianday(w."lastHeartbeatAt") + w."lockSeconds" / 86400.0 < julianday('now'))");
    const QString jobIds = m_postgres ? QStringLiteral(R"(string_agg(j."id", ',' ORDER BY j."lockedAt"))")
                                      : QStringLiteral(R"(group_concat(j."id", ','))");
    QSqlQuery &query = prepared(QStringLiteral(R"(
        SELECT w."id", w."host", w."pid", w."version", w."slots", w."lockSeconds",
               w."heartbeatSeconds", w."startedAt", w."lastHeartbeatAt", %1,
               (SELECT %2 FROM "ParseJob" j
                WHERE j."status" = 'running'
                  AND substr(j."workerId", 1, length(w."id") + 1) = w."id" || '-')
        FROM "CallboardWorker" w ORDER BY w."host", w."pid", w."id")")
                                    .arg(lost, jobIds));
    exec(query);
    QList<WorkerRecord> records;
    while (query.next()) {
        WorkerRecord record;
        record.id = query.value(0).toString();
        record.host = query.value(1).toString();
        record.pid = query.value(2).toLongLong();
        record.version = query.value(3).toString();
        record.slotCount = query.value(4).toInt();
        record.lockSeconds = query.value(5).toDouble();
        record.heartbeatSeconds = query.value(6).toDouble();
        record.startedAt = SqlDialect::toUtc(query.value(7));
        record.lastHeartbeatAt = SqlDialect::toUtc(query.value(8));
        const QString jobs = query.value(10).toString();
        if (!jobs.isEmpty())
            record.jobIds = jobs.split(QLatin1Char(','));
        if (query.value(9).toBool())
            record.state = WorkerRecord::State::Lost;
        else
            record.state = record.jobIds.isEmpty() ? WorkerRecord::State::Idle
                                                   : WorkerRecord::State::Active;
        records << record;
    }
    query.finish();
    return records;
}

} // namespace Engine

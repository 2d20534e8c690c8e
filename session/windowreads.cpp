#include "session/windowreads.h"

#include "engine/database.h"
#include "engine/joberrors.h"
#include "engine/jobrowreader.h"
#include "engine/sqldialect.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlRecord>

namespace {

// The job's columns and its playbook's review figures, joined once (two correlated subqueries
// per row made the 100,000-row load look the playbook up twice per job).
const QString kColumns = QStringLiteral(
    R"(j."id", j."type", j."priority", j."status", j."filename", j."config", j."playbookId",
       j."retryCount", j."maxRetries", j."totalChunks", j."completedChunks", j."progress",
       j."lastError", j."failureReason", j."workerId", j."lockedAt", j."lockExpiry",
       j."createdAt", j."startedAt", j."completedAt", j."updatedAt", j."runAfter",
       j."controlRequest", j."sourcePath", j."failurePermanent",
       p."confidence" AS "reviewConfidence", p."warnings" AS "reviewWarnings")");
const QString kJobsWithReview = QStringLiteral(
    R"("ParseJob" j LEFT JOIN "CallboardPlaybook" p ON p."id" = j."playbookId")");

} // namespace

WindowReads::WindowReads(QSqlDatabase db)
    : m_db(db)
    , m_postgres(Engine::Database::isPostgres(db))
    , m_statements(db)
    , m_workers(db)
{
}

void WindowReads::exec(QSqlQuery &query)
{
    if (!query.exec())
        throw Engine::DatabaseError(QString(), query.lastError().text());
}

QList<Engine::Job> WindowReads::readJobs(QSqlQuery &query)
{
    exec(query);
    QList<Engine::Job> jobs;
    const Engine::JobRowReader reader(query.record());
    while (query.next())
        jobs << reader.read(query, false);
    query.finish();
    return jobs;
}

QList<Engine::Job> WindowReads::allJobs()
{
    QSqlQuery &query =
        m_statements.get(QStringLiteral(R"(SELECT %1 FROM %2 ORDER BY j."createdAt")")
                             .arg(kColumns, kJobsWithReview));
    return readJobs(query);
}

QList<Engine::Job> WindowReads::jobsByIds(const QStringList &ids)
{
    if (ids.isEmpty())
        return {};
    // One statement for any number of ids: an array parameter rather than a list of
    // placeholders, whose text (and so its prepared statement) would change with the count.
    QSqlQuery &query = m_statements.get(
        m_postgres ? QStringLiteral(R"(SELECT %1 FROM %2
                                       WHERE j."id" = ANY(string_to_array(:ids, ',')))")
                         .arg(kColumns, kJobsWithReview)
                   : QStringLiteral(R"(SELECT %1 FROM %2
                                       WHERE j."id" IN (SELECT value FROM json_each(:ids)))")
                         .arg(kColumns, kJobsWithReview));
    query.bindValue(QStringLiteral(":ids"),
                    m_postgres ? ids.join(QLatin1Char(','))
                               : QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(ids))
                                                       .toJson(QJsonDocument::Compact)));
    return readJobs(query);
}

QList<Engine::Job> WindowReads::jobsChangedSince(const QDateTime &since)
{
    const Engine::SqlDialect sql(m_db);
    QSqlQuery &query = m_statements.get(
        QStringLiteral(R"(SELECT %1 FROM %2 WHERE j."updatedAt" >= %3)")
            .arg(kColumns, kJobsWithReview, sql.timestamp(QStringLiteral(":since"))));
    query.bindValue(QStringLiteral(":since"), Engine::isoUtc(since));
    return readJobs(query);
}

QSet<QString> WindowReads::allIds()
{
    QSqlQuery &query = m_statements.get(QStringLiteral(R"(SELECT "id" FROM "ParseJob")"));
    exec(query);
    QSet<QString> ids;
    while (query.next())
        ids.insert(query.value(0).toString());
    query.finish();
    return ids;
}

qint64 WindowReads::jobCount()
{
    QSqlQuery &query = m_statements.get(QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")"));
    exec(query);
    const qint64 count = query.next() ? query.value(0).toLongLong() : 0;
    query.finish();
    return count;
}

QDateTime WindowReads::now()
{
    QSqlQuery &query =
        m_statements.get(QStringLiteral("SELECT %1").arg(Engine::SqlDialect(m_db).now()));
    exec(query);
    const QDateTime now = query.next() ? Engine::SqlDialect::toUtc(query.value(0)) : QDateTime();
    query.finish();
    return now.isValid() ? now : QDateTime::currentDateTimeUtc();
}

qint64 WindowReads::dataVersion()
{
    if (m_postgres)
        return -1;
    QSqlQuery &query = m_statements.get(QStringLiteral("PRAGMA data_version"));
    exec(query);
    const qint64 version = query.next() ? query.value(0).toLongLong() : -1;
    query.finish();
    return version;
}

QList<ActivityEntry> WindowReads::activity(qint64 afterSeq, int limit)
{
    const QString seq = m_postgres ? QStringLiteral("e.\"seq\"") : QStringLiteral("e.rowid");
    QSqlQuery &query = m_statements.get(
        QStringLiteral("SELECT %1, e.\"jobId\", e.\"event\", e.\"details\", e.\"createdAt\","
                       " j.\"filename\" FROM \"JobEvent\" e"
                       " LEFT JOIN \"ParseJob\" j ON j.\"id\" = e.\"jobId\""
                       " WHERE %1 > :after ORDER BY %1 DESC LIMIT %2")
            .arg(seq)
            .arg(limit));
    query.bindValue(QStringLiteral(":after"), afterSeq);
    exec(query);
    QList<ActivityEntry> entries;
    while (query.next()) {
        ActivityEntry entry;
        entry.seq = query.value(0).toLongLong();
        entry.jobId = query.value(1).toString();
        entry.event = query.value(2).toString();
        entry.details = QJsonDocument::fromJson(query.value(3).toByteArray()).object();
        entry.actor = entry.details.value(QStringLiteral("actor")).toString();
        entry.createdAt = Engine::SqlDialect::toUtc(query.value(4));
        entry.filename = query.value(5).toString();
        entries << entry;
    }
    query.finish();
    return entries;
}

void WindowReads::ping()
{
    QSqlQuery &query = m_statements.get(QStringLiteral("SELECT 1"));
    exec(query);
    query.finish();
}

#pragma once

#include "engine/job.h"
#include "engine/workerregistry.h"
#include "session/activityentry.h"
#include "session/statementcache.h"

#include <QDateTime>
#include <QSet>
#include <QStringList>

/// The window's reads, one statement per read and dialect, each prepared once on the session's
/// connection and kept (StatementCache). Throws Engine::DatabaseError on failure.
class WindowReads final
{
public:
    explicit WindowReads(QSqlDatabase db);

    /// Every job, without the large text columns.
    QList<Engine::Job> allJobs();
    /// These jobs (one statement, however many ids); ids not returned have vanished.
    QList<Engine::Job> jobsByIds(const QStringList &ids);
    /// Jobs whose updatedAt is at or after since.
    QList<Engine::Job> jobsChangedSince(const QDateTime &since);
    QSet<QString> allIds();
    qint64 jobCount();
    /// The database's clock (UTC): what "changed since" compares against.
    QDateTime now();
    /// SQLite: changes whenever another connection commits. PostgreSQL: -1.
    qint64 dataVersion();
    /// Events with a sequence number after afterSeq, newest first, at most limit.
    QList<ActivityEntry> activity(qint64 afterSeq, int limit);
    /// Every worker pool's row ("CallboardWorker") with its state and the jobs it holds.
    QList<Engine::WorkerRecord> workers() { return m_workers.workers(); }
    /// The cheapest round trip, for the status bar's figure and the connection check.
    void ping();

private:
    QList<Engine::Job> readJobs(QSqlQuery &query);
    void exec(QSqlQuery &query);

    QSqlDatabase m_db;
    bool m_postgres;
    StatementCache m_statements;
    Engine::WorkerRegistry m_workers;
};

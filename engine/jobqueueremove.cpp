// Removing finished jobs one by one (the window's Remove, `callboard remove`) and finding the jobs
// a new play duplicates: kept apart from jobqueue.cpp's transitions.
#include "engine/enginetr.h"
#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "engine/logging.h"
#include "engine/transaction.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Engine {

namespace {

QString jsonList(const QStringList &values)
{
    return QString::fromUtf8(
        QJsonDocument(QJsonArray::fromStringList(values)).toJson(QJsonDocument::Compact));
}

} // namespace

RemoveResult JobQueue::remove(const QString &jobId, bool withPlaybook, const QString &actor)
{
    RemoveResult result;
    {
        Transaction transaction(m_db);
        // Locked on PostgreSQL: a retry racing the removal either comes first (and the job is
        // refused as queued) or finds nothing.
        const Current current = lockCurrent(jobId);
        if (!isTerminal(current.status))
            throw JobTransitionError(
                jobId, Tr::tr("Job %1 is %2: only completed, failed or cancelled jobs can be "
                              "removed (cancel it first)")
                           .arg(jobId, statusName(current.status)));
        if (withPlaybook) {
            QSqlQuery &playbook = prepared(
                QStringLiteral(R"(DELETE FROM "CallboardPlaybook" WHERE "jobId" = :id)"));
            playbook.bindValue(QStringLiteral(":id"), jobId);
            exec(playbook, jobId);
            result.playbookDeleted = playbook.numRowsAffected() > 0;
        }
        QSqlQuery &events = prepared(QStringLiteral(R"(DELETE FROM "JobEvent" WHERE "jobId" = :id)"));
        events.bindValue(QStringLiteral(":id"), jobId);
        exec(events, jobId);
        result.events = events.numRowsAffected();
        deleteChunkResults(jobId);
        QSqlQuery &job = prepared(QStringLiteral(R"(DELETE FROM "ParseJob" WHERE "id" = :id)"));
        job.bindValue(QStringLiteral(":id"), jobId);
        exec(job, jobId);
        // Other windows re-read the id, find it gone and drop the row. Nothing became
        // claimable: the announcement must not wake this process's workers.
        announce({jobId}, QStringLiteral("removed"));
        m_announced = false;
        transaction.commit();
    }
    qCDebug(lcQueue) << "job" << jobId << "removed by" << actor
                    << (result.playbookDeleted ? "with its playbook" : "");
    published({jobId});
    return result;
}

QList<ExistingJob> JobQueue::findExisting(const QStringList &sourcePaths,
                                          const QStringList &contentHashes)
{
    if (sourcePaths.isEmpty() && contentHashes.isEmpty())
        return {};
    // One statement whatever the number of files: the lists travel as JSON arrays.
    QSqlQuery &query = prepared(m_sql.findExisting);
    query.bindValue(QStringLiteral(":paths"), jsonList(sourcePaths));
    query.bindValue(QStringLiteral(":hashes"), jsonList(contentHashes));
    exec(query);
    QList<ExistingJob> found;
    while (query.next())
        found.append({query.value(0).toString(), query.value(1).toString(),
                      query.value(2).toString(), query.value(3).toString(),
                      jobStatusFromString(query.value(4).toString()).value_or(JobStatus::Queued)});
    query.finish();
    return found;
}

} // namespace Engine

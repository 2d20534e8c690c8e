#include "engine/jobqueue.h"

#include "engine/database.h"
#include "engine/enginetr.h"
#include "engine/joberrors.h"
#include "engine/jobnotifier.h"
#include "engine/jobrowreader.h"
#include "engine/jobstatemachine.h"
#include "engine/logging.h"
#include "engine/oneshotquery.h"
#include "engine/sqldialect.h"
#include "engine/rowid.h"
#include "engine/transaction.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlRecord>
#include <QStringDecoder>
#include <QUuid>

namespace Engine {

namespace {

QString jsonText(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QJsonObject transition(const QString &actor, JobStatus from, JobStatus to)
{
    return {{QStringLiteral("actor"), actor},
            {QStringLiteral("from"), statusName(from)},
            {QStringLiteral("to"), statusName(to)}};
}

} // namespace

QueueOptions QueueOptions::fromEnvironment()
{
    QueueOptions options;
    bool ok = false;
    const double lock = qEnvironmentVariable("CALLBOARD_LOCK_SECONDS").toDouble(&ok);
    if (ok && lock > 0 && lock <= kMaxLockSeconds)
        options.lockSeconds = lock;
    const qint64 maxBytes = qEnvironmentVariable("CALLBOARD_MAX_TEXT_BYTES").toLongLong(&ok);
    if (ok && maxBytes > 0)
        options.maxTextBytes = maxBytes;
    return options;
}

QString controlRequestName(ControlRequest request)
{
    switch (request) {
    case ControlRequest::Pause: return QStringLiteral("pause");
    case ControlRequest::Cancel: return QStringLiteral("cancel");
    case ControlRequest::None: break;
    }
    return {};
}

JobQueue::JobQueue(QSqlDatabase db, QueueOptions options)
    : m_db(db)
    , m_options(options)
    , m_sql(Statements::of(db))
{}

QSqlQuery &JobQueue::prepared(const QString &sql)
{
    auto it = m_prepared.find(sql);
    if (it == m_prepared.end()) {
        auto query = std::make_unique<QSqlQuery>(m_db);
        if (!query->prepare(sql))
            throw DatabaseError(QString(), QStringLiteral("Cannot prepare a statement: %1")
                                               .arg(query->lastError().text()));
        it = m_prepared.emplace(sql, std::move(query)).first;
    }
    return *it->second;
}

void JobQueue::execAutocommit(QSqlQuery &query, const QString &jobId)
{
    // A single statement outside a transaction that PostgreSQL chose as a deadlock victim was
    // rolled back whole: running it again is safe.
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (query.exec())
            return;
        if (query.lastError().nativeErrorCode() != QLatin1String("40P01"))
            break;
        qCDebug(lcQueue) << "deadlock victim, retrying";
    }
    exec(query, jobId);
}

void JobQueue::exec(QSqlQuery &query, const QString &jobId)
{
    if (!query.exec())
        throwStatementError(query.lastError(), jobId);
}

void JobQueue::throwStatementError(const QSqlError &error, const QString &jobId)
{
    qCWarning(lcQueue) << "statement failed:" << error.text();
    throw DatabaseError(jobId, error.databaseText().isEmpty() ? error.text()
                                                              : error.databaseText().trimmed());
}

// ---------------------------------------------------------------------------------------------
// Producers

void JobQueue::validate(const EnqueueInput &input) const
{
    const QString who = input.filename.isEmpty() ? Tr::tr("(no filename)") : input.filename;
    if (input.filename.trimmed().isEmpty())
        throw JobEnqueueError(QString(), Tr::tr("A job needs a filename"));
    if (input.rawText.trimmed().isEmpty())
        throw JobEnqueueError(QString(), Tr::tr("%1 is empty: there is no play text to parse").arg(who));
    if (input.rawText.size() > m_options.maxTextBytes)
        throw JobEnqueueError(QString(),
                              Tr::tr("%1 is %2 MB, over the limit of %3 MB")
                                  .arg(who)
                                  .arg(input.rawText.size() / 1048576.0, 0, 'f', 1)
                                  .arg(m_options.maxTextBytes / 1048576.0, 0, 'f', 1));
    if (input.rawText.contains('\0'))
        throw JobEnqueueError(QString(), Tr::tr("%1 is not a text file (it contains NUL bytes)").arg(who));
    QStringDecoder decoder(QStringDecoder::Utf8);
    const QString decoded = decoder(input.rawText);
    if (decoder.hasError())
        throw JobEnqueueError(QString(), Tr::tr("%1 is not valid UTF-8 text").arg(who));
    if (input.priority < kMinPriority || input.priority > kMaxPriority)
        throw JobEnqueueError(QString(), Tr::tr("Priority %1 is out of range (%2 to %3)")
                                             .arg(input.priority)
                                             .arg(kMinPriority)
                                             .arg(kMaxPriority));
    if (input.maxRetries < 0 || input.maxRetries > kMaxRetriesLimit)
        throw JobEnqueueError(QString(), Tr::tr("maxRetries %1 is out of range (0 to %2)")
                                             .arg(input.maxRetries)
                                             .arg(kMaxRetriesLimit));
    const QJsonValue chunkSize = input.config.value(QStringLiteral("chunkSize"));
    if (!chunkSize.isUndefined() && (!chunkSize.isDouble() || chunkSize.toInt() < 1))
        throw JobEnqueueError(QString(), Tr::tr("chunkSize must be a positive number"));
}

void JobQueue::insertJob(const QString &id, const EnqueueInput &input, const QString &text,
                         const QString &actor)
{
    QSqlQuery &query = prepared(m_sql.insertJob);
    query.bindValue(QStringLiteral(":id"), id);
    query.bindValue(QStringLiteral(":priority"), input.priority);
    query.bindValue(QStringLiteral(":rawText"), text);
    query.bindValue(QStringLiteral(":filename"), input.filename);
    query.bindValue(QStringLiteral(":config"), jsonText(input.config));
    query.bindValue(QStringLiteral(":maxRetries"), input.maxRetries);
    query.bindValue(QStringLiteral(":runAfter"),
                    input.runAfter ? QVariant(isoUtc(*input.runAfter)) : QVariant(QString()));
    query.bindValue(QStringLiteral(":actor"), actor);
    query.bindValue(QStringLiteral(":sourcePath"),
                    input.sourcePath.isEmpty() ? QVariant(QMetaType(QMetaType::QString))
                                               : QVariant(input.sourcePath));
    query.bindValue(QStringLiteral(":contentHash"), contentHash(input.rawText));
    exec(query, id); // the row records its creation: see events()
}

QString JobQueue::enqueue(const EnqueueInput &input, const QString &actor)
{
    return enqueueMany({input}, actor).constFirst();
}

QStringList JobQueue::enqueueMany(const QList<EnqueueInput> &inputs, const QString &actor)
{
    for (const EnqueueInput &input : inputs)
        validate(input);
    QStringList ids;
    if (!m_sql.insertJobs.isEmpty()) {
        ids = insertJobsBatched(inputs, actor);
    } else {
        ids.reserve(inputs.size());
        Transaction transaction(m_db);
        for (const EnqueueInput &input : inputs) {
            const QString id = newJobId();
            insertJob(id, input, QString::fromUtf8(input.rawText), actor);
            ids << id;
        }
        transaction.commit();
    }
    m_announced = true; // NOTIFY went with the insert on PostgreSQL
    published(ids.size() > 50 ? QStringList{QStringLiteral("*")} : ids);
    return ids;
}

void JobQueue::insertEvent(const QString &jobId, const QString &event, const QJsonObject &details)
{
    QSqlQuery &query = prepared(m_sql.insertEventValues);
    query.bindValue(QStringLiteral(":id"), newTimeOrderedId());
    query.bindValue(QStringLiteral(":jobId"), jobId);
    query.bindValue(QStringLiteral(":event"), event);
    query.bindValue(QStringLiteral(":details"), jsonText(details));
    exec(query, jobId);
}

// NOTIFY inside the transaction: PostgreSQL delivers it only if and when the commit succeeds.
void JobQueue::announce(const QStringList &jobIds, const QString &status)
{
    m_announced = true; // and in this process, once committed: see published()
    if (m_sql.notify.isEmpty() || jobIds.isEmpty())
        return;
    QStringList parts;
    for (const QString &id : jobIds)
        parts << id + QLatin1Char(':') + status;
    QString payload = parts.join(QLatin1Char(','));
    if (payload.size() > 7000)
        payload = QStringLiteral("*");
    QSqlQuery &query = prepared(m_sql.notify);
    query.bindValue(QStringLiteral(":payload"), payload);
    exec(query);
}

void JobQueue::published(const QStringList &jobIds)
{
    JobNotifier::instance()->publish(jobIds, std::exchange(m_announced, false));
}

// ---------------------------------------------------------------------------------------------
// Workers

std::optional<Job> JobQueue::claimNext(const QString &workerId)
{
    std::optional<Job> job = m_sql.claimNext.isEmpty() ? claimInSteps(workerId) : claimAtOnce(workerId);
    if (job)
        published({job->id});
    return job;
}

std::optional<Job> JobQueue::claimAtOnce(const QString &workerId)
{
    // One statement, one round trip, one commit (postgresstatements.cpp). No NOTIFY: a claim
    // makes nothing claimable, and NOTIFY serialises every committing transaction on one lock
    // (it halved the claim rate at 4 threads); windows see claims through their refresh.
    QSqlQuery &query = prepared(m_sql.claimNext);
    query.bindValue(QStringLiteral(":worker"), workerId);
    query.bindValue(QStringLiteral(":lock"), m_options.lockSeconds);
    execAutocommit(query);
    if (!query.next())
        return std::nullopt;
    JobRowReader reader(query.record());
    Job job = reader.read(query, true);
    query.finish();
    return job;
}

std::optional<Job> JobQueue::claimInSteps(const QString &workerId)
{
    Transaction transaction(m_db);
    QSqlQuery &pick = prepared(m_sql.claimNextPick);
    return claimPicked(pick, transaction, workerId);
}

std::optional<Job> JobQueue::claim(const QString &jobId, const QString &workerId)
{
    Transaction transaction(m_db);
    // The same claimable states as claimNext, for one job (FOR UPDATE: on PostgreSQL a second
    // claimer waits and then finds it taken).
    QSqlQuery &pick = prepared(m_sql.claimOnePick);
    pick.bindValue(QStringLiteral(":id"), jobId);
    std::optional<Job> job = claimPicked(pick, transaction, workerId);
    if (job)
        published({job->id});
    return job;
}

std::optional<Job> JobQueue::claimPicked(QSqlQuery &pick, Transaction &transaction,
                                         const QString &workerId)
{
    exec(pick);
    if (!pick.next()) {
        pick.finish();
        transaction.commit();
        return std::nullopt;
    }
    const QString id = pick.value(0).toString();
    const QString oldStatus = pick.value(1).toString();
    const QString oldWorker = pick.value(2).toString();
    pick.finish();

    QSqlQuery &claim = prepared(m_sql.claimPicked);
    claim.bindValue(QStringLiteral(":worker"), workerId);
    claim.bindValue(QStringLiteral(":lock"), m_options.lockSeconds);
    claim.bindValue(QStringLiteral(":id"), id);
    exec(claim, id);
    if (!claim.next())
        throw DatabaseError(id, QStringLiteral("Claimed job %1 vanished").arg(id));
    JobRowReader reader(claim.record());
    Job job = reader.read(claim, true);
    claim.finish();

    const bool reclaimed = oldStatus == QLatin1String("running");
    QJsonObject details{{QStringLiteral("actor"), workerId},
                        {QStringLiteral("from"), oldStatus},
                        {QStringLiteral("to"), statusName(JobStatus::Running)}};
    if (reclaimed)
        details.insert(QStringLiteral("previousWorker"), oldWorker);
    insertEvent(id, reclaimed ? QStringLiteral("reclaimed") : QStringLiteral("claimed"), details);
    transaction.commit();
    return job;
}

bool JobQueue::renewLock(const QString &jobId, const QString &workerId)
{
    QSqlQuery &query = prepared(m_sql.renewLock);
    query.bindValue(QStringLiteral(":lock"), m_options.lockSeconds);
    query.bindValue(QStringLiteral(":id"), jobId);
    query.bindValue(QStringLiteral(":worker"), workerId);
    exec(query, jobId);
    return query.numRowsAffected() == 1;
}

ProgressResult JobQueue::updateProgress(const QString &jobId, const QString &workerId,
                                        const ProgressUpdate &update)
{
    if (update.progress < 0 || update.progress > 100 || std::isnan(update.progress))
        throw JobTransitionError(jobId, QStringLiteral("Progress %1 is outside 0–100")
                                            .arg(update.progress));
    QJsonObject checkpoint = update.chunkDetails;
    checkpoint.insert(QStringLiteral("completedChunks"), update.completedChunks);
    checkpoint.insert(QStringLiteral("at"), isoUtc(QDateTime::currentDateTimeUtc()));
    QJsonObject details = update.chunkDetails;
    details.insert(QStringLiteral("actor"), workerId);
    details.insert(QStringLiteral("completedChunks"), update.completedChunks);
    details.insert(QStringLiteral("totalChunks"), update.totalChunks);
    details.insert(QStringLiteral("progress"), update.progress);
    const int firstChunk = update.chunkResults.value(QStringLiteral("firstChunk")).toInt();
    const int chunkCount = update.chunkResults.value(QStringLiteral("chunkCount")).toInt();
    const QString ops = QString::fromUtf8(
        QJsonDocument(update.chunkResults.value(QStringLiteral("ops")).toArray()).toJson(QJsonDocument::Compact));

    // The row's part, the same in both dialects; the answer is the pending control request, or
    // no row when the lock was lost.
    auto bindRow = [&](QSqlQuery &query) {
        query.bindValue(QStringLiteral(":completed"), update.completedChunks);
        query.bindValue(QStringLiteral(":total"), update.totalChunks);
        query.bindValue(QStringLiteral(":progress"), update.progress);
        query.bindValue(QStringLiteral(":state"), jsonText(update.currentState));
        query.bindValue(QStringLiteral(":checkpoint"), jsonText(checkpoint));
        query.bindValue(QStringLiteral(":id"), jobId);
        query.bindValue(QStringLiteral(":worker"), workerId);
    };
    auto readAnswer = [&](QSqlQuery &query, QString *request) {
        const bool owned = query.next();
        if (owned)
            *request = query.value(0).toString();
        else
            qCWarning(lcQueue) << "progress not written, lock lost: job" << jobId << "worker"
                               << workerId;
        query.finish();
        return owned;
    };
    ProgressResult result;
    QString request;
    if (!m_sql.progress.isEmpty()) {
        // One statement, one round trip: the fenced row update, the chunk results (those of a
        // run that started over are replaced) and the event, all or nothing.
        QSqlQuery &query = prepared(m_sql.progress);
        bindRow(query);
        query.bindValue(QStringLiteral(":first"), firstChunk);
        query.bindValue(QStringLiteral(":count"), chunkCount);
        query.bindValue(QStringLiteral(":ops"), ops);
        query.bindValue(QStringLiteral(":eventId"), newTimeOrderedId());
        query.bindValue(QStringLiteral(":details"), jsonText(details));
        execAutocommit(query, jobId);
        if (!readAnswer(query, &request))
            return result;
    } else {
        Transaction transaction(m_db);
        QSqlQuery &query = prepared(m_sql.progressRow);
        bindRow(query);
        exec(query, jobId);
        if (!readAnswer(query, &request))
            return result;
        if (chunkCount > 0) {
            QSqlQuery &stale = prepared(m_sql.dropChunkResultsFrom);
            stale.bindValue(QStringLiteral(":id"), jobId);
            stale.bindValue(QStringLiteral(":first"), firstChunk);
            exec(stale, jobId);
            QSqlQuery &stored = prepared(m_sql.storeChunkResults);
            stored.bindValue(QStringLiteral(":id"), jobId);
            stored.bindValue(QStringLiteral(":first"), firstChunk);
            stored.bindValue(QStringLiteral(":count"), chunkCount);
            stored.bindValue(QStringLiteral(":ops"), ops);
            exec(stored, jobId);
        }
        insertEvent(jobId, QStringLiteral("progress"), details);
        transaction.commit();
    }
    result.owned = true;
    if (request == QLatin1String("pause"))
        result.control = ControlRequest::Pause;
    else if (request == QLatin1String("cancel"))
        result.control = ControlRequest::Cancel;
    published({jobId}); // no NOTIFY for progress: see claimAtOnce()
    return result;
}

QList<QJsonObject> JobQueue::chunkResults(const QString &jobId)
{
    QSqlQuery &query = prepared(m_sql.chunkResults);
    query.bindValue(QStringLiteral(":id"), jobId);
    exec(query, jobId);
    QList<QJsonObject> results;
    while (query.next()) {
        results << QJsonObject{
            {QStringLiteral("firstChunk"), query.value(0).toInt()},
            {QStringLiteral("chunkCount"), query.value(1).toInt()},
            {QStringLiteral("ops"), QJsonDocument::fromJson(query.value(2).toString().toUtf8()).array()}};
    }
    query.finish();
    return results;
}

QString JobQueue::insertPlaybook(const QString &jobId, const StoredPlaybook &playbook,
                                 const QString &chosenId)
{
    if (playbook.isEmpty())
        return {};
    const QString playbookId = chosenId.isEmpty() ? newTimeOrderedId() : chosenId;
    QSqlQuery &insert = prepared(m_sql.insertPlaybook);
    insert.bindValue(QStringLiteral(":id"), playbookId);
    insert.bindValue(QStringLiteral(":jobId"), jobId);
    insert.bindValue(QStringLiteral(":title"), playbook.summary.title);
    insert.bindValue(QStringLiteral(":characters"), playbook.summary.characters);
    insert.bindValue(QStringLiteral(":acts"), playbook.summary.acts);
    insert.bindValue(QStringLiteral(":scenes"), playbook.summary.scenes);
    insert.bindValue(QStringLiteral(":speeches"), playbook.summary.speeches);
    // SQLite takes the UTF-8 bytes as they are (the statement casts them to text); QPSQL would
    // send bytes as bytea, so it gets the text.
    insert.bindValue(QStringLiteral(":document"), m_sql.isPostgres
                                                      ? QVariant(QString::fromUtf8(playbook.document))
                                                      : QVariant(playbook.document));
    insert.bindValue(QStringLiteral(":confidence"),
                     playbook.confidence < 0 ? QVariant(QMetaType::fromType<double>())
                                             : QVariant(playbook.confidence));
    insert.bindValue(QStringLiteral(":warnings"), playbook.seriousWarnings);
    exec(insert, jobId);
    return playbookId;
}

// What a running parse kept between checkpoints is not needed once the playbook is stored.
void JobQueue::dropParseScratch(const QString &jobId)
{
    QSqlQuery &query = prepared(m_sql.dropChunkResults);
    query.bindValue(QStringLiteral(":id"), jobId);
    exec(query, jobId);
}

bool JobQueue::complete(const QString &jobId, const QString &workerId, const QJsonObject &playbook,
                        int completedChunks, int totalChunks)
{
    return complete(jobId, workerId, StoredPlaybook::of(playbook), completedChunks, totalChunks);
}

bool JobQueue::complete(const QString &jobId, const QString &workerId,
                        const StoredPlaybook &playbook, int completedChunks, int totalChunks)
{
    {
        Transaction transaction(m_db);
        const QString playbookId = insertPlaybook(jobId, playbook);
        QSqlQuery &query = prepared(m_sql.complete);
        query.bindValue(QStringLiteral(":completed"), completedChunks);
        query.bindValue(QStringLiteral(":total"), totalChunks);
        query.bindValue(QStringLiteral(":playbookId"),
                        playbookId.isEmpty() ? QVariant(QString()) : QVariant(playbookId));
        query.bindValue(QStringLiteral(":id"), jobId);
        query.bindValue(QStringLiteral(":worker"), workerId);
        exec(query, jobId);
        if (query.numRowsAffected() != 1) {
            qCWarning(lcQueue) << "completion not written, lock lost: job" << jobId << "worker"
                               << workerId;
            return false; // the transaction rolls back the playbook too
        }
        dropParseScratch(jobId);
        QJsonObject details = transition(workerId, JobStatus::Running, JobStatus::Completed);
        if (!playbookId.isEmpty())
            details.insert(QStringLiteral("playbookId"), playbookId);
        insertEvent(jobId, QStringLiteral("completed"), details);
        transaction.commit(); // no NOTIFY for completions: see claimAtOnce()
    }
    published({jobId});
    return true;
}

std::pair<bool, std::optional<Job>> JobQueue::completeAndClaimNext(const QString &jobId,
                                                                   const QString &workerId,
                                                                   const QJsonObject &playbook)
{
    if (m_sql.completeAndClaimNext.isEmpty()) {
        const bool done = complete(jobId, workerId, playbook);
        return {done, claimNext(workerId)};
    }
    // Completion and the next claim share one statement, so a no-op job costs one commit.
    // Without a playbook the statement commits on its own; with one, the playbook row joins it
    // in a transaction, so a completion that lost its lock leaves no orphan playbook.
    std::optional<Transaction> transaction;
    QString playbookId;
    if (!playbook.isEmpty()) {
        transaction.emplace(m_db);
        playbookId = insertPlaybook(jobId, StoredPlaybook::of(playbook));
    }
    QSqlQuery &query = prepared(m_sql.completeAndClaimNext);
    query.bindValue(QStringLiteral(":id"), jobId);
    query.bindValue(QStringLiteral(":worker"), workerId);
    query.bindValue(QStringLiteral(":lock"), m_options.lockSeconds);
    query.bindValue(QStringLiteral(":playbookId"),
                    playbookId.isEmpty() ? QVariant(QString()) : QVariant(playbookId));
    if (transaction)
        exec(query, jobId);
    else
        execAutocommit(query, jobId);
    if (!query.next())
        throw DatabaseError(jobId, QStringLiteral("complete-and-claim returned no row"));
    const bool done = query.value(0).toInt() == 1;
    std::optional<Job> next;
    if (!query.isNull(1)) {
        JobRowReader reader(query.record());
        next = reader.read(query, true);
    }
    query.finish();
    if (transaction) {
        if (!done)
            return {false, std::nullopt}; // rolls back the playbook and the claim
        transaction->commit();
    }
    QStringList changed{jobId};
    if (next)
        changed << next->id;
    published(changed);
    return {done, next};
}

FailureOutcome JobQueue::handleFailure(const QString &jobId, const QString &workerId,
                                       const QString &error, bool permanent)
{
    FailureOutcome outcome;
    {
        Transaction transaction(m_db);
        // A pending pause or cancel wins over a retry: a cancelled play is not parsed again.
        const std::optional<JobStatus> pending = applyPendingControl(
            jobId, workerId, {{QStringLiteral("error"), error}});
        if (!pending) {
            qCWarning(lcQueue) << "failure not written, lock lost: job" << jobId;
            return FailureOutcome::LockLost;
        }
        if (*pending != JobStatus::Running) {
            // The error stays visible on the row, as it would after a retry.
            QSqlQuery &note = prepared(m_sql.noteError);
            note.bindValue(QStringLiteral(":error"), error);
            note.bindValue(QStringLiteral(":id"), jobId);
            exec(note, jobId);
            transaction.commit();
            published({jobId});
            return *pending == JobStatus::Paused ? FailureOutcome::Paused
                                                 : FailureOutcome::Cancelled;
        }
        QSqlQuery &read = prepared(m_sql.retryBudget);
        read.bindValue(QStringLiteral(":id"), jobId);
        read.bindValue(QStringLiteral(":worker"), workerId);
        exec(read, jobId);
        if (!read.next()) {
            read.finish();
            qCWarning(lcQueue) << "failure not written, lock lost: job" << jobId;
            return FailureOutcome::LockLost;
        }
        const int retryCount = read.value(0).toInt();
        const int maxRetries = read.value(1).toInt();
        read.finish();

        QJsonObject details;
        if (!permanent && retryCount < maxRetries) {
            // The seed computed this delay but never applied it; runAfter makes it real.
            const qint64 delay = qMin<qint64>(qint64(m_options.backoffBaseMs) << qMin(retryCount, 20),
                                              m_options.backoffMaxMs);
            const qint64 jitter = QRandomGenerator::global()->bounded(qMax<qint64>(1, delay / 10));
            // The jitter spreads retries out but never past the cap.
            const double delaySeconds = qMin<qint64>(delay + jitter, m_options.backoffMaxMs) / 1000.0;
            QSqlQuery &update = prepared(m_sql.scheduleRetry);
            update.bindValue(QStringLiteral(":error"), error);
            update.bindValue(QStringLiteral(":delay"), delaySeconds);
            update.bindValue(QStringLiteral(":id"), jobId);
            exec(update, jobId);
            details = transition(workerId, JobStatus::Running, JobStatus::Retrying);
            details.insert(QStringLiteral("error"), error);
            details.insert(QStringLiteral("retryCount"), retryCount + 1);
            details.insert(QStringLiteral("delayMs"), qRound64(delaySeconds * 1000));
            insertEvent(jobId, QStringLiteral("retry_scheduled"), details);
            announce({jobId}, statusName(JobStatus::Retrying));
            outcome = FailureOutcome::Retrying;
        } else {
            const QString reason = permanent
                ? error
                : QStringLiteral("Max retries (%1) exceeded. Last error: %2").arg(maxRetries).arg(error);
            QSqlQuery &update = prepared(m_sql.fail);
            update.bindValue(QStringLiteral(":error"), error);
            update.bindValue(QStringLiteral(":reason"), reason);
            update.bindValue(QStringLiteral(":permanent"), permanent);
            update.bindValue(QStringLiteral(":id"), jobId);
            exec(update, jobId);
            details = transition(workerId, JobStatus::Running, JobStatus::Failed);
            details.insert(QStringLiteral("error"), error);
            details.insert(QStringLiteral("permanent"), permanent);
            details.insert(QStringLiteral("failureReason"), reason);
            insertEvent(jobId, QStringLiteral("failed"), details);
            announce({jobId}, statusName(JobStatus::Failed));
            outcome = FailureOutcome::Failed;
        }
        transaction.commit();
    }
    published({jobId});
    return outcome;
}

bool JobQueue::release(const QString &jobId, const QString &workerId, const QString &reason)
{
    {
        Transaction transaction(m_db);
        // A pause or cancel asked of the job is what the person wants, not the queue.
        const std::optional<JobStatus> pending = applyPendingControl(
            jobId, workerId, {{QStringLiteral("reason"), reason}});
        if (!pending)
            return false;
        if (*pending != JobStatus::Running) {
            transaction.commit();
            published({jobId});
            return true;
        }
        QSqlQuery &query = prepared(m_sql.release);
        query.bindValue(QStringLiteral(":id"), jobId);
        query.bindValue(QStringLiteral(":worker"), workerId);
        exec(query, jobId);
        if (query.numRowsAffected() != 1)
            return false;
        QJsonObject details = transition(workerId, JobStatus::Running, JobStatus::Queued);
        details.insert(QStringLiteral("reason"), reason);
        insertEvent(jobId, QStringLiteral("released"), details);
        announce({jobId}, statusName(JobStatus::Queued));
        transaction.commit();
    }
    published({jobId});
    return true;
}

std::optional<JobStatus> JobQueue::applyPendingControl(const QString &jobId,
                                                      const QString &workerId,
                                                      const QJsonObject &extraDetails)
{
    // The row stays locked from this read to the caller's commit: a request that arrives
    // meanwhile waits for the transition instead of being lost beside it.
    QSqlQuery &read = prepared(m_sql.pendingControl);
    read.bindValue(QStringLiteral(":id"), jobId);
    read.bindValue(QStringLiteral(":worker"), workerId);
    exec(read, jobId);
    if (!read.next()) {
        read.finish();
        return std::nullopt;
    }
    const QString request = read.value(0).toString();
    read.finish();
    if (request.isEmpty())
        return JobStatus::Running;
    const JobStatus target = request == QLatin1String("pause") ? JobStatus::Paused
                                                               : JobStatus::Cancelled;
    QSqlQuery &update = prepared(m_sql.applyPendingControl);
    update.bindValue(QStringLiteral(":status"), statusName(target));
    update.bindValue(QStringLiteral(":cancelled"), target == JobStatus::Cancelled ? 1 : 0);
    update.bindValue(QStringLiteral(":id"), jobId);
    exec(update, jobId);
    QJsonObject details = transition(workerId, JobStatus::Running, target);
    for (auto it = extraDetails.constBegin(); it != extraDetails.constEnd(); ++it)
        details.insert(it.key(), it.value());
    insertEvent(jobId, target == JobStatus::Paused ? QStringLiteral("paused")
                                                   : QStringLiteral("cancelled"),
                details);
    announce({jobId}, statusName(target));
    return target;
}

std::optional<JobStatus> JobQueue::honourControlRequest(const QString &jobId,
                                                        const QString &workerId)
{
    std::optional<JobStatus> target;
    {
        Transaction transaction(m_db);
        target = applyPendingControl(jobId, workerId);
        if (!target || *target == JobStatus::Running)
            return target;
        transaction.commit();
    }
    published({jobId});
    return target;
}

int JobQueue::applyOrphanedControlRequests()
{
    QSqlQuery &find = prepared(m_sql.orphanedControl);
    exec(find);
    QList<std::pair<QString, JobStatus>> orphans;
    while (find.next())
        orphans.append({find.value(0).toString(),
                        find.value(1).toString() == QLatin1String("pause") ? JobStatus::Paused
                                                                          : JobStatus::Cancelled});
    find.finish();
    int applied = 0;
    for (const auto &[id, target] : std::as_const(orphans)) {
        try {
            applyControl(id, QStringLiteral("system"), target, QString());
            ++applied;
        } catch (const JobError &error) {
            qCWarning(lcQueue) << "orphaned control request not applied:" << error.message();
        }
    }
    return applied;
}

// ---------------------------------------------------------------------------------------------
// Control

JobQueue::Current JobQueue::lockCurrent(const QString &jobId)
{
    QSqlQuery &query = prepared(m_sql.lockCurrent);
    query.bindValue(QStringLiteral(":id"), jobId);
    exec(query, jobId);
    if (!query.next()) {
        query.finish();
        throw JobNotFoundError(jobId);
    }
    Current current{jobStatusFromString(query.value(0).toString()).value_or(JobStatus::Queued),
                    query.value(1).toString(), query.value(2).toInt() == 1,
                    query.value(3).toString(), query.value(4).toBool()};
    query.finish();
    return current;
}

// Moves a job to target (or, for a running job with a live owner, records the request for the
// owner to honour at its next chunk boundary). Returns the status the job now has.
JobStatus JobQueue::applyControl(const QString &jobId, const QString &actor, JobStatus target,
                                 const QString &request, const QList<JobStatus> &allowedFrom)
{
    JobStatus result;
    bool requested = false; // recorded for the running job's worker, not applied yet
    {
        Transaction transaction(m_db);
        const Current current = lockCurrent(jobId);
        if (current.status == target)
            throw JobTransitionError(jobId, Tr::tr("Job %1 is already %2")
                                                .arg(jobId, statusName(target)));
        // Resume and retry both lead to "queued" but from different states: checked here,
        // inside the transaction, so a concurrent change cannot slip between check and write.
        if (!allowedFrom.isEmpty() && !allowedFrom.contains(current.status)) {
            QStringList names;
            for (JobStatus status : allowedFrom)
                names << statusName(status);
            const QString message = allowedFrom.contains(JobStatus::Paused)
                ? Tr::tr("Job %1 is %2: only %3 jobs can be resumed")
                : Tr::tr("Job %1 is %2: only %3 jobs can be retried");
            throw JobTransitionError(jobId, message.arg(jobId, statusName(current.status),
                                                        names.join(QStringLiteral(" or "))));
        }
        // The handler said no attempt can succeed with this text and configuration (not a play,
        // unknown provider): running it again would only fail again. Restart can change both.
        if (current.status == JobStatus::Failed && target == JobStatus::Queued
            && current.failurePermanent)
            throw JobTransitionError(jobId, Tr::tr("Job %1 failed for a reason no retry can fix: "
                                                   "start it over (restart) with another "
                                                   "configuration, or remove it").arg(jobId));
        JobStateMachine::assertTransition(jobId, current.status, target);

        QJsonObject details = transition(actor, current.status, target);
        if (current.status == JobStatus::Running && !request.isEmpty() && !current.lockExpired) {
            QSqlQuery &update = prepared(m_sql.requestControl);
            update.bindValue(QStringLiteral(":request"), request);
            update.bindValue(QStringLiteral(":id"), jobId);
            exec(update, jobId);
            details.insert(QStringLiteral("worker"), current.workerId);
            insertEvent(jobId, request + QStringLiteral("_requested"), details);
            result = JobStatus::Running;
            requested = true;
        } else {
            const bool resetRetries = target == JobStatus::Queued
                                      && (current.status == JobStatus::Failed
                                          || current.status == JobStatus::Cancelled);
            QSqlQuery &update = prepared(m_sql.applyControl);
            update.bindValue(QStringLiteral(":status"), statusName(target));
            update.bindValue(QStringLiteral(":reset"), resetRetries ? 1 : 0);
            update.bindValue(QStringLiteral(":terminal"), isTerminal(target) ? 1 : 0);
            update.bindValue(QStringLiteral(":id"), jobId);
            exec(update, jobId);
            if (current.status == JobStatus::Running)
                details.insert(QStringLiteral("previousWorker"), current.workerId);
            static const QHash<JobStatus, QString> names{
                {JobStatus::Paused, QStringLiteral("paused")},
                {JobStatus::Cancelled, QStringLiteral("cancelled")},
                {JobStatus::Queued, QStringLiteral("resumed")}};
            QString event = names.value(target);
            if (resetRetries)
                event = QStringLiteral("retried");
            insertEvent(jobId, event, details);
            result = target;
        }
        // The running job's worker hears "pause_requested" (or "cancel_requested") and stops
        // in the middle of its chunk.
        announce({jobId}, requested ? request + QStringLiteral("_requested") : statusName(result));
        transaction.commit();
    }
    published({jobId});
    if (requested)
        JobNotifier::instance()->announceControlRequest(jobId);
    return result;
}

JobStatus JobQueue::pause(const QString &jobId, const QString &actor)
{
    return applyControl(jobId, actor, JobStatus::Paused, QStringLiteral("pause"));
}

JobStatus JobQueue::resume(const QString &jobId, const QString &actor)
{
    return applyControl(jobId, actor, JobStatus::Queued, QString(), {JobStatus::Paused});
}

JobStatus JobQueue::cancel(const QString &jobId, const QString &actor)
{
    return applyControl(jobId, actor, JobStatus::Cancelled, QStringLiteral("cancel"));
}

JobStatus JobQueue::retry(const QString &jobId, const QString &actor)
{
    return applyControl(jobId, actor, JobStatus::Queued, QString(),
                        {JobStatus::Failed, JobStatus::Cancelled});
}

void JobQueue::setPriority(const QString &jobId, int priority, const QString &actor)
{
    if (priority < kMinPriority || priority > kMaxPriority)
        throw JobTransitionError(jobId, Tr::tr("Priority %1 is out of range (%2 to %3)")
                                            .arg(priority)
                                            .arg(kMinPriority)
                                            .arg(kMaxPriority));
    {
        Transaction transaction(m_db);
        QSqlQuery &read = prepared(m_sql.priorityAndStatus);
        read.bindValue(QStringLiteral(":id"), jobId);
        exec(read, jobId);
        if (!read.next()) {
            read.finish();
            throw JobNotFoundError(jobId);
        }
        const int old = read.value(0).toInt();
        const QString status = read.value(1).toString();
        read.finish();
        if (status == statusName(JobStatus::Completed))
            throw JobTransitionError(jobId, Tr::tr("Job %1 is completed: its priority no "
                                                   "longer matters").arg(jobId));
        QSqlQuery &update = prepared(m_sql.setPriority);
        update.bindValue(QStringLiteral(":priority"), priority);
        update.bindValue(QStringLiteral(":id"), jobId);
        exec(update, jobId);
        insertEvent(jobId, QStringLiteral("priority_changed"),
                    {{QStringLiteral("actor"), actor},
                     {QStringLiteral("from"), old},
                     {QStringLiteral("to"), priority}});
        announce({jobId}, status);
        transaction.commit();
    }
    published({jobId});
}

// ---------------------------------------------------------------------------------------------
// Reads

std::optional<Job> JobQueue::job(const QString &jobId, bool withText)
{
    QSqlQuery &query = prepared(withText ? m_sql.jobWithText : m_sql.job);
    query.bindValue(QStringLiteral(":id"), jobId);
    exec(query, jobId);
    if (!query.next()) {
        query.finish();
        return std::nullopt;
    }
    JobRowReader reader(query.record());
    Job job = reader.read(query, withText);
    query.finish();
    return job;
}

QList<Job> JobQueue::jobs(const JobFilter &filter)
{
    QStringList where;
    if (!filter.statuses.isEmpty()) {
        QStringList names;
        for (JobStatus status : filter.statuses)
            names << QLatin1Char('\'') + statusName(status) + QLatin1Char('\'');
        where << QStringLiteral("\"status\" IN (%1)").arg(names.join(QLatin1Char(',')));
    }
    if (!filter.text.isEmpty())
        where << QStringLiteral(R"(("filename" LIKE :text OR "id" LIKE :text))");
    if (filter.changedSince.isValid())
        where << QStringLiteral("\"updatedAt\" >= %1").arg(m_sql.timestamp(QStringLiteral(":since")));
    QString text = QStringLiteral(R"(SELECT %1 FROM "ParseJob")").arg(Statements::jobColumns(false));
    if (!where.isEmpty())
        text += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    text += QStringLiteral(R"( ORDER BY "createdAt" ASC, "id" ASC)");
    if (filter.limit > 0)
        text += QStringLiteral(" LIMIT %1").arg(filter.limit);
    Bindings bindings;
    if (!filter.text.isEmpty())
        bindings.append({QStringLiteral(":text"), QLatin1Char('%') + filter.text + QLatin1Char('%')});
    if (filter.changedSince.isValid())
        bindings.append({QStringLiteral(":since"), isoUtc(filter.changedSince)});
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!execOneShot(query, text, bindings))
        throwStatementError(query.lastError());
    QList<Job> result;
    JobRowReader reader(query.record());
    while (query.next())
        result << reader.read(query, false);
    return result;
}

std::optional<qint64> JobQueue::msUntilNextScheduledJob()
{
    // Through ParseJob_runAfter_idx: only jobs that wait for a time are in it.
    QSqlQuery &query = prepared(m_sql.msUntilNextScheduled);
    exec(query);
    std::optional<qint64> ms;
    if (query.next() && !query.isNull(0))
        ms = qMax<qint64>(0, query.value(0).toLongLong());
    query.finish();
    return ms;
}

QList<JobEvent> JobQueue::events(const QString &jobId)
{
    // The timeline opens with the job's creation, read from its row (enqueue writes no event,
    // and jobs made by the web application or the legacy import read the same way); stored
    // "enqueued" events of older databases are left out for that reason. The row holds the
    // current priority; the first priority change remembers the one it had at creation. SQLite's rowid and
    // PostgreSQL's "seq" give the insert order within one millisecond.
    QSqlQuery &query = prepared(m_sql.events);
    query.bindValue(QStringLiteral(":id"), jobId);
    exec(query, jobId);
    QList<JobEvent> result;
    while (query.next()) {
        JobEvent event;
        event.id = query.value(0).toString();
        event.jobId = query.value(1).toString();
        event.event = query.value(2).toString();
        event.details = QJsonDocument::fromJson(query.value(3).toString().toUtf8()).object();
        event.createdAt = SqlDialect::toUtc(query.value(4));
        result << event;
    }
    query.finish();
    return result;
}

QHash<JobStatus, int> JobQueue::countsByStatus()
{
    QSqlQuery &query = prepared(m_sql.countsByStatus);
    exec(query);
    QHash<JobStatus, int> counts;
    for (JobStatus status : allJobStatuses())
        counts.insert(status, 0);
    while (query.next()) {
        if (const auto status = jobStatusFromString(query.value(0).toString()))
            counts.insert(*status, query.value(1).toInt());
    }
    query.finish();
    return counts;
}

QDateTime JobQueue::databaseNow()
{
    QSqlQuery &query = prepared(m_sql.databaseNow);
    exec(query);
    query.next();
    const QDateTime now = SqlDialect::toUtc(query.value(0));
    query.finish();
    return now;
}

} // namespace Engine

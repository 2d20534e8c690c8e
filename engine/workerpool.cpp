#include "engine/workerpool.h"
#include "engine/workerpoolprivate.h"

#include "engine/database.h"
#include "engine/joberrors.h"
#include "engine/jobnotifier.h"
#include "engine/logging.h"
#include "engine/migrations.h"
#include "engine/postgreslistener.h"
#include "engine/workerregistry.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QHostInfo>
#include <QJsonArray>
#include <QMutex>
#include <QPointer>
#include <QRunnable>
#include <QScopeGuard>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QThreadPool>
#include <QWaitCondition>

#include <atomic>

namespace Engine {

WorkerPoolOptions WorkerPoolOptions::fromEnvironment(const DatabaseUrl &url)
{
    WorkerPoolOptions options;
    options.url = url;
    bool ok = false;
    const int workers = qEnvironmentVariable("WORKER_COUNT").toInt(&ok);
    if (ok && workers >= 0)
        options.workers = workers;
    options.lockSeconds = QueueOptions::fromEnvironment().lockSeconds;
    const double heartbeat = qEnvironmentVariable("CALLBOARD_HEARTBEAT_SECONDS").toDouble(&ok);
    if (ok && heartbeat > 0)
        options.heartbeatSeconds = heartbeat;
    const int prefetch = qEnvironmentVariable("CALLBOARD_PREFETCH").toInt(&ok);
    if (ok && prefetch >= -1)
        options.prefetch = qMin(prefetch, 1000);
    const int poll = qEnvironmentVariable("CALLBOARD_POLL_MS").toInt(&ok);
    if (ok && poll > 0)
        options.pollMs = poll;
    const int interval = qEnvironmentVariable("CALLBOARD_PROGRESS_INTERVAL_MS").toInt(&ok);
    if (ok && interval >= 0)
        options.progressIntervalMs = qMin(interval, 3600 * 1000);
    return options;
}

/// A worker's own connection, opened when its job first needs one.
class LazyQueue final
{
public:
    LazyQueue(WorkerPoolPrivate *pool, QString name)
        : m_pool(pool)
        , m_name(std::move(name))
    {}

    JobQueue &get()
    {
        if (!m_queue) {
            m_connection = std::make_unique<ScopedConnection>(m_pool->options.url, m_name,
                                                              &m_pool->connections);
            if (!m_connection->isOpen()) {
                const QString message = m_connection->error();
                m_connection.reset();
                throw DatabaseError(QString(), message);
            }
            Database::preferGenericPlans(m_connection->database());
            m_queue = std::make_unique<JobQueue>(m_connection->database(), m_pool->queueOptions());
        }
        return *m_queue;
    }
    bool isOpen() const { return bool(m_queue); }
    QSqlDatabase database() const { return m_connection->database(); }
    void reset()
    {
        m_queue.reset();
        m_connection.reset();
    }

private:
    WorkerPoolPrivate *m_pool;
    QString m_name;
    std::unique_ptr<ScopedConnection> m_connection;
    std::unique_ptr<JobQueue> m_queue;
};

namespace {

// Merges a chunk's progress into what is held back: the latest position and state, the chunk
// results counted (their operations are kept aside and joined once, when written: joining them
// here made a play of many quick chunks quadratic), the per-chunk figures added up.
void mergeProgress(ProgressUpdate &into, const ProgressUpdate &update)
{
    const QJsonObject earlierResults = into.chunkResults;
    const QJsonObject earlierDetails = into.chunkDetails;
    into = update;
    if (!earlierResults.isEmpty()) {
        into.chunkResults = QJsonObject{
            {QStringLiteral("firstChunk"), earlierResults.value(QStringLiteral("firstChunk"))},
            {QStringLiteral("chunkCount"),
             earlierResults.value(QStringLiteral("chunkCount")).toInt()
                 + update.chunkResults.value(QStringLiteral("chunkCount")).toInt()}};
    }
    if (!earlierDetails.isEmpty()) {
        QJsonObject details = earlierDetails;
        for (auto it = update.chunkDetails.constBegin(); it != update.chunkDetails.constEnd(); ++it)
            details.insert(it.key(), it.value());
        for (const QString &sum : {QStringLiteral("ms"), QStringLiteral("speeches")})
            details.insert(sum, earlierDetails.value(sum).toInteger()
                                    + update.chunkDetails.value(sum).toInteger());
        details.insert(QStringLiteral("chunks"), earlierDetails.value(QStringLiteral("chunks")).toInt(1)
                                                     + (update.chunkDetails.isEmpty() ? 0 : 1));
        into.chunkDetails = details;
    }
}

class PoolJobContext final : public JobContext
{
public:
    PoolJobContext(const Job &job, LazyQueue &queue, std::shared_ptr<HeldJob> held,
                   WorkerPoolPrivate *pool)
        : m_job(job)
        , m_queue(queue)
        , m_held(std::move(held))
        , m_pool(pool)
    {
        m_sinceWrite.start();
    }

    const Job &job() const override { return m_job; }

    bool stopRequested() const override
    {
        return m_held->lost || m_pool->releasing || m_held->stopAsked;
    }

    QList<QJsonObject> storedChunkResults() override
    {
        return m_queue.get().chunkResults(m_job.id);
    }

    // Progress is held back and written at most once per interval (a chunk that took longer
    // than the interval is written at once), so a play of many quick chunks costs one write
    // instead of one per chunk; a job that finishes within the interval writes nothing but its
    // completion. What is held back is written before any pause, cancel, release or failure is
    // recorded (flush()).
    bool reportProgress(const ProgressUpdate &update) override
    {
        if (m_held->lost)
            return false;
        m_pendingOps << update.chunkResults.value(QStringLiteral("ops")).toArray();
        if (m_pending)
            mergeProgress(*m_pending, update);
        else
            m_pending = update;
        if (update.checkpointOmitted)
            return true; // progressDue() said no: held back until a report with its checkpoint
        const bool due = m_sinceWrite.elapsed() >= m_pool->options.progressIntervalMs
                         || update.urgent || m_pool->releasing
                         || m_held->changedElsewhere.exchange(false);
        if (!due)
            return true;
        return writePending();
    }

    bool progressDue(bool urgent) const override
    {
        return urgent || m_held->lost || m_pool->releasing || m_held->changedElsewhere.load()
               || m_sinceWrite.elapsed() >= m_pool->options.progressIntervalMs;
    }

    /// Writes what is held back; false when the job is no longer this worker's to run. Progress
    /// without its checkpoint (a handler that did not finish reporting) is not written.
    bool flush()
    {
        if (!m_pending || m_held->lost || m_handled || m_pending->checkpointOmitted)
            return !m_held->lost && !m_handled;
        return writePending();
    }

    bool handled() const { return m_handled; }

    /// The chunk counts of progress held back and never written (the job finished first).
    void heldBackCounts(int *completed, int *total) const
    {
        if (m_pending) {
            *completed = m_pending->completedChunks;
            *total = m_pending->totalChunks;
        }
    }

private:
    bool writePending()
    {
        ProgressUpdate update = std::exchange(m_pending, std::nullopt).value();
        QJsonArray ops;
        for (const QJsonArray &chunkOps : std::exchange(m_pendingOps, {})) {
            for (const QJsonValue &op : chunkOps)
                ops.append(op);
        }
        update.chunkResults.insert(QStringLiteral("ops"), ops);
        JobQueue &queue = m_queue.get();
        const ProgressResult result = queue.updateProgress(m_job.id, m_held->workerId, update);
        m_sinceWrite.start();
        if (!result.owned) {
            m_held->lost = true;
            return false;
        }
        if (result.control != ControlRequest::None) {
            queue.honourControlRequest(m_job.id, m_held->workerId);
            qCInfo(lcWorker).noquote() << m_held->workerId << "job" << m_job.id
                                       << controlRequestName(result.control) << "at chunk"
                                       << update.completedChunks;
            m_handled = true;
            return false;
        }
        if (m_pool->releasing) {
            queue.release(m_job.id, m_held->workerId, QStringLiteral("shutdown"));
            m_handled = true;
            return false;
        }
        return true;
    }

    const Job &m_job;
    LazyQueue &m_queue;
    std::shared_ptr<HeldJob> m_held;
    WorkerPoolPrivate *m_pool;
    std::optional<ProgressUpdate> m_pending;
    QList<QJsonArray> m_pendingOps; ///< each held-back chunk's builder operations, in order
    QElapsedTimer m_sinceWrite;
    bool m_handled = false;
};

class WorkerRunnable final : public QRunnable
{
public:
    WorkerRunnable(WorkerPoolPrivate *pool, int index)
        : m_pool(pool)
        , m_index(index)
    {
        setAutoDelete(true);
    }
    void run() override { m_pool->runWorker(m_index); }

private:
    WorkerPoolPrivate *m_pool;
    int m_index;
};

} // namespace

bool connectionAlive(QSqlDatabase db)
{
    QSqlQuery ping(db);
    return db.isOpen() && ping.exec(QStringLiteral("SELECT 1"));
}

namespace {

bool workerConnectionUsable(const LazyQueue &queue)
{
    return queue.isOpen() && connectionAlive(queue.database());
}

// Bounds a shutdown when the database stops answering: past the deadline every connection of the
// pool is cut, so that each thread waiting for the server gets an error and ends.
class ShutdownDeadline final
{
public:
    ShutdownDeadline(ConnectionRegistry &connections, qint64 ms)
        : m_thread(QThread::create([this, &connections, ms] {
            const QDeadlineTimer deadline(ms);
            QMutexLocker lock(&m_mutex);
            while (!m_done && !deadline.hasExpired())
                m_condition.wait(&m_mutex, deadline);
            if (!m_done) {
                qCWarning(lcWorker).noquote()
                    << "the database did not answer during the shutdown: giving up on it; jobs "
                       "not released return to the queue when their locks expire";
                connections.interruptAll();
            }
        }))
    {
        m_thread->start();
    }
    ~ShutdownDeadline()
    {
        {
            QMutexLocker lock(&m_mutex);
            m_done = true;
            m_condition.wakeAll();
        }
        m_thread->wait();
    }

private:
    QMutex m_mutex;
    QWaitCondition m_condition;
    bool m_done = false;
    std::unique_ptr<QThread> m_thread;
};

} // namespace

// A notification: one dispatcher is enough to claim, and workers wait for what it hands them.
// (Waking every thread on two cores for each new job put the wake-up of the one that matters
// behind the others: it showed in the latency's 99th percentile.)
void WorkerPoolPrivate::wakeForWork()
{
    QMutexLocker lock(&mutex);
    ++wakeGeneration;
    dispatcherWake.wakeOne();
}

void WorkerPoolPrivate::wakeAll()
{
    QMutexLocker lock(&mutex);
    ++wakeGeneration;
    dispatcherWake.wakeAll();
    for (const auto &slot : workerSlots)
        slot->wake.wakeAll();
}

// Under `mutex`: prefetched jobs of workers that have been busy with one job for too long.
QList<Job> WorkerPoolPrivate::takeOverdueWaitingJobs()
{
    QList<Job> overdue;
    for (const auto &slot : workerSlots) {
        if (slot->busy && !slot->assigned.isEmpty()
            && slot->busySince.elapsed() > options.prefetchPatienceMs) {
            overdue += std::exchange(slot->assigned, {});
        }
    }
    return overdue;
}

// Under `mutex`: the job is no longer in this process's hands.
void WorkerPoolPrivate::forget(const QString &jobId, const QString &workerId)
{
    held.remove(jobId);
    if (currentJobOfWorker.value(workerId) == jobId)
        currentJobOfWorker.remove(workerId);
}

// Under `mutex`. The worker's job (if any) and those waiting for it go back to the queue through a
// dispatcher's connection, without using one of their retries: the worker could not write (or is
// stopping). It is absent for the dispatchers until it says otherwise: one that cannot write
// progress would only strand what it claims. Until released the jobs stay held: the heartbeat
// keeps their locks and a shutdown releases them.
void WorkerPoolPrivate::handBack(WorkerSlot &slot, const QString &workerId, const QString &jobId,
                                 const QString &reason)
{
    if (!jobId.isEmpty()) {
        if (const auto holder = held.value(jobId))
            holder->finishing = false;
        handbacks << Handback{jobId, workerId, reason};
    }
    for (const Job &waiting : std::exchange(slot.assigned, {}))
        handbacks << Handback{waiting.id, workerId, reason};
    currentJobOfWorker.remove(workerId);
    slot.busy = false;
    slot.present = false;
    dispatcherWake.wakeOne();
}

// On a dispatcher's connection; what it could not release stays in `releases` for the next round.
void WorkerPoolPrivate::releaseHandedBack(JobQueue &queue, QList<Handback> &releases)
{
    while (!releases.isEmpty()) {
        const Handback &handback = releases.constFirst();
        // Fenced on the worker's id: a job whose lock was taken over meanwhile is left alone.
        if (queue.release(handback.jobId, handback.workerId, handback.reason))
            qCInfo(lcWorker).noquote() << "released job" << handback.jobId << "-" << handback.reason;
        QMutexLocker lock(&mutex);
        forget(handback.jobId, handback.workerId);
        releases.removeFirst();
    }
}

void WorkerPoolPrivate::dispatchLoop()
{
    std::unique_ptr<ScopedConnection> connection;
    std::unique_ptr<JobQueue> queue;
    int failures = 0;
    bool mayClaim = true; // something may be claimable: at start, after a wake, after a full round
    QList<Completion> completions;
    QList<Handback> releases;
    QList<Job> overdue; // prefetched jobs that waited too long behind a slow one
    QDeadlineTimer nextDue(QDeadlineTimer::Forever); // the next retry or scheduled job

    for (;;) {
        QStringList claimFor;
        QList<int> reservedFor;
        quint64 generation = 0;
        bool finished = false;
        {
            QMutexLocker lock(&mutex);
            for (;;) {
                // Cut connections: the database did not answer a shutdown, nothing more to write.
                if (!running || (stopping && connections.isInterrupted()))
                    return;
                completions += std::exchange(pending, {});
                releases += std::exchange(handbacks, {});
                claimFor.clear();
                reservedFor.clear();
                if (!stopping && !drainFinished) {
                    // Each worker holds at most one job plus `prefetch` waiting ones; none wait
                    // behind a job that has already run for a while.
                    const int ahead = prefetch();
                    for (int index = 0; index < desired; ++index) {
                        const WorkerSlot &slot = *workerSlots[index];
                        if (!slot.present)
                            continue;
                        const bool slow = slot.busy
                                          && slot.busySince.elapsed() > options.prefetchPatienceMs;
                        const int depth = 1 + (slow ? 0 : ahead);
                        for (int n = int(slot.busy) + int(slot.assigned.size()) + slot.reserved;
                             n < depth; ++n) {
                            claimFor << workerId(index);
                            reservedFor << index;
                        }
                    }
                }
                overdue += takeOverdueWaitingJobs();
                if (!completions.isEmpty() || (!claimFor.isEmpty() && mayClaim) || !overdue.isEmpty()
                    || !releases.isEmpty())
                    break;
                if (stopping && (alive == 0 || abandoned)) {
                    finished = true; // every worker is gone (or given up on), every completion written
                    break;
                }
                bool anyWaiting = false;
                for (int index = 0; index < kMaxWorkers && !anyWaiting; ++index)
                    anyWaiting = workerSlots[index]->busy && !workerSlots[index]->assigned.isEmpty();
                qint64 timeout = anyWaiting ? qMin(options.pollMs, options.prefetchPatienceMs)
                                            : options.pollMs;
                if (!nextDue.isForever())
                    timeout = qBound<qint64>(0, nextDue.remainingTime(), timeout);
                const quint64 before = wakeGeneration;
                const bool woken = dispatcherWake.wait(&mutex, QDeadlineTimer(timeout));
                if (!nextDue.isForever() && nextDue.hasExpired())
                    nextDue = QDeadlineTimer(QDeadlineTimer::Forever);
                if (!woken || wakeGeneration != before)
                    mayClaim = true; // a notification, or the fallback poll
            }
            if (!finished) {
                generation = wakeGeneration;
                // Claims in flight count against their worker's depth, so that the other
                // dispatcher does not claim for the same free place.
                for (int index : std::as_const(reservedFor))
                    ++workerSlots[index]->reserved;
                ++statementsInFlight;
            }
        }
        if (finished) {
            // On this connection, already open: a new one at shutdown cost a dozen round trips.
            unregister(connection, false);
            return;
        }
        auto settle = [&] {
            for (int index : std::as_const(reservedFor))
                --workerSlots[index]->reserved;
            --statementsInFlight;
        };

        if (!queue) {
            connection = std::make_unique<ScopedConnection>(options.url, QStringLiteral("dispatcher"),
                                                            &connections);
            if (!connection->isOpen()) {
                const QString message = connection->error();
                connection.reset();
                QMetaObject::invokeMethod(q, [this, message] { emit q->connectionProblem(message); },
                                          Qt::QueuedConnection);
                // Reconnect with backoff: 0.5 s, 1 s, 2 s, … up to 10 s. What this round took goes
                // back for the other dispatcher, which may have a connection (a role's connection
                // limit can leave one of them without).
                const int wait = qMin(10000, 500 << qMin(failures++, 5));
                QMutexLocker lock(&mutex);
                settle();
                pending = std::exchange(completions, {}) + pending;
                handbacks = std::exchange(releases, {}) + handbacks;
                dispatcherWake.wakeOne();
                dispatcherWake.wait(&mutex, wait);
                continue;
            }
            Database::preferGenericPlans(connection->database());
            queue = std::make_unique<JobQueue>(connection->database(), queueOptions());
            failures = 0;
        }

        BatchResult result;
        try {
            // Before the claim: an exception there must not lose what this round claimed.
            releaseHandedBack(*queue, releases);
            if (!completions.isEmpty() || !claimFor.isEmpty()) {
                QElapsedTimer statement;
                statement.start();
                result = queue->completeAndClaim(completions, claimFor);
                const double ms = statement.nsecsElapsed() / 1e6;
                QMutexLocker lock(&mutex);
                statementMs = statementMs == 0 ? ms : 0.8 * statementMs + 0.2 * ms;
            }
        } catch (const JobError &error) {
            // Nothing is lost: the completions are written again after reconnecting (a repeat of
            // one that did commit changes nothing), and a claim that did commit expires.
            qCWarning(lcWorker).noquote() << "dispatcher:" << error.message();
            if (!connectionAlive(connection->database())) {
                queue.reset();
                connection.reset();
            }
            {
                QMutexLocker lock(&mutex);
                settle();
            }
            QThread::msleep(200);
            continue;
        }
        completions.clear();
        if (!claimFor.isEmpty() && result.claimed.size() < claimFor.size()) {
            // Nothing more is claimable now: wake when the next backoff or schedule runs out
            // rather than at the next poll (no notification marks that moment).
            nextDue = result.msUntilNextScheduled
                          ? QDeadlineTimer(*result.msUntilNextScheduled + 5)
                          : QDeadlineTimer(QDeadlineTimer::Forever);
        }
        for (const QString &id : std::as_const(result.lost))
            qCWarning(lcWorker).noquote() << "completion of job" << id << "not written: lock lost";

        QList<Job> toRelease;
        {
            QMutexLocker lock(&mutex);
            settle();
            for (const QString &id : std::as_const(result.completed)) {
                if (const auto holder = held.value(id))
                    forget(id, holder->workerId);
            }
            for (const QString &id : std::as_const(result.lost)) {
                if (const auto holder = held.value(id))
                    forget(id, holder->workerId);
            }
            for (Job &job : result.claimed) {
                const int index = job.workerId.section(QLatin1Char('-'), -1).toInt();
                WorkerSlot &slot = *workerSlots[index];
                if (stopping || index >= desired || !slot.present) {
                    toRelease << job; // the worker left while the claim was on its way
                    continue;
                }
                auto holder = std::make_shared<HeldJob>();
                holder->workerId = job.workerId;
                holder->filename = job.filename;
                holder->since = QDateTime::currentDateTimeUtc();
                held.insert(job.id, holder);
                slot.assigned << std::move(job);
                slot.wake.wakeOne();
            }
            mayClaim = (!claimFor.isEmpty() && result.claimed.size() == claimFor.size())
                       || wakeGeneration != generation;
            if (options.drain && pending.isEmpty() && statementsInFlight == 0) {
                bool anyBusy = false;
                for (const auto &slot : workerSlots)
                    anyBusy = anyBusy || slot->busy || !slot->assigned.isEmpty() || slot->reserved;
                if (anyBusy) {
                    // not yet
                } else if (!claimFor.isEmpty() && result.claimed.isEmpty() && !mayClaim) {
                    drainFinished = true; // nobody busy, and a claim for all of them found nothing
                    for (const auto &slot : workerSlots)
                        slot->wake.wakeAll();
                } else {
                    // Everyone is idle, but this round did not ask for them all (the other
                    // dispatcher had reserved them): ask now rather than at the next poll.
                    mayClaim = true;
                }
            }
        }
        for (const Job &job : std::as_const(toRelease)) {
            try {
                queue->release(job.id, job.workerId, QStringLiteral("worker stopping"));
            } catch (const JobError &error) {
                qCWarning(lcWorker) << "could not release job" << job.id << error.message();
            }
        }
        for (const Job &job : std::exchange(overdue, {})) {
            try {
                // Back to the queue, where any idle worker (here or elsewhere) can take it.
                queue->release(job.id, job.workerId, QStringLiteral("waited behind a slow job"));
            } catch (const JobError &error) {
                qCWarning(lcWorker) << "could not release job" << job.id << error.message();
            }
            QMutexLocker lock(&mutex);
            forget(job.id, job.workerId);
        }
        if (!result.completed.isEmpty() || !result.claimed.isEmpty())
            QMetaObject::invokeMethod(q, &WorkerPool::workersChanged, Qt::QueuedConnection);
    }
}

void WorkerPoolPrivate::runWorker(int index)
{
    const QString id = workerId(index);
    WorkerSlot &slot = *workerSlots[index];
    {
        QMutexLocker lock(&mutex);
        slot.present = true;
        ++wakeGeneration; // a new worker: worth a claim
        dispatcherWake.wakeOne();
    }
    LazyQueue queue(this, id);
    auto finish = qScopeGuard([&] {
        if (abandoned)
            return; // the pool was given up on and may be gone: touch nothing of it
        {
            QMutexLocker lock(&mutex);
            // Prefetched jobs this worker will not start go back to the queue now, not at lock
            // expiry, through a dispatcher (which leaves only after this worker is gone).
            handBack(slot, id, QString(), QStringLiteral("worker stopping"));
            scheduled.remove(index);
        }
        if (--alive == 0 && options.drain && !stopping)
            QMetaObject::invokeMethod(q, &WorkerPool::drained, Qt::QueuedConnection);
        QMetaObject::invokeMethod(q, &WorkerPool::workersChanged, Qt::QueuedConnection);
    });

    const JobHandler handler = options.handler;

    for (;;) {
        std::optional<Job> job;
        std::shared_ptr<HeldJob> holder;
        {
            QMutexLocker lock(&mutex);
            while (slot.assigned.isEmpty() && !stopping && index < desired && !drainFinished)
                slot.wake.wait(&mutex);
            if (slot.assigned.isEmpty() || stopping || index >= desired) {
                slot.present = false; // in the same breath, so the dispatcher claims no more for us
                break;
            }
            job = slot.assigned.takeFirst();
            holder = held.value(job->id);
            slot.busy = true;
            slot.busySince.start();
            currentJobOfWorker.insert(id, job->id);
        }
        QMetaObject::invokeMethod(q, &WorkerPool::workersChanged, Qt::QueuedConnection);
        qCDebug(lcWorker).noquote() << id << "started job" << job->id << job->filename;

        PoolJobContext context(*job, queue, holder, this);
        JobOutcome outcome;
        QString lostConnection;
        try {
            outcome = handler(context);
        } catch (const DatabaseError &error) {
            lostConnection = error.message();
            outcome = JobOutcome::failed(QStringLiteral("database error: %1").arg(error.message()),
                                         false);
        } catch (const std::exception &error) {
            outcome = JobOutcome::failed(QString::fromLocal8Bit(error.what()), false);
        } catch (...) {
            // A handler bug must cost its job, not the worker (nor, uncaught, the process).
            outcome = JobOutcome::failed(QStringLiteral("the job handler threw an unknown "
                                                        "exception"), false);
        }
        if (abandoned)
            return; // the shutdown gave up on this handler and released its job

        // Progress held back goes in before a failure or a release is recorded, so that the
        // next attempt resumes from the last chunk that was parsed. A completion supersedes it.
        if (outcome.kind != JobOutcome::Completed && lostConnection.isEmpty()) {
            try {
                context.flush();
            } catch (const DatabaseError &error) {
                lostConnection = error.message();
            } catch (const JobError &error) {
                qCWarning(lcWorker).noquote() << id << "progress of job" << job->id
                                              << "not written:" << error.message();
            }
        }
        holder->finishing = true;
        if (outcome.kind == JobOutcome::Completed && !holder->lost) {
            // The dispatcher writes it, together with whatever else finished meanwhile, and in
            // the same statement claims this worker's next job.
            QMutexLocker lock(&mutex);
            recentJobMs = 0.8 * recentJobMs + 0.2 * (slot.busySince.nsecsElapsed() / 1e6);
            Completion completion{job->id, id, outcome.playbook};
            context.heldBackCounts(&completion.completedChunks, &completion.totalChunks);
            pending << completion;
            slot.busy = false;
            dispatcherWake.wakeOne();
            continue;
        }
        // A lost or unobtainable connection is the database's failure, not the job's: it must not
        // use up the job's retries (terminated backends made good plays fail for good).
        const bool databaseLost = !lostConnection.isEmpty() && !workerConnectionUsable(queue);
        QString notRecorded = databaseLost ? lostConnection : QString();
        if (!databaseLost) {
            try {
                if (holder->lost) {
                    qCWarning(lcWorker).noquote() << id << "abandoned job" << job->id << "(lock lost)";
                } else if (context.handled()) {
                    // writing the held-back progress honoured a pause, cancel or release
                } else if (outcome.kind == JobOutcome::Failed) {
                    qCWarning(lcWorker).noquote() << id << "job" << job->id << "failed:" << outcome.error;
                    queue.get().handleFailure(job->id, id, outcome.error, outcome.permanent);
                } else if (outcome.kind == JobOutcome::Stopped && !context.handled() && releasing) {
                    queue.get().release(job->id, id, QStringLiteral("shutdown"));
                } else if (outcome.kind == JobOutcome::Stopped && !context.handled()) {
                    // Stopped mid-chunk for a pause or cancel: apply it now. Withdrawn meanwhile
                    // (resumed before it was honoured), the job goes back to the queue.
                    const auto status = queue.get().honourControlRequest(job->id, id);
                    if (status && *status == JobStatus::Running)
                        queue.get().release(job->id, id, QStringLiteral("stop request withdrawn"));
                }
            } catch (const JobError &error) {
                notRecorded = error.message();
            }
        }
        if (!notRecorded.isEmpty()) {
            const bool connected = workerConnectionUsable(queue);
            if (connected) {
                qCWarning(lcWorker).noquote() << id << "could not record the outcome of job"
                                              << job->id << ":" << notRecorded;
            } else {
                queue.reset();
            }
            {
                QMutexLocker lock(&mutex);
                handBack(slot, id, job->id,
                         connected ? QStringLiteral("outcome not recorded")
                                   : QStringLiteral("worker lost the database connection"));
                slot.present = connected;
            }
            QMetaObject::invokeMethod(q, &WorkerPool::workersChanged, Qt::QueuedConnection);
            if (!connected && !reconnectWorker(slot, index, queue, notRecorded))
                break;
            continue;
        }
        {
            QMutexLocker lock(&mutex);
            forget(job->id, id);
            slot.busy = false;
            ++wakeGeneration; // a free worker: worth another claim
            dispatcherWake.wakeOne();
        }
        QMetaObject::invokeMethod(q, &WorkerPool::workersChanged, Qt::QueuedConnection);
    }
}

// After a hand-back: the worker is absent for the dispatchers until its connection opens again.
// One line when the database becomes unreachable and one when it is back, not one per attempt.
// False when the worker should stop instead.
bool WorkerPoolPrivate::reconnectWorker(WorkerSlot &slot, int index, LazyQueue &queue,
                                        const QString &error)
{
    const QString id = workerId(index);
    qCWarning(lcWorker).noquote() << id << "cannot use the database, takes no job until it can:"
                                  << error;
    for (int attempt = 0;; ++attempt) {
        {
            QMutexLocker lock(&mutex);
            if (stopping || index >= desired)
                return false;
        }
        try {
            queue.get();
            break;
        } catch (const JobError &) {
        }
        QMutexLocker lock(&mutex);
        if (!stopping && index < desired)
            slot.wake.wait(&mutex, qMin(10000, 250 << qMin(attempt, 6)));
    }
    qCInfo(lcWorker).noquote() << id << "has a database connection again";
    QMutexLocker lock(&mutex);
    slot.present = true;
    ++wakeGeneration; // a worker back: worth a claim
    dispatcherWake.wakeOne();
    return true;
}

void WorkerPoolPrivate::releaseHeldJobs()
{
    QList<std::pair<QString, std::shared_ptr<HeldJob>>> snapshot;
    {
        QMutexLocker lock(&mutex);
        for (auto it = held.cbegin(); it != held.cend(); ++it) {
            if (!it.value()->finishing) // a finished job's completion is still on its way
                snapshot << std::make_pair(it.key(), it.value());
        }
    }
    // Cut connections: the shutdown deadline has said what became of them.
    if (snapshot.isEmpty() || connections.isInterrupted())
        return;
    ScopedConnection connection(options.url, QStringLiteral("shutdown"), &connections);
    if (!connection.isOpen()) {
        qCWarning(lcWorker).noquote()
            << QStringLiteral("could not release %1 jobs at shutdown (%2): they return to the "
                              "queue when their locks expire")
                   .arg(snapshot.size())
                   .arg(connection.error());
        return;
    }
    JobQueue queue(connection.database(), queueOptions());
    for (const auto &[jobId, holder] : snapshot) {
        try {
            // Fenced on the worker's id: if the worker finished meanwhile this changes nothing.
            if (queue.release(jobId, holder->workerId, QStringLiteral("shutdown timeout")))
                qCInfo(lcWorker) << "released job" << jobId << "at shutdown";
            holder->lost = true;
        } catch (const JobError &error) {
            qCWarning(lcWorker) << "could not release job" << jobId << ":" << error.message();
        }
    }
}

WorkerPool::WorkerPool(WorkerPoolOptions options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<WorkerPoolPrivate>(this, std::move(options)))
{
    d->prefix = d->options.workerIdPrefix.isEmpty()
                    ? QStringLiteral("%1-%2").arg(QHostInfo::localHostName()).arg(
                          QCoreApplication::applicationPid())
                    : d->options.workerIdPrefix;
    d->threads.setMaxThreadCount(256);
    d->threads.setExpiryTimeout(-1);
}

WorkerPool::~WorkerPool()
{
    if (d->running)
        stop();
    // A handler that never returned still runs on a thread of the pool and uses its state:
    // that state outlives the pool (the process is about to exit) rather than be freed under it.
    // Kept where it can still be found (never destroyed: its thread pool would wait forever).
    if (d->abandoned) {
        static auto *abandonedPools = new QList<WorkerPoolPrivate *>;
        abandonedPools->append(d.release());
    }
}

bool WorkerPool::abandonedWorkers() const
{
    return d->abandoned;
}

bool WorkerPool::start(QString *error)
{
    if (d->running)
        return true;
    if (!d->options.handler) {
        *error = QStringLiteral("WorkerPool: no job handler was given");
        return false;
    }
    d->connections.reset();
    {
        // Fail early and clearly when the database is not usable, and migrate it once here
        // rather than racing N workers at it.
        ScopedConnection connection(d->options.url, QStringLiteral("pool-start"));
        if (!connection.isOpen()) {
            *error = connection.error();
            return false;
        }
        if (!Migrations::migrate(connection.database(), error))
            return false;
        // Seen by every reader from the start, not only after the first heartbeat.
        {
            QMutexLocker lock(&d->registryMutex);
            d->unregistered = false;
        }
        try {
            WorkerRegistry(connection.database())
                .registerPool(WorkerRecord::forThisProcess(d->prefix, d->options.workers,
                                                           d->options.lockSeconds,
                                                           d->options.heartbeatSeconds));
        } catch (const JobError &registryError) {
            qCWarning(lcWorker) << "could not add this pool to the workers table:"
                                << registryError.message();
        }
    }
    bool listening = false;
    if (d->options.url.isPostgres() && d->options.listen) {
        // The listener gets a thread of its own, so a notification wakes the dispatchers at once
        // instead of waiting for this thread's event loop (the window's, which may be busy).
        d->listenerThread = std::make_unique<QThread>();
        d->listenerThread->setObjectName(QStringLiteral("callboard-listener"));
        d->listenerThread->start();
        d->listener = new PostgresListener(d->options.url, &d->connections);
        d->listener->moveToThread(d->listenerThread.get());
        QString listenError;
        QMetaObject::invokeMethod(
            d->listener, [&] { listening = d->listener->start(&listenError); },
            Qt::BlockingQueuedConnection);
        if (!listening)
            qCWarning(lcNotify) << "no LISTEN, polling only:" << listenError;
    }
    // Changes made in this process (the window's enqueue, retry, resume) wake the pool at once,
    // before their NOTIFY has made the round through the server.
    // Direct: the listener's thread (or whichever thread enqueued) wakes a dispatcher itself,
    // without waiting for this thread's event loop.
    connect(JobNotifier::instance(), &JobNotifier::workAvailable, this,
            [this] { d->wakeForWork(); }, Qt::DirectConnection);
    connect(JobNotifier::instance(), &JobNotifier::controlRequested, this,
            [this](const QString &id) {
                QMutexLocker lock(&d->mutex);
                if (const auto holder = d->held.value(id)) {
                    holder->stopAsked = true;
                    holder->changedElsewhere = true;
                }
            }, Qt::DirectConnection);
    // A job of ours changed elsewhere (a pause or cancel asked in a window): its worker writes
    // its held-back progress at the next chunk boundary, and the answer says what was asked.
    connect(JobNotifier::instance(), &JobNotifier::jobsAnnounced, this,
            [this](const QStringList &ids) {
                QMutexLocker lock(&d->mutex);
                const bool all = ids.contains(QStringLiteral("*"));
                for (auto it = d->held.cbegin(); it != d->held.cend(); ++it) {
                    if (all || ids.contains(it.key()))
                        it.value()->changedElsewhere = true;
                }
            }, Qt::DirectConnection);
    d->running = true;
    d->stopping = false;
    d->releasing = false;
    d->drainFinished = false;
    // Two dispatchers on PostgreSQL: while one statement runs on the server, the other one's
    // results are handed out and its next batch gathered, which keeps both cores busy (one
    // dispatcher left a third of the machine idle). SQLite has one writer: one dispatcher.
    const int dispatchers = d->options.url.isPostgres() ? 2 : 1;
    for (int i = 0; i < dispatchers; ++i) {
        d->dispatchers.push_back(std::unique_ptr<QThread>(QThread::create([this] {
            d->dispatchLoop();
        })));
        d->dispatchers.back()->start();
    }
    d->heartbeat.reset(QThread::create([this] { d->heartbeatLoop(); }));
    d->heartbeat->start();
    setWorkerCount(d->options.workers);
    return true;
}

void WorkerPool::setWorkerCount(int count)
{
    count = qBound(0, count, 64);
    d->desired = count;
    d->options.workers = count;
    if (!d->running)
        return;
    // Workers whose index is at or above the count stop after their current job; a worker that
    // is still finishing when the count grows again simply carries on.
    for (int index = 0; index < count; ++index) {
        {
            QMutexLocker lock(&d->mutex);
            if (d->scheduled.contains(index))
                continue;
            d->scheduled.insert(index);
        }
        ++d->alive; // counted before it starts, so a fast drain cannot finish early
        d->threads.start(new WorkerRunnable(d.get(), index));
    }
    d->wakeAll();
    emit workersChanged();
}

int WorkerPool::workerCount() const
{
    return d->desired;
}

void WorkerPool::stop()
{
    if (!d->running)
        return;
    d->stopping = true;
    d->wakeAll();
    const int graceMs = int(d->options.shutdownSeconds * 1000);
    // Every wait below is for a thread that either finishes or, past this deadline, fails on a
    // cut connection: a partition cannot hold the shutdown, and no thread outlives the pool.
    const ShutdownDeadline deadline(d->connections, graceMs + kReleaseMs);
    if (!d->threads.waitForDone(graceMs)) {
        // Stop tokens fire: each handler stops within about a second, even mid-chunk, and its
        // worker writes the progress it held back and releases its job.
        qCInfo(lcWorker) << "shutdown timeout: stopping and releasing running jobs";
        d->releasing = true;
        d->wakeAll();
        if (!d->threads.waitForDone(kStopAfterGraceMs)) {
            // A handler that ignores its stop token: its job goes back to the queue all the same
            // (fenced, so the handler can write nothing more) and its thread is left behind.
            qCWarning(lcWorker).noquote()
                << QStringLiteral("%1 worker(s) did not stop within %2 s after the shutdown grace: "
                                  "their jobs are released and the process exits without them")
                       .arg(d->alive.load())
                       .arg(kStopAfterGraceMs / 1000);
            d->releaseHeldJobs();
            d->abandoned = true;
            d->wakeAll();
        }
    }
    // A dispatcher leaves once the last worker's completion and hand-backs are written.
    d->wakeAll();
    for (const auto &dispatcher : d->dispatchers) {
        if (!dispatcher->wait(kReleaseMs))
            qCWarning(lcWorker) << "dispatcher did not finish writing completions";
    }
    d->running = false;
    d->wakeAll();
    {
        QMutexLocker lock(&d->mutex);
        d->heartbeatCondition.wakeAll();
    }
    for (const auto &dispatcher : d->dispatchers)
        dispatcher->wait();
    d->dispatchers.clear();
    // What a dispatcher could not hand back (its connection broke) gets one more try.
    d->releaseHeldJobs();
    if (d->heartbeat) {
        d->heartbeat->wait();
        d->heartbeat.reset();
    }
    if (d->listenerThread) {
        // Nothing needs the listening connection any more, and it may be waiting on a server
        // that does not answer (its health check): cut it rather than wait.
        d->connections.interruptAll();
        // Deleted in its own thread, where its connection lives.
        QMetaObject::invokeMethod(d->listener, [this] { delete d->listener; },
                                  Qt::BlockingQueuedConnection);
        d->listener = nullptr;
        d->listenerThread->quit();
        d->listenerThread->wait();
        d->listenerThread.reset();
    }
    disconnect(JobNotifier::instance(), nullptr, this, nullptr);
    emit stopped();
}

void WorkerPool::setShutdownSeconds(double seconds)
{
    d->options.shutdownSeconds = qMax(0.0, seconds);
}

bool WorkerPool::isRunning() const
{
    return d->running;
}

QList<WorkerInfo> WorkerPool::workers() const
{
    QList<WorkerInfo> result;
    QMutexLocker lock(&d->mutex);
    for (int index = 0; index < d->desired; ++index) {
        WorkerInfo info;
        info.id = d->workerId(index);
        info.jobId = d->currentJobOfWorker.value(info.id);
        if (const auto holder = d->held.value(info.jobId)) {
            info.filename = holder->filename;
            info.since = holder->since;
        }
        result << info;
    }
    return result;
}

QString WorkerPool::workerIdPrefix() const
{
    return d->prefix;
}

} // namespace Engine

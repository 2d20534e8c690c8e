// The pool's workers: each runs the handler on the jobs its dispatcher hands it, writes their
// progress (held back and coalesced) and records failures, pauses, cancels and releases.
#include "engine/workerpoolprivate.h"

#include <QJsonArray>
#include <QMutex>
#include <QScopeGuard>

#include <optional>

namespace Engine {

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

} // namespace

namespace {

bool workerConnectionUsable(const LazyQueue &queue)
{
    return queue.isOpen() && connectionAlive(queue.database());
}

} // namespace

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
            Completion completion{job->id, id, StoredPlaybook::of(outcome.playbook)};
            QMutexLocker lock(&mutex);
            recentJobMs = 0.8 * recentJobMs + 0.2 * (slot.busySince.nsecsElapsed() / 1e6);
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

} // namespace Engine

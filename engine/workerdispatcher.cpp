// The pool's dispatchers: each claims jobs for idle workers and writes completions, both in one
// statement per round, and gives back to the queue what workers hand back.
#include "engine/workerpoolprivate.h"

#include <QDeadlineTimer>
#include <QMutex>
#include <QThread>

namespace Engine {

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

    // A failed open may come without a message (a backend terminated as it started): success
    // is the open connection, not an empty error.
    auto openConnection = [&](QString *error) {
        connection = std::make_unique<ScopedConnection>(options.url, QStringLiteral("dispatcher"),
                                                        &connections);
        if (!connection->isOpen()) {
            *error = connection->error();
            connection.reset();
            return false;
        }
        Database::preferGenericPlans(connection->database());
        queue = std::make_unique<JobQueue>(connection->database(), queueOptions());
        return true;
    };
    // At once on PostgreSQL, while start() checks the schema (see there). A failure here is met
    // again, and said, when there is work.
    if (options.url.isPostgres()) {
        QString ignored;
        openConnection(&ignored);
    }

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
            if (QString message; !openConnection(&message)) {
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
                // Claimed in the name of one of this round's workers: the slot it was asked for.
                const int index = reservedFor.at(claimFor.indexOf(job.workerId));
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

} // namespace Engine

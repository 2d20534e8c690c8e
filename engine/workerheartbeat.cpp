// The pool's heartbeat: one thread and one connection renewing every held lock, and the pool's
// row in the workers table.
#include "engine/workerpoolprivate.h"

namespace Engine {

// One heartbeat for the whole process, on its own connection and thread, so that a long chunk
// (an LLM call) never delays the renewal of any lock.
void WorkerPoolPrivate::heartbeatLoop()
{
    std::unique_ptr<ScopedConnection> connection;
    std::unique_ptr<JobQueue> queue;
    std::unique_ptr<WorkerRegistry> registry;
    const int intervalMs = qMax(50, int(options.heartbeatSeconds * 1000));
    while (running && !(stopping && alive == 0)) {
        {
            QMutexLocker lock(&mutex);
            heartbeatCondition.wait(&mutex, intervalMs);
        }
        if (!running)
            break;
        if (!queue) {
            connection = std::make_unique<ScopedConnection>(options.url, QStringLiteral("heartbeat"),
                                                            &connections);
            if (!connection->isOpen()) {
                connection.reset();
                continue;
            }
            Database::preferGenericPlans(connection->database());
            queue = std::make_unique<JobQueue>(connection->database(), queueOptions());
            registry = std::make_unique<WorkerRegistry>(connection->database());
        }
        QList<std::pair<QString, std::shared_ptr<HeldJob>>> snapshot;
        QList<HeldLock> locks;
        {
            QMutexLocker lock(&mutex);
            for (auto it = held.cbegin(); it != held.cend(); ++it) {
                if (it.value()->lost || it.value()->finishing)
                    continue;
                snapshot << std::make_pair(it.key(), it.value());
                locks << HeldLock{it.key(), it.value()->workerId};
            }
        }
        try {
            QStringList lostIds;
            {
                QMutexLocker lock(&registryMutex);
                if (unregistered)
                    break; // stopped: nothing is held any more, and the row is gone
                lostIds = registry->beat(record(), locks);
            }
            qCDebug(lcWorker).noquote() << QStringLiteral("renewed lock on %1 jobs")
                                               .arg(locks.size() - lostIds.size());
            for (const auto &[jobId, holder] : snapshot) {
                if (!lostIds.contains(jobId))
                    continue;
                QMutexLocker lock(&mutex);
                const auto current = held.constFind(jobId);
                if (current == held.cend() || current.value() != holder || holder->finishing)
                    continue; // finished between the snapshot and the renewal
                // Someone else owns it now: the worker stops at once, without writing.
                holder->lost = true;
                qCWarning(lcWorker).noquote() << holder->workerId << "lost the lock of job"
                                              << jobId << "- abandoning it";
            }
            queue->applyOrphanedControlRequests();
        } catch (const JobError &error) {
            qCWarning(lcWorker) << "heartbeat failed:" << error.message();
            if (!connectionAlive(connection->database())) {
                registry.reset();
                queue.reset();
                connection.reset();
            }
        }
    }
    unregister(connection, true);
}

// A clean stop deletes the pool's row: what remains after a crash reads as lost instead.
void WorkerPoolPrivate::unregister(std::unique_ptr<ScopedConnection> &connection,
                                   bool mayConnect)
{
    QMutexLocker lock(&registryMutex);
    if (unregistered || connections.isInterrupted())
        return; // done, or the database did not answer: the row ages into "lost"
    if (!connection && !mayConnect)
        return;
    if (!connection)
        connection = std::make_unique<ScopedConnection>(options.url, QStringLiteral("shutdown"),
                                                        &connections);
    if (!connection->isOpen())
        return;
    try {
        WorkerRegistry(connection->database()).unregister(prefix);
        unregistered = true;
    } catch (const JobError &error) {
        qCWarning(lcWorker) << "could not remove this pool from the workers table:"
                            << error.message();
    }
}

} // namespace Engine

#pragma once

// WorkerPool's inside, shared by its parts: the pool's life (workerpool.cpp), the dispatchers
// (workerdispatcher.cpp), the worker slots (workerslot.cpp) and the heartbeat
// (workerheartbeat.cpp). Not installed, not for other code.
#include "engine/workerpool.h"

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

/// One job in the hands of this process: shared by its worker, the dispatcher and the heartbeat.
struct HeldJob
{
    QString workerId;
    QString filename;
    QDateTime since;
    std::atomic<bool> lost{false};
    std::atomic<bool> finishing{false}; ///< its outcome is being written: no more renewals
    /// Someone changed the job (a pause or cancel request, most likely): write the progress
    /// held back at the next chunk boundary, whose answer says what was asked.
    std::atomic<bool> changedElsewhere{false};
    /// A pause or cancel was asked: the handler's stop token fires, mid-chunk.
    std::atomic<bool> stopAsked{false};
};

class LazyQueue;

/// Where the dispatcher hands claimed jobs to one worker.
struct WorkerSlot
{
    QList<Job> assigned;  ///< claimed for this worker (locked in its name), not yet started
    bool busy = false;    ///< running a job, until it has handed the job back
    bool present = false; ///< a runnable is looping for this index
    int reserved = 0;     ///< claims for this worker in a statement on its way
    QElapsedTimer busySince;
    QWaitCondition wake;
};

/// A job a worker gives back to the queue through a dispatcher (it could not write, or it stops).
struct Handback
{
    QString jobId;
    QString workerId;
    QString reason;
};

constexpr int kMaxWorkers = 64;
// At shutdown, after the grace period: how long releasing may take before the database counts as
// not answering and every connection of the pool is cut (connect_timeout is 5 s by default).
constexpr int kReleaseMs = 10000;
// After the grace period: how long handlers have to notice their stop token (an LLM request is
// aborted within 0.1 s, a heuristic chunk stops within a few thousand lines).
constexpr int kStopAfterGraceMs = 5000;
// Automatic prefetch: while jobs take less than a round trip to the database, each worker claims
// this many ahead; jobs that take longer get none (a waiting job could run on another machine).
constexpr int kAutoPrefetch = 16;
constexpr double kShortJobMs = 5;
constexpr double kRoundTripsWorthPrefetch = 4;



// Threads and who talks to the database:
// - dispatcher threads claim jobs for idle workers and write completions, both in one
//   statement per round (JobQueue::completeAndClaim), so the commit is shared by every job that
//   finished meanwhile and every worker that is waiting;
// - N workers on the QThreadPool run handlers; each opens its own connection only when its job
//   writes progress, fails or is released;
// - one heartbeat thread renews the locks of every held job.
// All shared state is guarded by `mutex`.
class WorkerPoolPrivate
{
public:
    explicit WorkerPoolPrivate(WorkerPool *q, WorkerPoolOptions options)
        : q(q)
        , options(std::move(options))
    {
        for (int i = 0; i < kMaxWorkers; ++i)
            workerSlots.push_back(std::make_unique<WorkerSlot>());
    }

    void runWorker(int index);
    bool reconnectWorker(WorkerSlot &slot, int index, LazyQueue &queue, const QString &error);
    void dispatchLoop();
    void heartbeatLoop();
    void wakeAll();
    void wakeForWork();
    void releaseHeldJobs();
    void forget(const QString &jobId, const QString &workerId);
    void handBack(WorkerSlot &slot, const QString &workerId, const QString &jobId,
                  const QString &reason);
    void releaseHandedBack(JobQueue &queue, QList<Handback> &releases);
    QueueOptions queueOptions() const
    {
        QueueOptions queue = QueueOptions::fromEnvironment();
        queue.lockSeconds = options.lockSeconds;
        return queue;
    }
    QString workerId(int index) const { return prefix + QLatin1Char('-') + QString::number(index); }
    /// What the pool's row in "CallboardWorker" says now.
    WorkerRecord record() const
    {
        return WorkerRecord::forThisProcess(prefix, desired, options.lockSeconds,
                                            options.heartbeatSeconds);
    }
    /// Deletes the pool's row once, on connection (opened if mayConnect and there is none).
    void unregister(std::unique_ptr<ScopedConnection> &connection, bool mayConnect);
    /// Under `mutex`.
    int prefetch() const
    {
        if (options.prefetch >= 0)
            return options.prefetch;
        if (recentJobMs < kShortJobMs)
            return kAutoPrefetch;
        // Jobs that take about as long as a few of the dispatcher's round trips (real plays on
        // a database on another host): one waits behind each running job, so the claim's round
        // trip overlaps the parse instead of following it.
        return recentJobMs < kRoundTripsWorthPrefetch * statementMs ? 1 : 0;
    }
    QList<Job> takeOverdueWaitingJobs();

    WorkerPool *q;
    WorkerPoolOptions options;
    QString prefix;
    ConnectionRegistry connections; ///< every connection of the pool, to cut at a stuck shutdown
    std::vector<std::unique_ptr<QThread>> dispatchers;
    std::unique_ptr<QThread> heartbeat;
    PostgresListener *listener = nullptr; ///< lives in listenerThread
    std::unique_ptr<QThread> listenerThread;

    std::atomic<bool> running{false};
    std::atomic<bool> stopping{false};   ///< no more claims
    std::atomic<bool> releasing{false};  ///< the shutdown timeout passed: give jobs back
    std::atomic<bool> abandoned{false};  ///< workers that ignored their stop token were left
    std::atomic<int> desired{0};
    std::atomic<int> alive{0};           ///< runnables scheduled and not yet finished

    mutable QMutex mutex;
    QWaitCondition dispatcherWake;     ///< new completions, an idle worker, a notification
    QWaitCondition heartbeatCondition; ///< only stop() wakes the heartbeat early
    /// Held across a heartbeat's write and the row's deletion, so that a late beat cannot bring
    /// back the row of a pool that has stopped.
    QMutex registryMutex;
    bool unregistered = false;         ///< under registryMutex
    quint64 wakeGeneration = 0;        ///< bumped by every notification
    bool drainFinished = false;        ///< drain mode: nothing claimable and nobody busy
    int statementsInFlight = 0;        ///< dispatcher statements on their way
    QList<Completion> pending;         ///< finished jobs waiting for the dispatcher
    QList<Handback> handbacks;         ///< jobs to give back to the queue, for the dispatcher
    double recentJobMs = 1000;         ///< moving average of handler run times; starts "long"
    double statementMs = 0;            ///< moving average of a dispatcher statement's duration
    std::vector<std::unique_ptr<WorkerSlot>> workerSlots;
    QHash<QString, std::shared_ptr<HeldJob>> held;   ///< jobId → holder
    QHash<QString, QString> currentJobOfWorker;       ///< workerId → jobId
    QSet<int> scheduled;                              ///< worker indices with a runnable
    // Last, so that it is destroyed first: its destructor waits for the runnables, which use
    // everything above.
    QThreadPool threads;
};

/// The connection still answers (a cheap round trip).
bool connectionAlive(QSqlDatabase db);

} // namespace Engine

#include "engine/workerpool.h"

#include "engine/database.h"
#include "engine/joberrors.h"
#include "engine/jobnotifier.h"
#include "engine/logging.h"
#include "engine/migrations.h"
#include "engine/postgreslistener.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHostInfo>
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
    const int poll = qEnvironmentVariable("CALLBOARD_POLL_MS").toInt(&ok);
    if (ok && poll > 0)
        options.pollMs = poll;
    return options;
}

namespace {

/// One job in the hands of this process: shared by its worker and the heartbeat.
struct HeldJob
{
    QString workerId;
    QString filename;
    QDateTime since;
    std::atomic<bool> lost{false};
    std::atomic<bool> finishing{false}; ///< its outcome is being written: no more renewals
};

} // namespace

class WorkerPoolPrivate
{
public:
    explicit WorkerPoolPrivate(WorkerPool *q, WorkerPoolOptions options)
        : q(q)
        , options(std::move(options))
    {}

    void runWorker(int index);
    void heartbeatLoop();
    void wakeAll();
    void releaseHeldJobs();
    QueueOptions queueOptions() const
    {
        QueueOptions queue = QueueOptions::fromEnvironment();
        queue.lockSeconds = options.lockSeconds;
        return queue;
    }
    QString workerId(int index) const { return prefix + QLatin1Char('-') + QString::number(index); }

    WorkerPool *q;
    WorkerPoolOptions options;
    QString prefix;
    QThreadPool threads;
    std::unique_ptr<QThread> heartbeat;
    PostgresListener *listener = nullptr;

    std::atomic<bool> running{false};
    std::atomic<bool> stopping{false};   ///< no more claims
    std::atomic<bool> releasing{false};  ///< the shutdown timeout passed: give jobs back
    std::atomic<int> desired{0};
    std::atomic<int> alive{0};           ///< runnables scheduled and not yet finished

    QMutex wakeMutex;
    QWaitCondition wakeCondition;
    QWaitCondition heartbeatCondition; ///< only stop() wakes the heartbeat early
    quint64 wakeGeneration = 0;

    mutable QMutex heldMutex;
    QHash<QString, std::shared_ptr<HeldJob>> held;   ///< jobId → holder
    QHash<QString, QString> currentJobOfWorker;       ///< workerId → jobId
    QSet<int> scheduled;                              ///< worker indices with a runnable
};

namespace {

class PoolJobContext final : public JobContext
{
public:
    PoolJobContext(const Job &job, JobQueue &queue, std::shared_ptr<HeldJob> held,
                   WorkerPoolPrivate *pool)
        : m_job(job)
        , m_queue(queue)
        , m_held(std::move(held))
        , m_pool(pool)
    {}

    const Job &job() const override { return m_job; }

    bool stopRequested() const override { return m_held->lost || m_pool->releasing; }

    bool reportProgress(const ProgressUpdate &update) override
    {
        if (m_held->lost)
            return false;
        const ProgressResult result = m_queue.updateProgress(m_job.id, m_held->workerId, update);
        if (!result.owned) {
            m_held->lost = true;
            return false;
        }
        if (result.control != ControlRequest::None) {
            m_queue.honourControlRequest(m_job.id, m_held->workerId);
            qCInfo(lcWorker).noquote() << m_held->workerId << "job" << m_job.id
                                       << controlRequestName(result.control) << "at chunk"
                                       << update.completedChunks;
            m_handled = true;
            return false;
        }
        if (m_pool->releasing) {
            m_queue.release(m_job.id, m_held->workerId, QStringLiteral("shutdown"));
            m_handled = true;
            return false;
        }
        return true;
    }

    bool handled() const { return m_handled; }

private:
    const Job &m_job;
    JobQueue &m_queue;
    std::shared_ptr<HeldJob> m_held;
    WorkerPoolPrivate *m_pool;
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

bool connectionAlive(QSqlDatabase db)
{
    QSqlQuery ping(db);
    return db.isOpen() && ping.exec(QStringLiteral("SELECT 1"));
}

} // namespace

void WorkerPoolPrivate::wakeAll()
{
    QMutexLocker lock(&wakeMutex);
    ++wakeGeneration;
    wakeCondition.wakeAll();
}

void WorkerPoolPrivate::runWorker(int index)
{
    const QString id = workerId(index);
    auto finish = qScopeGuard([&] {
        {
            QMutexLocker lock(&heldMutex);
            currentJobOfWorker.remove(id);
            scheduled.remove(index);
        }
        if (--alive == 0 && options.drain && !stopping)
            QMetaObject::invokeMethod(q, &WorkerPool::drained, Qt::QueuedConnection);
        QMetaObject::invokeMethod(q, &WorkerPool::workersChanged, Qt::QueuedConnection);
    });

    std::unique_ptr<ScopedConnection> connection;
    std::unique_ptr<JobQueue> queue;
    int failures = 0;
    std::optional<Job> handedOver; // claimed together with the previous job's completion
    const JobHandler handler = options.handler ? options.handler : JobHandler(parsePlayHandler);

    while (!stopping && index < desired) {
        if (!queue) {
            connection = std::make_unique<ScopedConnection>(options.url, id);
            if (!connection->isOpen()) {
                const QString message = connection->error();
                connection.reset();
                QMetaObject::invokeMethod(q, [this, message] { emit q->connectionProblem(message); },
                                          Qt::QueuedConnection);
                // Reconnect with backoff: 0.5 s, 1 s, 2 s, … up to 10 s.
                const int wait = qMin(10000, 500 << qMin(failures++, 5));
                QMutexLocker lock(&wakeMutex);
                wakeCondition.wait(&wakeMutex, wait);
                continue;
            }
            queue = std::make_unique<JobQueue>(connection->database(), queueOptions());
            failures = 0;
        }

        if (stopping || index >= desired)
            break; // the count shrank while this worker was connecting
        std::optional<Job> job = std::exchange(handedOver, std::nullopt);
        quint64 generation;
        {
            QMutexLocker lock(&wakeMutex);
            generation = wakeGeneration;
        }
        try {
            if (!job)
                job = queue->claimNext(id);
        } catch (const JobError &error) {
            qCWarning(lcWorker).noquote() << id << "claim failed:" << error.message();
            if (!connectionAlive(connection->database())) {
                queue.reset();
                connection.reset();
            }
            QThread::msleep(200);
            continue;
        }

        if (!job) {
            if (options.drain)
                break;
            QMutexLocker lock(&wakeMutex);
            if (generation == wakeGeneration && !stopping)
                wakeCondition.wait(&wakeMutex, options.pollMs);
            continue;
        }

        auto holder = std::make_shared<HeldJob>();
        holder->workerId = id;
        holder->filename = job->filename;
        holder->since = QDateTime::currentDateTimeUtc();
        {
            QMutexLocker lock(&heldMutex);
            held.insert(job->id, holder);
            currentJobOfWorker.insert(id, job->id);
        }
        QMetaObject::invokeMethod(q, &WorkerPool::workersChanged, Qt::QueuedConnection);
        qCDebug(lcWorker).noquote() << id << "claimed job" << job->id << job->filename;

        QElapsedTimer timer;
        timer.start();
        PoolJobContext context(*job, *queue, holder, this);
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
        }

        holder->finishing = true;
        try {
            if (!lostConnection.isEmpty() && !connectionAlive(connection->database())) {
                // The connection died under the job: reconnect first, then record the failure
                // so that the retry policy, not lock expiry, decides what happens to it.
                queue.reset();
                connection.reset();
                for (int attempt = 0; attempt < 50 && !stopping; ++attempt) {
                    connection = std::make_unique<ScopedConnection>(options.url, id);
                    if (connection->isOpen())
                        break;
                    connection.reset();
                    QThread::msleep(qMin(5000, 200 << qMin(attempt, 5)));
                }
                if (connection)
                    queue = std::make_unique<JobQueue>(connection->database(), queueOptions());
            }
            if (queue && !holder->lost) {
                switch (outcome.kind) {
                case JobOutcome::Completed: {
                    bool done;
                    if (!stopping && index < desired) {
                        // One commit completes this job and claims the next.
                        auto [completed, next] = queue->completeAndClaimNext(job->id, id,
                                                                             outcome.playbook);
                        done = completed;
                        handedOver = std::move(next);
                    } else {
                        done = queue->complete(job->id, id, outcome.playbook);
                    }
                    if (done)
                        qCDebug(lcWorker).noquote() << id << "completed job" << job->id << "in"
                                                    << timer.elapsed() << "ms";
                    break;
                }
                case JobOutcome::Failed:
                    qCWarning(lcWorker).noquote() << id << "job" << job->id << "failed:"
                                                  << outcome.error;
                    queue->handleFailure(job->id, id, outcome.error, outcome.permanent);
                    break;
                case JobOutcome::Stopped:
                    if (!context.handled() && releasing)
                        queue->release(job->id, id, QStringLiteral("shutdown"));
                    break;
                }
            } else if (holder->lost) {
                qCWarning(lcWorker).noquote() << id << "abandoned job" << job->id
                                              << "(lock lost)";
            }
        } catch (const JobError &error) {
            qCWarning(lcWorker).noquote() << id << "could not record the outcome of job" << job->id
                                          << ":" << error.message();
            if (connection && !connectionAlive(connection->database())) {
                queue.reset();
                connection.reset();
            }
        }
        {
            QMutexLocker lock(&heldMutex);
            held.remove(job->id);
            currentJobOfWorker.remove(id);
        }
        QMetaObject::invokeMethod(q, &WorkerPool::workersChanged, Qt::QueuedConnection);
    }
    if (handedOver && queue) {
        try {
            queue->release(handedOver->id, id, QStringLiteral("worker stopping"));
        } catch (const JobError &error) {
            qCWarning(lcWorker) << "could not release job" << handedOver->id << error.message();
        }
    }
    queue.reset();
    connection.reset();
}

// One heartbeat for the whole process, on its own connection and thread, so that a long chunk
// (an LLM call) never delays the renewal of any lock.
void WorkerPoolPrivate::heartbeatLoop()
{
    std::unique_ptr<ScopedConnection> connection;
    std::unique_ptr<JobQueue> queue;
    const int intervalMs = qMax(50, int(options.heartbeatSeconds * 1000));
    while (running && !(stopping && alive == 0)) {
        {
            QMutexLocker lock(&wakeMutex);
            heartbeatCondition.wait(&wakeMutex, intervalMs);
        }
        if (!running)
            break;
        if (!queue) {
            connection = std::make_unique<ScopedConnection>(options.url, QStringLiteral("heartbeat"));
            if (!connection->isOpen()) {
                connection.reset();
                continue;
            }
            queue = std::make_unique<JobQueue>(connection->database(), queueOptions());
        }
        QList<std::pair<QString, std::shared_ptr<HeldJob>>> snapshot;
        {
            QMutexLocker lock(&heldMutex);
            for (auto it = held.cbegin(); it != held.cend(); ++it)
                snapshot << std::make_pair(it.key(), it.value());
        }
        try {
            for (const auto &[jobId, holder] : snapshot) {
                if (holder->lost || holder->finishing)
                    continue;
                if (!queue->renewLock(jobId, holder->workerId)) {
                    QMutexLocker lock(&heldMutex);
                    if (held.value(jobId) != holder || holder->finishing)
                        continue; // finished between the snapshot and the renewal
                    // Someone else owns it now: the worker stops at once, without writing.
                    holder->lost = true;
                    qCWarning(lcWorker).noquote() << holder->workerId << "lost the lock of job"
                                                  << jobId << "- abandoning it";
                }
            }
            queue->applyOrphanedControlRequests();
        } catch (const JobError &error) {
            qCWarning(lcWorker) << "heartbeat failed:" << error.message();
            if (!connectionAlive(connection->database())) {
                queue.reset();
                connection.reset();
            }
        }
    }
}

void WorkerPoolPrivate::releaseHeldJobs()
{
    QList<std::pair<QString, std::shared_ptr<HeldJob>>> snapshot;
    {
        QMutexLocker lock(&heldMutex);
        for (auto it = held.cbegin(); it != held.cend(); ++it)
            snapshot << std::make_pair(it.key(), it.value());
    }
    if (snapshot.isEmpty())
        return;
    ScopedConnection connection(options.url, QStringLiteral("shutdown"));
    if (!connection.isOpen())
        return;
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
}

bool WorkerPool::start(QString *error)
{
    if (d->running)
        return true;
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
    }
    if (d->options.url.isPostgres()) {
        d->listener = new PostgresListener(d->options.url, this);
        QString listenError;
        if (!d->listener->start(&listenError))
            qCWarning(lcNotify) << "no LISTEN, polling only:" << listenError;
    }
    connect(JobNotifier::instance(), &JobNotifier::jobsChanged, this, [this] { d->wakeAll(); });
    d->running = true;
    d->stopping = false;
    d->releasing = false;
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
            QMutexLocker lock(&d->heldMutex);
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
    if (!d->threads.waitForDone(graceMs)) {
        qCInfo(lcWorker) << "shutdown timeout: releasing running jobs";
        d->releasing = true;
        d->releaseHeldJobs();
        d->threads.waitForDone(5000);
    }
    d->running = false;
    d->wakeAll();
    {
        QMutexLocker lock(&d->wakeMutex);
        d->heartbeatCondition.wakeAll();
    }
    if (d->heartbeat) {
        d->heartbeat->wait(5000);
        d->heartbeat.reset();
    }
    delete d->listener;
    d->listener = nullptr;
    disconnect(JobNotifier::instance(), nullptr, this, nullptr);
    emit stopped();
}

bool WorkerPool::isRunning() const
{
    return d->running;
}

QList<WorkerInfo> WorkerPool::workers() const
{
    QList<WorkerInfo> result;
    QMutexLocker lock(&d->heldMutex);
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

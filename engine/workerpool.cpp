#include "engine/workerpool.h"
#include "engine/workerpoolprivate.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QHostInfo>
#include <QMutex>
#include <QRunnable>
#include <QSqlQuery>
#include <QThread>
#include <QWaitCondition>

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

namespace {

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

Expected<void> WorkerPool::start()
{
    if (d->running)
        return {};
    if (!d->options.handler)
        return Error(Error::Kind::InvalidInput, QStringLiteral("WorkerPool: no job handler was given"));
    d->connections.reset();
    d->running = true;
    d->stopping = false;
    d->releasing = false;
    d->drainFinished = false;
    // Two dispatchers on PostgreSQL: while one statement runs on the server, the other one's
    // results are handed out and its next batch gathered, which keeps both cores busy (one
    // dispatcher left a third of the machine idle). SQLite has one writer: one dispatcher.
    // They start now and connect while this thread checks the schema: through a distant server
    // each connection costs several round trips, and one after another they were most of a
    // pool's start (1.6 s at a 50 ms round trip). They claim nothing before the check is done:
    // only for workers, which start after it.
    const int dispatchers = d->options.url.isPostgres() ? 2 : 1;
    for (int i = 0; i < dispatchers; ++i) {
        d->dispatchers.push_back(std::unique_ptr<QThread>(QThread::create([this] {
            d->dispatchLoop();
        })));
        d->dispatchers.back()->start();
    }
    auto abandonStart = [this](const Error &error) -> Expected<void> {
        d->running = false;
        d->wakeAll();
        for (const auto &dispatcher : d->dispatchers)
            dispatcher->wait();
        d->dispatchers.clear();
        return error;
    };
    {
        // Fail early and clearly when the database is not usable, and migrate it once here
        // rather than racing N workers at it.
        ScopedConnection connection(d->options.url, QStringLiteral("pool-start"));
        if (!connection.isOpen())
            return abandonStart(connection.lastError());
        if (auto migrated = Migrations::migrate(connection.database()); !migrated)
            return abandonStart(migrated.error());
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
    if (d->options.url.isPostgres() && d->options.listen) {
        // The listener gets a thread of its own, so a notification wakes the dispatchers at once
        // instead of waiting for this thread's event loop (the window's, which may be busy).
        d->listenerThread = std::make_unique<QThread>();
        d->listenerThread->setObjectName(QStringLiteral("callboard-listener"));
        d->listenerThread->start();
        d->listener = new PostgresListener(d->options.url, &d->connections);
        d->listener->moveToThread(d->listenerThread.get());
        // Not waited for (its connection is another few round trips): the dispatchers claim
        // meanwhile, and once LISTEN holds they claim again, for what was enqueued in between.
        QMetaObject::invokeMethod(
            d->listener,
            [this] {
                const auto started = d->listener->start();
                if (started.ok())
                    d->wakeForWork();
                else if (!d->stopping) // a pool stopped at once (a drain of nothing) cuts it
                    qCWarning(lcNotify) << "no LISTEN, polling only:" << started.error().message;
            },
            Qt::QueuedConnection);
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
    d->heartbeat.reset(QThread::create([this] { d->heartbeatLoop(); }));
    d->heartbeat->start();
    setWorkerCount(d->options.workers);
    return {};
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

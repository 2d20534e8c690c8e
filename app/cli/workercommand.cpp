// worker and parse: the commands that run jobs in this process.
#include "app/cli/clierror.h"
#include "app/cli/clisession.h"
#include "app/cli/commandcontext.h"
#include "app/cli/commands.h"
#include "app/cli/logoutput.h"
#include "app/metricsserver/metricsserver.h"
#include "engine/joberrors.h"
#include "engine/sqlitefile.h"
#include "engine/shutdownsignals.h"
#include "engine/parsejobhandler.h"
#include "engine/workerpool.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QSysInfo>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace Cli {

namespace {

// After the first SIGTERM/SIGINT the pool stops gracefully, which blocks the event loop that
// would deliver a second one; restoring the default action lets a second signal end the
// process at once, as an impatient operator expects.
void restoreDefaultSignals()
{
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGINT, SIG_DFL);
}

Engine::WorkerPoolOptions poolOptions(const CommandContext &context)
{
    Engine::WorkerPoolOptions options = Engine::WorkerPoolOptions::fromEnvironment(context.url());
    options.handler = Engine::parsePlayHandler;
    if (const auto workers = context.intOption(QStringLiteral("workers"), 1, 64))
        options.workers = *workers;
    if (options.workers < 1)
        throw CliError::usage(QStringLiteral("A worker needs at least one worker thread "
                                             "(WORKER_COUNT is %1)").arg(options.workers));
    return options;
}

} // namespace

int runWorker(CommandContext &context)
{
    Engine::WorkerPoolOptions options = poolOptions(context);
    if (const auto lock = context.secondsOption(QStringLiteral("lock-seconds"), 1,
                                                Engine::QueueOptions::kMaxLockSeconds))
        options.lockSeconds = *lock;
    if (const auto heartbeat = context.secondsOption(QStringLiteral("heartbeat-seconds"), 0.1,
                                                     Engine::QueueOptions::kMaxLockSeconds))
        options.heartbeatSeconds = *heartbeat;
    if (const auto shutdown = context.secondsOption(QStringLiteral("shutdown-seconds"), 0.1, 3600))
        options.shutdownSeconds = *shutdown;
    if (const auto prefetch = context.intOption(QStringLiteral("prefetch"), 0, 1000))
        options.prefetch = *prefetch;
    if (const auto interval = context.intOption(QStringLiteral("progress-interval-ms"), 0, 3600 * 1000))
        options.progressIntervalMs = *interval;
    options.drain = context.isSet(QStringLiteral("drain"));
    if (context.isSet(QStringLiteral("wait")) && !options.drain)
        throw CliError::usage(QStringLiteral("--wait goes with --drain (it waits for what a drain "
                                             "leaves)"));
    if (options.heartbeatSeconds >= options.lockSeconds)
        throw CliError::usage(QStringLiteral("The heartbeat (%1 s) must be shorter than the lock "
                                             "(%2 s), or every lock expires before its renewal")
                                  .arg(options.heartbeatSeconds)
                                  .arg(options.lockSeconds));

    MetricsServerOptions metricsOptions;
    const std::optional<int> metricsPort = context.intOption(QStringLiteral("metrics-port"), 0, 65535);
    if (context.isSet(QStringLiteral("metrics-bind"))
        && !metricsOptions.address.setAddress(context.value(QStringLiteral("metrics-bind"))))
        throw CliError::usage(QStringLiteral("--metrics-bind needs an IP address, not \"%1\"")
                                  .arg(context.value(QStringLiteral("metrics-bind"))));

    // A damaged embedded file is said (and copied aside) before any worker writes to it.
    const Engine::SqliteFile::IntegrityReport integrity =
        Engine::SqliteFile::checkIntegrity(context.url());
    if (!integrity.ok())
        throw CliError(integrity.problem);

    Engine::WorkerPool pool(options);
    if (const auto started = pool.start(); !started)
        throw CliError(started.error().message);
    std::unique_ptr<MetricsServer> metrics;
    if (metricsPort) {
        metricsOptions.url = context.url();
        metricsOptions.port = quint16(*metricsPort);
        metricsOptions.healthProbe = [&pool] { return pool.isRunning(); };
        metrics = std::make_unique<MetricsServer>(metricsOptions);
        QString error;
        if (!metrics->start(&error)) {
            pool.stop();
            throw CliError(error);
        }
    }
    qCInfo(lcCli).noquote() << QStringLiteral("worker %1 started: %2 workers on %3%4")
                                   .arg(pool.workerIdPrefix())
                                   .arg(options.workers)
                                   .arg(context.url().displayString(),
                                        options.drain ? QStringLiteral(" (drain)") : QString());

    // After a drain: say what is left (other workers' running jobs, jobs waiting for their
    // time); with --wait, wait until that is done or claimable, and work it.
    const bool wait = context.isSet(QStringLiteral("wait"));
    bool drainedNow = false;
    bool interrupted = false;
    std::unique_ptr<CliSession> session;
    QTimer waitTimer;
    waitTimer.setSingleShot(true);
    QString lastWaiting;
    QElapsedTimer lastStart;
    auto afterDrain = [&] {
        if (!session) {
            session = std::make_unique<CliSession>(context.url());
            session->open(false);
        }
        Engine::JobQueue &queue = session->queue();
        const Engine::LeftoverWork left = queue.leftoverWork();
        const bool nothingToWaitFor = left.runningCount == 0 && left.waitingCount == 0;
        if (!wait || (nothingToWaitFor && !left.claimableNow)) {
            qCInfo(lcCli).noquote() << QStringLiteral("queue drained; left: %1").arg(left.summary());
            QCoreApplication::quit();
            return;
        }
        if (left.claimableNow) {
            // A job the pool could not take after all (its claim found nothing) must not turn
            // this into a busy loop of pool starts.
            if (lastStart.isValid() && lastStart.elapsed() < 1000) {
                waitTimer.start(int(1000 - lastStart.elapsed()));
                return;
            }
            lastStart.start();
            drainedNow = false;
            if (const auto started = pool.start(); !started) {
                qCWarning(lcCli).noquote() << started.error().message;
                QCoreApplication::exit(1);
            }
            return;
        }
        // Said again only when what it waits for changes, not as the times count down.
        QStringList waitingFor;
        for (const auto &list : {left.running, left.waiting}) {
            for (const Engine::LeftoverJob &job : list)
                waitingFor << job.id + job.workerId;
        }
        waitingFor << QString::number(left.runningCount) << QString::number(left.waitingCount);
        const QString key = waitingFor.join(QLatin1Char(','));
        if (key != lastWaiting)
            qCInfo(lcCli).noquote() << QStringLiteral("drained; waiting for: %1").arg(left.summary());
        lastWaiting = key;
        // Look again when the first of them is due, and at least every second (a running job
        // may finish, a new one may arrive).
        qint64 ms = 1000;
        for (const auto &list : {left.running, left.waiting}) {
            if (!list.isEmpty())
                ms = qMin(ms, left.databaseNow.msecsTo(list.constFirst().until) + 20);
        }
        waitTimer.start(int(qBound(qint64(20), ms, qint64(1000))));
    };
    // A database that does not answer: without --wait the worker says so and fails; with it,
    // it tries again every second on a fresh connection, as its workers would.
    auto checkAfterDrain = [&] {
        QString problem;
        try {
            afterDrain();
            return;
        } catch (const Engine::JobError &error) {
            problem = error.message();
        } catch (const CliError &error) {
            problem = error.message();
        }
        qCWarning(lcCli).noquote() << QStringLiteral("after the drain: %1").arg(problem);
        if (!wait) {
            QCoreApplication::exit(1);
            return;
        }
        session.reset();
        waitTimer.start(1000);
    };
    QObject::connect(&waitTimer, &QTimer::timeout, &pool, checkAfterDrain);
    QObject::connect(&pool, &Engine::WorkerPool::drained, &pool, [&] {
        drainedNow = true;
        pool.stop();
    });
    QObject::connect(&pool, &Engine::WorkerPool::stopped, qApp, [&] {
        if (!drainedNow || interrupted)
            QCoreApplication::quit();
        else
            checkAfterDrain();
    }, Qt::QueuedConnection);
    QObject::connect(&pool, &Engine::WorkerPool::connectionProblem, &pool,
                     [](const QString &message) { qCWarning(lcCli).noquote() << message; });
    Engine::installShutdownSignals(&pool, [&](int) {
        restoreDefaultSignals();
        interrupted = true;
        waitTimer.stop();
        if (pool.isRunning()) {
            qCInfo(lcCli) << "shutdown requested: finishing running jobs";
            pool.stop();
        } else {
            QCoreApplication::quit();
        }
    });
    const int code = QCoreApplication::exec();
    qCInfo(lcCli) << "worker stopped";
    if (pool.abandonedWorkers()) {
        // A handler that never returns would keep the process alive forever: exit without it.
        std::fflush(stdout);
        std::fflush(stderr);
        std::_Exit(code);
    }
    return code;
}

namespace {

/// The handler's view of the one job `parse` runs itself: progress, pause and cancel requests
/// and the lock, as a pool's worker would handle them; an interruption stops at the next chunk.
class OwnJobContext final : public Engine::JobContext
{
public:
    OwnJobContext(Engine::JobQueue &queue, const Engine::Job &job, const QString &workerId,
                  const bool &interrupted)
        : m_queue(queue), m_job(job), m_workerId(workerId), m_interrupted(interrupted)
    {}

    const Engine::Job &job() const override { return m_job; }

    bool reportProgress(const Engine::ProgressUpdate &update) override
    {
        const Engine::ProgressResult result = m_queue.updateProgress(m_job.id, m_workerId, update);
        if (!result.owned)
            return false;
        if (result.control != Engine::ControlRequest::None) {
            m_queue.honourControlRequest(m_job.id, m_workerId);
            return false;
        }
        // No heartbeat thread here: the lock is renewed at every chunk instead.
        return m_queue.renewLock(m_job.id, m_workerId);
    }

    QList<QJsonObject> storedChunkResults() override { return m_queue.chunkResults(m_job.id); }

    bool stopRequested() const override
    {
        // The handler runs on this thread: let a SIGINT reach its notifier between chunks.
        QCoreApplication::processEvents();
        return m_interrupted;
    }

private:
    Engine::JobQueue &m_queue;
    const Engine::Job &m_job;
    QString m_workerId;
    const bool &m_interrupted;
};

} // namespace

int runParse(CommandContext &context)
{
    const QString path = context.arguments().constFirst();
    Engine::EnqueueInput input = enqueueSettings(context);
    if (!context.isSet(QStringLiteral("priority")))
        input.priority = Engine::JobQueue::kMaxPriority; // someone is waiting for this one
    input.filename = QFileInfo(path).fileName();
    input.rawText = readPlayFile(path, context.url());

    CliSession session(context.url());
    session.open();
    Engine::JobQueue &queue = session.queue();
    const QString id = queue.enqueue(input, QStringLiteral("cli"));
    // This process runs its own job only, never the rest of the queue (workers do that); the
    // id names it like a pool's worker so that stats and the timeline show who ran it.
    const QString workerId = QStringLiteral("%1-%2-parse")
                                 .arg(QSysInfo::machineHostName())
                                 .arg(QCoreApplication::applicationPid());
    bool interrupted = false;
    QEventLoop waiting;
    QObject guard;
    Engine::installShutdownSignals(&guard, [&](int) {
        restoreDefaultSignals();
        interrupted = true;
        waiting.quit();
    });
    // A retryable failure sends the job back with a backoff: wait for it here, as a worker would.
    auto waitUntilClaimable = [&]() -> bool {
        const auto job = queue.job(id);
        if (!job || job->status != Engine::JobStatus::Retrying)
            return false;
        const qint64 ms = job->runAfter.isValid()
                              ? queue.databaseNow().msecsTo(job->runAfter)
                              : 0;
        if (ms > 0) {
            QTimer::singleShot(ms, &waiting, &QEventLoop::quit);
            waiting.exec();
        }
        return !interrupted;
    };
    do {
        const std::optional<Engine::Job> job = queue.claim(id, workerId);
        if (!job)
            break;
        OwnJobContext jobContext(queue, *job, workerId, interrupted);
        const Engine::JobOutcome outcome = Engine::parsePlayHandler(jobContext);
        if (outcome.kind == Engine::JobOutcome::Completed)
            queue.complete(id, workerId, outcome.playbook);
        else if (outcome.kind == Engine::JobOutcome::Failed)
            queue.handleFailure(id, workerId, outcome.error, outcome.permanent);
        else if (interrupted)
            queue.release(id, workerId, QStringLiteral("interrupted"));
    } while (!interrupted && waitUntilClaimable());

    const auto job = queue.job(id);
    if (interrupted)
        throw CliError(QStringLiteral("Interrupted: job %1 (%2) is back in the queue")
                           .arg(id, job ? Engine::statusName(job->status) : QString()));
    if (!job)
        throw CliError(QStringLiteral("Job %1 disappeared while it was parsed").arg(id));
    if (job->status != Engine::JobStatus::Completed)
        throw CliError(QStringLiteral("Parsing %1 ended %2 (job %3): %4")
                           .arg(input.filename, Engine::statusName(job->status), id,
                                job->failureReason.isEmpty() ? job->lastError
                                                             : job->failureReason));
    const auto playbook = queue.playbook(id);
    if (!playbook)
        throw CliError(QStringLiteral("Job %1 completed without a playbook").arg(id));
    if (context.json())
        context.printJson(playbook->document);
    else
        printPlaybook(context, playbook->document);
    return 0;
}

} // namespace Cli

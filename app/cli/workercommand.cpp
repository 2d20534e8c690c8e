// worker and parse: the commands that run a WorkerPool in this process.
#include "app/cli/clierror.h"
#include "app/cli/clisession.h"
#include "app/cli/commandcontext.h"
#include "app/cli/commands.h"
#include "app/cli/logoutput.h"
#include "app/metricsserver/metricsserver.h"
#include "engine/jobnotifier.h"
#include "engine/shutdownsignals.h"
#include "engine/workerpool.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QTimer>

#include <csignal>
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

Engine::WorkerPoolOptions poolOptions(const CommandContext &context, int defaultWorkers)
{
    Engine::WorkerPoolOptions options = Engine::WorkerPoolOptions::fromEnvironment(context.url());
    if (defaultWorkers > 0)
        options.workers = defaultWorkers;
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
    Engine::WorkerPoolOptions options = poolOptions(context, 0);
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
    options.drain = context.isSet(QStringLiteral("drain"));
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

    Engine::WorkerPool pool(options);
    QString error;
    if (!pool.start(&error))
        throw CliError(error);
    std::unique_ptr<MetricsServer> metrics;
    if (metricsPort) {
        metricsOptions.url = context.url();
        metricsOptions.port = quint16(*metricsPort);
        metricsOptions.metrics.lockSeconds = options.lockSeconds;
        metricsOptions.healthProbe = [&pool] { return pool.isRunning(); };
        metrics = std::make_unique<MetricsServer>(metricsOptions);
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

    QObject::connect(&pool, &Engine::WorkerPool::drained, &pool, [&pool] {
        qCInfo(lcCli) << "queue drained";
        pool.stop();
    });
    QObject::connect(&pool, &Engine::WorkerPool::stopped, qApp, &QCoreApplication::quit,
                     Qt::QueuedConnection);
    QObject::connect(&pool, &Engine::WorkerPool::connectionProblem, &pool,
                     [](const QString &message) { qCWarning(lcCli).noquote() << message; });
    Engine::installShutdownSignals(&pool, [&pool](int) {
        restoreDefaultSignals();
        qCInfo(lcCli) << "shutdown requested: finishing running jobs";
        pool.stop();
    });
    QCoreApplication::exec();
    qCInfo(lcCli) << "worker stopped";
    return 0;
}

int runParse(CommandContext &context)
{
    const QString path = context.arguments().constFirst();
    Engine::EnqueueInput input = enqueueSettings(context);
    if (!context.isSet(QStringLiteral("priority")))
        input.priority = Engine::JobQueue::kMaxPriority; // someone is waiting for this one
    input.filename = QFileInfo(path).fileName();
    input.rawText = readPlayFile(path);
    Engine::WorkerPoolOptions options = poolOptions(context, 1);

    CliSession session(context.url());
    session.open();
    const QString id = session.queue().enqueue(input, QStringLiteral("cli"));

    Engine::WorkerPool pool(options);
    QString error;
    if (!pool.start(&error))
        throw CliError(error);
    bool interrupted = false;
    // The pool serves the whole queue; this command only waits for its own job, then stops
    // (other jobs in hand are released to the queue, as at any shutdown).
    auto check = [&] {
        if (!pool.isRunning())
            return;
        const auto job = session.queue().job(id);
        if (!job || Engine::isTerminal(job->status) || job->status == Engine::JobStatus::Paused) {
            pool.stop();
            QCoreApplication::quit();
        }
    };
    QTimer poll;
    poll.setInterval(200);
    QObject::connect(&poll, &QTimer::timeout, &pool, check);
    QObject::connect(Engine::JobNotifier::instance(), &Engine::JobNotifier::jobsChanged, &pool,
                     [&](const QStringList &ids) {
                         if (ids.contains(id) || ids.contains(QStringLiteral("*")))
                             check();
                     });
    Engine::installShutdownSignals(&pool, [&](int) {
        restoreDefaultSignals();
        interrupted = true;
        pool.stop();
        QCoreApplication::quit();
    });
    poll.start();
    QCoreApplication::exec();
    poll.stop();
    if (pool.isRunning())
        pool.stop();

    const auto job = session.queue().job(id);
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
    const auto playbook = session.queue().playbook(id);
    if (!playbook)
        throw CliError(QStringLiteral("Job %1 completed without a playbook").arg(id));
    if (context.json())
        context.printJson(playbook->document);
    else
        printPlaybook(context, playbook->document);
    return 0;
}

} // namespace Cli

// stats: queue depth, readiness, throughput, rates, durations, workers and stuck jobs.
#include "app/cli/clierror.h"
#include "app/cli/clisession.h"
#include "app/cli/commandcontext.h"
#include "app/cli/commands.h"
#include "app/cli/tablewriter.h"
#include "engine/queuemetrics.h"

namespace Cli {

namespace {

QString seconds(double value)
{
    const qint64 total = qint64(value + 0.5);
    if (value < 60)
        return QStringLiteral("%1 s").arg(value < 10 ? QString::number(value, 'f', 1)
                                                     : QString::number(total));
    if (total < 3600)
        return QStringLiteral("%1m %2s").arg(total / 60).arg(total % 60);
    if (total < 86400)
        return QStringLiteral("%1h %2m").arg(total / 3600).arg(total % 3600 / 60);
    return QStringLiteral("%1d %2h").arg(total / 86400).arg(total % 86400 / 3600);
}

QString percent(double ratio)
{
    return QString::number(ratio * 100.0, 'f', 1) + QLatin1Char('%');
}

QString durations(const Engine::DurationFigures &figures)
{
    if (figures.count == 0)
        return QStringLiteral("no jobs");
    return QStringLiteral("p50 %1, p95 %2, max %3")
        .arg(seconds(figures.p50Ms / 1000.0), seconds(figures.p95Ms / 1000.0),
             seconds(figures.maxMs / 1000.0));
}

} // namespace

int runStats(CommandContext &context)
{
    Engine::MetricsOptions options;
    if (const auto window = context.durationOption(QStringLiteral("window"), 1,
                                                   CommandContext::kMaxDurationSeconds))
        options.windowSeconds = *window;
    CliSession session(context.url());
    session.open();
    const Engine::QueueSnapshot snap = Engine::QueueMetrics(session.database()).snapshot(options);
    if (context.json()) {
        context.printJson(snap.toJson());
        return 0;
    }

    QTextStream &out = context.out();
    TableWriter table({QStringLiteral("STATUS"), QStringLiteral("JOBS")});
    table.setRightAligned(1);
    for (Engine::JobStatus status : Engine::allJobStatuses())
        table.addRow({Engine::statusName(status), QString::number(snap.counts.value(status))});
    table.addRow({QStringLiteral("total"), QString::number(snap.total)});
    table.write(out);
    out << '\n'
        << QStringLiteral("Ready now: %1   waiting for their start time: %2   oldest waiting: %3\n")
               .arg(snap.readyNow)
               .arg(snap.waitingForRunAfter)
               .arg(snap.oldestQueuedAgeSeconds ? seconds(*snap.oldestQueuedAgeSeconds)
                                                : QStringLiteral("none"));
    out << QStringLiteral("Last hour: %1 completed (%2/min), %3 failed (%4/min)\n")
               .arg(snap.completedLastHour)
               .arg(QString::number(snap.completedLastHour / 60.0, 'f', 2))
               .arg(snap.failedLastHour)
               .arg(QString::number(snap.failedLastHour / 60.0, 'f', 2));
    out << QStringLiteral("Window %1: %2 completed, %3 failed, %4 cancelled; failure rate %5, "
                          "retry rate %6 (%7 retries)\n")
               .arg(seconds(double(snap.windowSeconds)))
               .arg(snap.completedInWindow)
               .arg(snap.failedInWindow)
               .arg(snap.cancelledInWindow)
               .arg(percent(snap.failureRate()), percent(snap.retryRate()))
               .arg(snap.retriesInWindow);
    out << QStringLiteral("  wait (created → started): %1\n").arg(durations(snap.wait));
    out << QStringLiteral("  run (started → completed): %1\n").arg(durations(snap.run));

    out << '\n' << QStringLiteral("Workers:");
    if (snap.workers.isEmpty()) {
        out << QStringLiteral(" none\n");
    } else {
        out << '\n';
        TableWriter workers({QStringLiteral("WORKER"), QStringLiteral("HOST"), QStringLiteral("PID"),
                             QStringLiteral("VERSION"), QStringLiteral("STATE"),
                             QStringLiteral("SLOTS"), QStringLiteral("JOBS"),
                             QStringLiteral("STARTED (UTC)"), QStringLiteral("LAST HEARTBEAT")});
        workers.setRightAligned(2);
        workers.setRightAligned(5);
        workers.setRightAligned(6);
        for (const Engine::WorkerRecord &worker : snap.workers)
            workers.addRow({worker.id, worker.host, QString::number(worker.pid), worker.version,
                            Engine::WorkerRecord::stateName(worker.state),
                            QString::number(worker.slotCount), QString::number(worker.jobIds.size()),
                            worker.startedAt.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                            QStringLiteral("%1 ago").arg(seconds(
                                qMax<qint64>(0, worker.lastHeartbeatAt.msecsTo(snap.takenAt))
                                / 1000.0))});
        workers.write(out);
    }
    out << '\n' << QStringLiteral("Stuck jobs:");
    if (snap.stuck.isEmpty()) {
        out << QStringLiteral(" none\n");
    } else {
        out << '\n';
        TableWriter stuck({QStringLiteral("JOB"), QStringLiteral("STATUS"), QStringLiteral("FILE"),
                           QStringLiteral("REASON")});
        for (const Engine::StuckJob &job : snap.stuck)
            stuck.addRow({job.id, Engine::statusName(job.status), job.filename, job.description});
        stuck.write(out);
    }
    return 0;
}

} // namespace Cli

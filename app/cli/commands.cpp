#include "app/cli/commands.h"

namespace Cli {

namespace {

QCommandLineOption option(const char *name, const char *description, const char *valueName = nullptr)
{
    if (valueName)
        return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(description),
                                  QString::fromLatin1(valueName));
    return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(description));
}

QCommandLineOption jsonOption()
{
    return option("json", "Print one JSON document (the schema's column names) instead of a table.");
}

Command control(const char *name, const char *summary)
{
    const QString action = QString::fromLatin1(name);
    return {action, QStringLiteral("JOB..."), QString::fromUtf8(summary), {}, 1, -1, false,
            [action](CommandContext &context) { return runControl(action, context); }};
}

} // namespace

const QList<Command> &commands()
{
    static const QList<Command> list{
        {QStringLiteral("migrate"), {}, QStringLiteral("Apply the schema migrations."), {}, 0, 0,
         false, runMigrate},
        {QStringLiteral("statement"), QStringLiteral("NAME"),
         QStringLiteral("Print one of the queue's SQL statements as the engine runs it on the "
                        "database's dialect (claim, complete-and-claim, progress, insert-event)."),
         {}, 1, 1, false, runStatement},
        {QStringLiteral("enqueue"), QStringLiteral("FILE..."),
         QStringLiteral("Queue play scripts (UTF-8 text) for parsing; prints the new job ids."),
         {option("files-from", "Also queue the files named in LIST, one per line (- for standard "
                               "input), for more files than a command line holds.", "LIST"),
          option("priority", "Priority (-1000 to 1000, higher first; default 0).", "N"),
          option("chunk-size", "Lines per chunk (default 200).", "N"),
          option("provider", "Parser provider: heuristic (default) or openai.", "P"),
          option("max-retries", "Retries before a job fails (0 to 100; default 3).", "N"),
          jsonOption()},
         0, -1, false, runEnqueue},
        {QStringLiteral("worker"), {},
         QStringLiteral("Run a pool of workers until stopped (SIGTERM/SIGINT) or, with --drain, "
                        "until no job is left."),
         {option("workers", "Number of worker threads (default WORKER_COUNT or 2).", "N"),
          option("drain", "Exit once no job is claimable and no worker is busy, saying what is "
                          "left: jobs running under other workers' locks (until when) and jobs "
                          "waiting for a retry or a scheduled start (when they are due)."),
          option("wait", "With --drain: wait until what is left is done or claimable, and work "
                         "it, before exiting."),
          option("lock-seconds", "Lock duration of a claimed job (default 600).", "S"),
          option("heartbeat-seconds", "Lock renewal interval (default 60).", "S"),
          option("shutdown-seconds", "Grace period for running jobs at shutdown (default 30).", "S"),
          option("prefetch", "Jobs each worker claims ahead of the one it runs (0 = none; "
                             "default: automatic, 16 while jobs are short).", "N"),
          option("progress-interval-ms", "Write a running job's progress and checkpoint at "
                                         "most this often (default 1000; 0 = every chunk).", "MS"),
          option("metrics-port", "Serve /metrics (Prometheus) and /healthz on this port.", "N"),
          option("metrics-bind", "Address for --metrics-port (default 127.0.0.1).", "ADDR")},
         0, 0, true, runWorker},
        {QStringLiteral("list"), {}, QStringLiteral("List jobs."),
         {option("status", "Only jobs in these states (comma-separated).", "S"), jsonOption()}, 0, 0,
         false, runList},
        {QStringLiteral("show"), QStringLiteral("JOB"), QStringLiteral("Show one job."),
         {option("events", "Include the job's event timeline."), jsonOption()}, 1, 1, false, runShow},
        control("pause", "Pause jobs (a running job pauses at its next chunk)."),
        control("resume", "Put paused jobs back in the queue."),
        control("cancel", "Cancel jobs (a running job stops at its next chunk)."),
        control("retry", "Queue failed or cancelled jobs again."),
        {QStringLiteral("restart"), QStringLiteral("JOB..."),
         QStringLiteral("Start jobs over from the first chunk (checkpoint, progress, retries "
                        "and errors cleared), optionally with another chunk size or provider. "
                        "A running job: pause or cancel it first."),
         {option("chunk-size", "New lines per chunk.", "N"),
          option("provider", "New parser provider: heuristic or openai.", "P")},
         1, -1, false, runRestart},
        {QStringLiteral("remove"), QStringLiteral("JOB..."),
         QStringLiteral("Delete finished jobs (completed, failed, cancelled) with their events. "
                        "A job in progress is refused: cancel it first."),
         {option("with-playbook", "Delete the jobs' playbooks too (kept by default).")}, 1, -1,
         false, runRemove},
        {QStringLiteral("priority"), QStringLiteral("JOB N"),
         QStringLiteral("Change a job's priority."), {}, 2, 2, false, runPriority},
        {QStringLiteral("playbook"), QStringLiteral("JOB"),
         QStringLiteral("Print the playbook of a completed job: the latest revision (with an "
                        "editor's corrections)."),
         {jsonOption(),
          option("original", "The parser's playbook, without the corrections made since.")},
         1, 1, false, runPlaybook},
        {QStringLiteral("parse"), QStringLiteral("FILE"),
         QStringLiteral("Enqueue one play, process it (and nothing else) here and print its "
                        "playbook."),
         {option("chunk-size", "Lines per chunk (default 200).", "N"),
          option("provider", "Parser provider: heuristic (default) or openai.", "P"),
          option("priority", "Priority (default 1000: ahead of the queue, someone waits).", "N"),
          option("max-retries", "Retries before the job fails (default 3).", "N"), jsonOption()},
         1, 1, false, runParse},
        {QStringLiteral("stats"), {},
         QStringLiteral("Queue metrics: jobs per status, ready and scheduled jobs, throughput, "
                        "failure and retry rates, durations, workers, stuck jobs."),
         {option("window", "Window of the rates and durations (e.g. 15m, 1h, 7d; default 1h).",
                 "DURATION"),
          jsonOption()},
         0, 0, false, runStats},
        {QStringLiteral("prune"), {},
         QStringLiteral("Delete finished jobs (completed, failed, cancelled) older than a cutoff, "
                        "with their events, in short batches."),
         {option("completed-older-than", "Age of the finished jobs to delete (e.g. 30d, 12h).",
                 "AGE"),
          option("dry-run", "Count what would be deleted; change nothing."),
          option("with-playbooks", "Delete the pruned jobs' playbooks too (kept by default)."),
          option("batch-size", "Jobs per transaction (default 1000).", "N"), jsonOption()},
         0, 0, false, runPrune},
        {QStringLiteral("import-legacy"), {},
         QStringLiteral("Copy the web application's old \"ParsingSession\" rows into jobs."),
         {option("dry-run", "Show what would be imported; change nothing."), jsonOption()}, 0, 0,
         false, runImportLegacy},
    };
    return list;
}

} // namespace Cli

#include "engine/parsejobhandler.h"

#include "engine/logging.h"
#include "engine/parse/parserun.h"

#include <QJsonArray>
#include <QThread>

namespace Engine {

// The parse pipeline as a job: resume from the checkpoint when there is one, report every chunk
// (the pool decides when to write), and stop at once when the job is no longer ours to run.
JobOutcome parsePlayHandler(JobContext &context)
{
    const Job &job = context.job();
    ParseError error;
    std::unique_ptr<ParseRun> run;
    if (!job.currentState.isEmpty()) {
        const QList<QJsonObject> stored = ParseRun::stateNeedsChunkResults(job.currentState)
                                              ? context.storedChunkResults()
                                              : QList<QJsonObject>();
        run = ParseRun::resume(job.rawText, job.config, job.currentState, stored, &error);
        if (!run)
            qCWarning(lcWorker) << "job" << job.id << "checkpoint unusable, starting over:"
                                << error.message;
    }
    if (!run)
        run = ParseRun::begin(job.rawText, job.config, &error);
    if (!run)
        return JobOutcome::failed(error.message, error.permanent);
    // Pause, cancel and shutdown reach inside a chunk: an LLM request is aborted.
    run->setStopToken([&context] { return context.stopRequested(); });

    // Said once, in this run's first chunk event: the job's config holds keys nothing reads.
    QStringList unknownKeys = ParseRun::unknownConfigKeys(job.config);

    // A debugging and testing knob: slows each chunk so crashes and pauses can be staged.
    const int chunkDelayMs = qEnvironmentVariableIntValue("CALLBOARD_CHUNK_DELAY_MS");
    // The checkpoint (state and chunk results) is built only when the pool will write it: a
    // play that finishes within the progress interval builds none (it cost a fifth of the
    // parse). One is owed when the chunks since the last were reported without it.
    bool checkpointOwed = false;
    auto withCheckpoint = [&run, &checkpointOwed](ProgressUpdate &update) {
        update.currentState = run->currentState();
        update.chunkResults = run->takeChunkResults();
        checkpointOwed = false;
    };
    // Where the parse stands, without the checkpoint.
    auto position = [&run] {
        ProgressUpdate update;
        update.completedChunks = run->completedChunks();
        update.totalChunks = run->totalChunks();
        update.progress = run->totalChunks() > 0
                              ? 100.0 * run->completedChunks() / run->totalChunks()
                              : 100.0;
        return update;
    };
    auto stop = [&](JobOutcome outcome) {
        if (checkpointOwed) {
            ProgressUpdate update = position();
            withCheckpoint(update);
            if (!context.reportProgress(update))
                return JobOutcome::stopped();
        }
        return outcome;
    };
    while (!run->finished()) {
        if (context.stopRequested())
            return stop(JobOutcome::stopped());
        ChunkReport report;
        if (!run->runNextChunk(&report, &error))
            return stop(error.stopped ? JobOutcome::stopped()
                                      : JobOutcome::failed(error.message, error.permanent));
        if (chunkDelayMs > 0)
            QThread::msleep(chunkDelayMs);
        ProgressUpdate update = position();
        update.chunkDetails = {{QStringLiteral("chunk"), report.index},
                               {QStringLiteral("ms"), report.elapsedMs},
                               {QStringLiteral("speeches"), report.speeches}};
        if (!report.usage.isEmpty())
            update.chunkDetails.insert(QStringLiteral("usage"), report.usage);
        if (!unknownKeys.isEmpty()) {
            update.chunkDetails.insert(QStringLiteral("unknownConfigKeys"),
                                       QJsonArray::fromStringList(unknownKeys));
            qCWarning(lcWorker) << "job" << job.id << "config keys nothing reads:" << unknownKeys;
            unknownKeys.clear();
            update.urgent = true; // said now, not only if the play outlasts the progress interval
        }
        if (context.progressDue(update.urgent))
            withCheckpoint(update);
        else
            checkpointOwed = update.checkpointOmitted = true;
        if (!context.reportProgress(update))
            return JobOutcome::stopped();
    }
    return JobOutcome::completed(run->playbook());
}

} // namespace Engine

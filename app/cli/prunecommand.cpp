// prune: deletes finished jobs older than a cutoff, with their events, in short batches.
#include "app/cli/clierror.h"
#include "app/cli/clisession.h"
#include "app/cli/commandcontext.h"
#include "app/cli/commands.h"
#include "app/cli/logoutput.h"
#include "engine/pruner.h"
#include "engine/queuemetrics.h"

namespace Cli {

int runPrune(CommandContext &context)
{
    if (!context.isSet(QStringLiteral("completed-older-than")))
        throw CliError::usage(QStringLiteral("prune needs --completed-older-than AGE (e.g. 30d)"));
    const auto seconds = context.durationOption(QStringLiteral("completed-older-than"), 0,
                                                CommandContext::kMaxDurationSeconds);
    Engine::PruneOptions options;
    options.olderThanSeconds = *seconds;
    options.dryRun = context.isSet(QStringLiteral("dry-run"));
    options.withPlaybooks = context.isSet(QStringLiteral("with-playbooks"));
    if (const auto batch = context.intOption(QStringLiteral("batch-size"), 1, 100000))
        options.batchSize = *batch;
    if (!context.url().isPostgres())
        options.pauseMs = 5;  // lets other writers of the file in between batches

    CliSession session(context.url());
    session.open();
    const Engine::PruneResult result = Engine::Pruner(session.database()).run(
        options, [](const Engine::PruneResult &sofar) {
            qCInfo(lcCli).noquote() << QStringLiteral("pruned %1 jobs so far").arg(sofar.jobs);
            return true;
        });
    if (context.json()) {
        context.printJson(result.toJson());
        return 0;
    }
    context.out() << QStringLiteral("%1 %2 finished jobs (changed before %3), %4 events, %5 playbooks\n")
                         .arg(result.dryRun ? QStringLiteral("Would delete") : QStringLiteral("Deleted"))
                         .arg(result.jobs)
                         .arg(Engine::isoUtc(result.cutoff))
                         .arg(result.events)
                         .arg(result.playbooks);
    return 0;
}

} // namespace Cli

// restart: start jobs over, optionally with another chunk size or provider.
#include "app/cli/clierror.h"
#include "app/cli/clisession.h"
#include "app/cli/commandcontext.h"
#include "app/cli/commands.h"
#include "engine/joberrors.h"

#include <QJsonObject>

namespace Cli {

int runRestart(CommandContext &context)
{
    QJsonObject changes;
    if (const auto chunkSize = context.intOption(QStringLiteral("chunk-size"), 1, 1000000))
        changes.insert(QStringLiteral("chunkSize"), *chunkSize);
    if (context.isSet(QStringLiteral("provider"))) {
        const QString provider = context.value(QStringLiteral("provider"));
        const QStringList known = Engine::JobQueue::knownProviders();
        if (!known.contains(provider))
            throw CliError::usage(QStringLiteral("Unknown provider '%1' (use %2)")
                                      .arg(provider, known.join(QStringLiteral(" or "))));
        changes.insert(QStringLiteral("provider"), provider);
    }
    CliSession session(context.url());
    session.open();
    Engine::JobQueue &queue = session.queue();
    // Every id is resolved and checked first: a typo or a running job among the arguments must
    // not leave the others started over.
    const QStringList ids = session.resolveJobIds(context.arguments());
    const QDateTime now = queue.databaseNow();
    for (const QString &id : std::as_const(ids)) {
        const std::optional<Engine::Job> job = queue.job(id);
        if (!job)
            throw Engine::JobNotFoundError(id);
        if (job->status == Engine::JobStatus::Running && job->lockExpiry.isValid()
            && job->lockExpiry >= now)
            throw CliError(QStringLiteral("Job %1 is running (worker %2): pause or cancel it "
                                          "first, then restart it; no job was restarted")
                               .arg(id, job->workerId));
    }
    for (const QString &id : std::as_const(ids)) {
        queue.restart(id, QStringLiteral("cli"), changes);
        context.out() << id << " restarted (queued)\n";
    }
    return 0;
}

} // namespace Cli

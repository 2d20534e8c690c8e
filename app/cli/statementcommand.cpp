// statement: prints one of the queue's SQL statements as the engine runs it, so that tools
// (scripts/explain-hot-queries.sh) explain the statement itself rather than a copy of it.
#include "app/cli/clierror.h"
#include "app/cli/commandcontext.h"
#include "app/cli/commands.h"

#include "engine/sql/statements.h"

namespace Cli {

int runStatement(CommandContext &context)
{
    const Engine::Statements &sql = context.url().isPostgres() ? Engine::Statements::postgres()
                                                               : Engine::Statements::sqlite();
    const QHash<QString, QString> statements{
        {QStringLiteral("claim"), sql.claimNext.isEmpty() ? sql.claimNextPick : sql.claimNext},
        {QStringLiteral("complete-and-claim"), sql.completeAndClaim},
        {QStringLiteral("progress"), sql.progress.isEmpty() ? sql.progressRow : sql.progress},
        {QStringLiteral("insert-event"), sql.insertEventValues}};
    const QString name = context.arguments().value(0);
    if (!statements.contains(name))
        throw CliError::usage(QStringLiteral("unknown statement %1 (one of: claim, "
                                             "complete-and-claim, progress, insert-event)")
                                  .arg(name));
    context.out() << statements.value(name).trimmed() << '\n';
    return 0;
}

} // namespace Cli

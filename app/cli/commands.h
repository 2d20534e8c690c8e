#pragma once

#include "engine/databaseurl.h"
#include "engine/job.h"

#include <QByteArray>
#include <QCommandLineOption>
#include <QList>
#include <QString>

#include <functional>

namespace Cli {

class CommandContext;

/// One subcommand: how it is called, its own options, and the function that runs it.
struct Command
{
    QString name;
    QString arguments;   ///< for the usage line, e.g. "FILE..."
    QString summary;
    QList<QCommandLineOption> options;
    int minArguments = 0;
    int maxArguments = 0; ///< -1: any number
    bool service = false; ///< long-running: logs informational messages by default
    std::function<int(CommandContext &)> run;
};

/// Every subcommand, in the order the help lists them.
const QList<Command> &commands();

// The commands, grouped by file (migrate/enqueue, job reads and control, worker/parse,
// playbook, legacy import). Each returns the exit code or throws CliError.
int runMigrate(CommandContext &context);
int runStatement(CommandContext &context);
int runEnqueue(CommandContext &context);
int runWorker(CommandContext &context);
int runParse(CommandContext &context);
int runList(CommandContext &context);
int runShow(CommandContext &context);
int runControl(const QString &action, CommandContext &context);
int runPriority(CommandContext &context);
int runRestart(CommandContext &context);
int runRemove(CommandContext &context);
int runPlaybook(CommandContext &context);
int runStats(CommandContext &context);
int runPrune(CommandContext &context);
int runImportLegacy(CommandContext &context);

// Shared by enqueue and parse.
/// A play file's bytes without a UTF-8 byte order mark; throws CliError if it cannot be read.
QByteArray readPlayFile(const QString &path, const Engine::DatabaseUrl &url);
/// --priority, --max-retries, --chunk-size, --provider as enqueue input (without the text).
Engine::EnqueueInput enqueueSettings(const CommandContext &context);
/// The human form of a playbook: title, characters with speech counts, acts and scenes.
void printPlaybook(CommandContext &context, const QJsonObject &playbook);

} // namespace Cli

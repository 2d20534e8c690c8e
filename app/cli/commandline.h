#pragma once

#include "engine/databaseurl.h"

#include <QStringList>

namespace Cli {

struct Command;

/// The `callboard` command line: global options (--db, --log-format, --verbose, --help,
/// --version), the subcommand and its options.
///
/// Two steps, because the GUI must create its own QApplication: prepare() needs no application
/// object and decides whether a subcommand runs; exec() runs it inside a QCoreApplication.
class CommandLine final
{
public:
    explicit CommandLine(const QStringList &arguments);

    /// Parses and resolves the database URL. Returns -1 to go on, or the exit code when the
    /// work is done (help, version) or failed (the message is already on stderr).
    int prepare();
    /// No subcommand: the caller starts the GUI (or prints the help in a headless build).
    bool wantsGui() const { return m_command == nullptr; }
    /// Runs the subcommand; needs a QCoreApplication.
    int exec();

    const Engine::DatabaseUrl &url() const { return m_url; }
    QString language() const { return m_language; }
    /// --workers for the GUI's pool; -1 when not given.
    int guiWorkers() const { return m_guiWorkers; }

    static QString helpText();
    static QString commandHelp(const Command &command);
    /// Prints one error line on stderr and returns the exit code to use.
    static int fail(const QString &message, int exitCode);

private:
    QStringList m_arguments;
    const Command *m_command = nullptr;
    Engine::DatabaseUrl m_url;
    QString m_language;
    int m_guiWorkers = -1;
    bool m_verbose = false;
    int m_logFormat = 0;
};

} // namespace Cli

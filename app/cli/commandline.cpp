#include "app/cli/commandline.h"

#include "app/cli/clierror.h"
#include "app/cli/commandcontext.h"
#include "app/cli/commands.h"
#include "app/cli/logoutput.h"
#include "app/cli/terminaltext.h"
#include "engine/joberrors.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <cstdio>

namespace Cli {

namespace {

QList<QCommandLineOption> globalOptions()
{
    return {
        QCommandLineOption(QStringLiteral("db"),
                           QStringLiteral("Database URL: sqlite:PATH or "
                                          "postgres://user@host:port/db (default: "
                                          "CALLBOARD_DB, else the embedded SQLite file). Other "
                                          "users can read it: no password here."),
                           QStringLiteral("URL")),
        QCommandLineOption(QStringLiteral("log-format"),
                           QStringLiteral("Log lines on stderr as text (default) or json."),
                           QStringLiteral("FORMAT"), QStringLiteral("text")),
        QCommandLineOption({QStringLiteral("v"), QStringLiteral("verbose")},
                           QStringLiteral("Log debug messages.")),
        QCommandLineOption({QStringLiteral("h"), QStringLiteral("help")},
                           QStringLiteral("Show help (for a command: callboard COMMAND --help).")),
        QCommandLineOption(QStringLiteral("version"), QStringLiteral("Show the version.")),
    };
}

QList<QCommandLineOption> guiOptions()
{
    return {QCommandLineOption(QStringLiteral("lang"),
                               QStringLiteral("User interface language (de, fr, en)."),
                               QStringLiteral("LANG")),
            QCommandLineOption(QStringLiteral("workers"),
                               QStringLiteral("Worker threads of the window's pool."),
                               QStringLiteral("N"))};
}

QString optionLines(const QList<QCommandLineOption> &options)
{
    QString text;
    for (const QCommandLineOption &option : options) {
        QStringList names;
        for (const QString &name : option.names())
            names << (name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name;
        QString left = names.join(QStringLiteral(", "));
        if (!option.valueName().isEmpty())
            left += QLatin1Char(' ') + option.valueName();
        text += QStringLiteral("  %1  %2\n").arg(left.leftJustified(24), option.description());
    }
    return text;
}

void printOut(const QString &text)
{
    QTextStream out(stdout);
    out.setEncoding(QStringConverter::Utf8);
    out << text;
}

const Command *findCommand(const QString &name)
{
    for (const Command &command : commands()) {
        if (command.name == name)
            return &command;
    }
    return nullptr;
}

bool isNegativeNumber(const QString &argument)
{
    return argument.size() > 1 && argument.at(0) == QLatin1Char('-') && argument.at(1).isDigit();
}

/// The arguments with every option (and the value of a valued one) first, then "--", then the
/// positional arguments in their order: QCommandLineParser would take the N of
/// `priority JOB -5` for an option, and no option's name starts with a digit.
QStringList separatePositionals(const QStringList &arguments,
                                const QList<QCommandLineOption> &options)
{
    QStringList valued;
    for (const QCommandLineOption &option : options) {
        if (!option.valueName().isEmpty())
            valued << option.names();
    }
    QStringList front{arguments.value(0)};
    QStringList positionals;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == QLatin1String("--")) {
            positionals << arguments.mid(i + 1);
            break;
        }
        if (!argument.startsWith(QLatin1Char('-')) || argument.size() == 1
            || isNegativeNumber(argument)) {
            positionals << argument;
            continue;
        }
        front << argument;
        QString name = argument.mid(argument.startsWith(QLatin1String("--")) ? 2 : 1);
        if (!name.contains(QLatin1Char('=')) && valued.contains(name) && i + 1 < arguments.size())
            front << arguments.at(++i);
    }
    return front << QStringLiteral("--") << positionals;
}

} // namespace

CommandLine::CommandLine(const QStringList &arguments)
    : m_arguments(arguments)
{}

int CommandLine::fail(const QString &message, int exitCode)
{
    QByteArray line = terminalSafe(message.simplified()).toUtf8();
    line.prepend("callboard: ");
    line += '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
    return exitCode;
}

QString CommandLine::helpText()
{
    QString text = QStringLiteral(
        "Usage: callboard [--db URL] [COMMAND] [options]\n\n"
        "Without a command, callboard opens its window.\n\nCommands:\n");
    for (const Command &command : commands()) {
        const QString call = (command.name + QLatin1Char(' ') + command.arguments).trimmed();
        text += QStringLiteral("  %1  %2\n").arg(call.leftJustified(22), command.summary);
    }
    text += QStringLiteral("\nGlobal options:\n") + optionLines(globalOptions())
            + QStringLiteral("\nWindow options:\n") + optionLines(guiOptions())
            + QStringLiteral("\nA password written in --db is visible to every user of this "
                             "machine (ps, /proc/PID/cmdline): give the URL in CALLBOARD_DB, or "
                             "leave the password out and let PostgreSQL read it from PGPASSWORD "
                             "or ~/.pgpass.\n")
            + QStringLiteral("\nExit codes: 0 ok, 1 failure, 2 usage error.\n");
    return text;
}

QString CommandLine::commandHelp(const Command &command)
{
    QString text = QStringLiteral("Usage: callboard [--db URL] %1%2%3\n\n%4\n")
                       .arg(command.name,
                            command.arguments.isEmpty() ? QString()
                                                        : QLatin1Char(' ') + command.arguments,
                            command.options.isEmpty() ? QString() : QStringLiteral(" [options]"),
                            command.summary);
    if (!command.options.isEmpty())
        text += QStringLiteral("\nOptions:\n") + optionLines(command.options);
    text += QStringLiteral("\nGlobal options:\n") + optionLines(globalOptions());
    return text;
}

int CommandLine::prepare()
{
    // The subcommand is the first positional argument; only global options may come before it.
    const QStringList before = separatePositionals(m_arguments, globalOptions() + guiOptions());
    const QString name = before.value(before.indexOf(QStringLiteral("--")) + 1);
    if (!name.isEmpty()) {
        m_command = findCommand(name);
        if (!m_command)
            return fail(QStringLiteral("Unknown command '%1' (see callboard --help)").arg(name),
                        CliError::Usage);
    }
    m_arguments = separatePositionals(m_arguments,
                                      globalOptions() + (m_command ? m_command->options
                                                                   : guiOptions()));

    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOptions(globalOptions());
    parser.addOptions(m_command ? m_command->options : guiOptions());
    if (!parser.parse(m_arguments))
        return fail(parser.errorText() + QStringLiteral(" (see callboard %1--help)")
                                             .arg(m_command ? m_command->name + QLatin1Char(' ')
                                                            : QString()),
                    CliError::Usage);
    if (parser.isSet(QStringLiteral("version"))) {
        printOut(QStringLiteral("callboard %1\n").arg(QStringLiteral(CALLBOARD_VERSION)));
        return 0;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        printOut(m_command ? commandHelp(*m_command) : helpText());
        return 0;
    }

    LogOutput::Format format = LogOutput::Format::Text;
    if (!LogOutput::parseFormat(parser.value(QStringLiteral("log-format")), &format))
        return fail(QStringLiteral("--log-format must be text or json, not '%1'")
                        .arg(parser.value(QStringLiteral("log-format"))),
                    CliError::Usage);
    m_logFormat = int(format);
    m_verbose = parser.isSet(QStringLiteral("verbose"));

    if (m_command) {
        const qsizetype count = parser.positionalArguments().size() - 1;
        if (count < m_command->minArguments)
            return fail(QStringLiteral("%1 needs %2 (usage: callboard %1 %2)")
                            .arg(m_command->name, m_command->arguments),
                        CliError::Usage);
        if (m_command->maxArguments >= 0 && count > m_command->maxArguments)
            return fail(QStringLiteral("Too many arguments for %1: '%2' (usage: callboard %1 %3)")
                            .arg(m_command->name,
                                 parser.positionalArguments().at(m_command->maxArguments + 1),
                                 m_command->arguments)
                            .trimmed(),
                        CliError::Usage);
    } else {
        m_language = parser.value(QStringLiteral("lang"));
        if (parser.isSet(QStringLiteral("workers"))) {
            try {
                m_guiWorkers = CommandContext::parseInt(parser.value(QStringLiteral("workers")),
                                                        QStringLiteral("--workers"), 0, 64);
            } catch (const CliError &error) {
                return fail(error.message(), error.exitCode());
            }
        }
        // Stray positional arguments mean a mistyped command rather than a wish for the GUI.
    }

    const Engine::Expected<Engine::DatabaseUrl> url
        = parser.isSet(QStringLiteral("db"))
              ? Engine::DatabaseUrl::parse(parser.value(QStringLiteral("db")))
              : Engine::DatabaseUrl::fromEnvironment();
    if (!url)
        return fail(url.error().message, CliError::Failure);
    m_url = *url;
    return -1;
}

int CommandLine::exec()
{
    if (!m_command)
        return 0;
    LogOutput::install(LogOutput::Format(m_logFormat),
                       m_verbose            ? LogOutput::Level::Debug
                       : m_command->service ? LogOutput::Level::Info
                                            : LogOutput::Level::Quiet);
    // Parse again, now with only this command's options, to hand them to the command.
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOptions(globalOptions());
    parser.addOptions(m_command->options);
    parser.parse(m_arguments);
    CommandContext context(parser, parser.positionalArguments().mid(1), m_url, m_verbose);
    try {
        return m_command->run(context);
    } catch (const CliError &error) {
        context.out().flush();
        return fail(error.message(), error.exitCode());
    } catch (const Engine::JobError &error) {
        context.out().flush();
        return fail(error.message(), CliError::Failure);
    }
}

} // namespace Cli

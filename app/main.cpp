#include "app/cli/commandline.h"

#if defined(CALLBOARD_HAVE_GUI)
#include "app/gui/guiapp.h"
#elif defined(CALLBOARD_GUI_EXECUTABLE)
#include "app/launcher/guilauncher.h"
#endif

#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

int main(int argc, char **argv)
{
    // Set before any path lookup: the default SQLite file lives in the app data folder, which
    // the window and the command line must agree on.
    QCoreApplication::setOrganizationName(QStringLiteral("Callboard"));
    QCoreApplication::setApplicationName(QStringLiteral("callboard"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CALLBOARD_VERSION));

    // libpq prints server NOTICEs ("relation … already exists, skipping" from idempotent
    // migrations) straight to stderr, which would break the one-line error promise. An
    // operator's own PGOPTIONS wins.
    if (!qEnvironmentVariableIsSet("PGOPTIONS"))
        qputenv("PGOPTIONS", "-c client_min_messages=warning");

    // With TZ unset, glibc's mktime stats /etc/localtime on every call, and QPSQL turns every
    // timestamp it reads into a local QDateTime through mktime: 15 % of a worker's CPU on small
    // plays. Naming the default zone keeps the same zone without the per-call lookup.
    if (!qEnvironmentVariableIsSet("TZ"))
        qputenv("TZ", ":/etc/localtime");

    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    Cli::CommandLine commandLine(arguments);
    if (const int exitCode = commandLine.prepare(); exitCode >= 0)
        return exitCode;

    if (commandLine.wantsGui()) {
#if defined(CALLBOARD_HAVE_GUI)
        return runGui(argc, argv, commandLine.url(), commandLine.language(),
                      commandLine.guiWorkers());
#elif defined(CALLBOARD_GUI_EXECUTABLE)
        return execGui(argv);
#else
        QTextStream out(stdout);
        out << Cli::CommandLine::helpText();
        return 0;
#endif
    }

    QCoreApplication app(argc, argv);
    return commandLine.exec();
}

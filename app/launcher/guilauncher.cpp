// The window lives in its own executable: loading and relocating Widgets, Gui, Charts, OpenGL
// and the keychain cost every headless command (enqueue, worker, list) more start-up time than
// the command itself took, for libraries it never touches. `callboard` without a command becomes
// the window's process (exec keeps the process id, so whoever started it can still signal it).
#include "app/launcher/guilauncher.h"

#include "app/cli/clierror.h"
#include "app/cli/commandline.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <unistd.h>

int execGui(char **argv)
{
    // /proc/self/exe rather than argv[0]: the binary may have been found through PATH.
    const QString self = QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath();
    const QDir dir = QFileInfo(self).absoluteDir();
    // Beside the binary in the build tree, under libexec once installed.
    const QStringList candidates{dir.filePath(QStringLiteral("callboard-gui")),
                                 QDir::cleanPath(dir.filePath(QStringLiteral(
                                     CALLBOARD_GUI_RELATIVE_PATH)))};
    for (const QString &candidate : candidates) {
        if (!QFileInfo(candidate).isExecutable())
            continue;
        ::execv(QFile::encodeName(candidate).constData(), argv);
        return Cli::CommandLine::fail(QStringLiteral("Cannot start the window (%1): %2")
                                          .arg(candidate, QString::fromLocal8Bit(
                                                              std::strerror(errno))),
                                      Cli::CliError::Failure);
    }
    return Cli::CommandLine::fail(QStringLiteral("Cannot start the window: %1 is not installed")
                                      .arg(candidates.constLast()),
                                  Cli::CliError::Failure);
}

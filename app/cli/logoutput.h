#pragma once

#include <QLoggingCategory>
#include <QString>

Q_DECLARE_LOGGING_CATEGORY(lcCli)

namespace Cli {

/// Where log messages go: stderr, one line each, as text or as JSON objects, filtered by level.
///
/// One-shot commands print exactly one line on error, so by default they show only critical
/// messages; the error itself is reported by the command. The worker is a long-running service
/// and logs informational messages too. --verbose adds debug output everywhere.
class LogOutput final
{
public:
    enum class Format { Text, Json };
    enum class Level { Quiet, Info, Debug };

    static bool parseFormat(const QString &text, Format *format);
    /// Installs the message handler and the category rules; call once, early.
    static void install(Format format, Level level);
};

} // namespace Cli

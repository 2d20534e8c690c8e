#include "app/cli/commandcontext.h"

#include "app/cli/clierror.h"
#include "engine/queuemetrics.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <cstdio>

namespace Cli {

CommandContext::CommandContext(const QCommandLineParser &parser, const QStringList &arguments,
                               const Engine::DatabaseUrl &url, bool verbose)
    : m_parser(parser)
    , m_arguments(arguments)
    , m_url(url)
    , m_verbose(verbose)
    , m_out(stdout)
{
    m_out.setEncoding(QStringConverter::Utf8);
}

int CommandContext::parseInt(const QString &text, const QString &what, int min, int max)
{
    bool ok = false;
    const qlonglong value = text.trimmed().toLongLong(&ok);
    if (!ok)
        throw CliError::usage(QStringLiteral("%1 must be a whole number, not '%2'").arg(what, text));
    if (value < min || value > max)
        throw CliError::usage(QStringLiteral("%1 must be between %2 and %3, not %4")
                                  .arg(what)
                                  .arg(min)
                                  .arg(max)
                                  .arg(value));
    return int(value);
}

std::optional<int> CommandContext::intOption(const QString &option, int min, int max) const
{
    if (!isSet(option))
        return std::nullopt;
    return parseInt(value(option), QStringLiteral("--") + option, min, max);
}

std::optional<double> CommandContext::secondsOption(const QString &option, double min,
                                                   double max) const
{
    if (!isSet(option))
        return std::nullopt;
    bool ok = false;
    const double seconds = value(option).trimmed().toDouble(&ok);
    // The bounds are checked here, before any of it reaches a timestamp: 1e308 seconds used to
    // become a PostgreSQL "timestamp out of range" on every claim.
    if (!ok || !std::isfinite(seconds) || seconds < min || seconds > max)
        throw CliError::usage(QStringLiteral("--%1 must be a number of seconds from %2 to %3, "
                                             "not '%4'")
                                  .arg(option, QString::number(min), QString::number(max),
                                       value(option)));
    return seconds;
}

std::optional<qint64> CommandContext::durationOption(const QString &option, qint64 min,
                                                     qint64 max) const
{
    if (!isSet(option))
        return std::nullopt;
    const auto seconds = Engine::MetricsOptions::parseDuration(value(option));
    if (!seconds || *seconds < min || *seconds > max)
        throw CliError::usage(QStringLiteral("--%1 needs a duration such as 30d, 12h or 15m "
                                             "from %2 s to %3 s, not \"%4\"")
                                  .arg(option)
                                  .arg(min)
                                  .arg(max)
                                  .arg(value(option)));
    return seconds;
}

void CommandContext::printJson(const QJsonValue &value)
{
    QJsonDocument document;
    if (value.isArray())
        document.setArray(value.toArray());
    else
        document.setObject(value.toObject());
    m_out << QString::fromUtf8(document.toJson(QJsonDocument::Indented));
    m_out.flush();
}

} // namespace Cli

#include "app/cli/commandcontext.h"

#include "app/cli/clierror.h"

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

std::optional<double> CommandContext::secondsOption(const QString &option) const
{
    if (!isSet(option))
        return std::nullopt;
    bool ok = false;
    const double seconds = value(option).trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(seconds) || seconds <= 0)
        throw CliError::usage(QStringLiteral("--%1 must be a positive number of seconds, not '%2'")
                                  .arg(option, value(option)));
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

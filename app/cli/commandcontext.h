#pragma once

#include "engine/databaseurl.h"

#include <QCommandLineParser>
#include <QJsonValue>
#include <QStringList>
#include <QTextStream>

#include <optional>

namespace Cli {

/// What a command gets: its parsed options and arguments, the database URL and stdout.
/// The number readers throw CliError::usage for malformed values, so every command rejects
/// "--priority abc" the same way (exit 2).
class CommandContext final
{
public:
    CommandContext(const QCommandLineParser &parser, const QStringList &arguments,
                   const Engine::DatabaseUrl &url, bool verbose);

    const QStringList &arguments() const { return m_arguments; }
    const Engine::DatabaseUrl &url() const { return m_url; }
    bool verbose() const { return m_verbose; }
    bool isSet(const QString &option) const { return m_parser.isSet(option); }
    QString value(const QString &option) const { return m_parser.value(option); }
    bool json() const { return isSet(QStringLiteral("json")); }

    std::optional<int> intOption(const QString &option, int min, int max) const;
    /// A number of seconds (fractions allowed) from min to max.
    std::optional<double> secondsOption(const QString &option, double min, double max) const;
    /// A duration such as 15m, 12h or 30d (MetricsOptions::parseDuration), in seconds, from min
    /// to max.
    std::optional<qint64> durationOption(const QString &option, qint64 min, qint64 max) const;
    /// The longest duration any option takes: a century, far inside every timestamp range.
    static constexpr qint64 kMaxDurationSeconds = 100LL * 366 * 86400;
    /// A whole number given as a positional argument (e.g. the N of `priority JOB N`).
    static int parseInt(const QString &text, const QString &what, int min, int max);

    QTextStream &out() { return m_out; }
    /// One JSON document on stdout, for scripts.
    void printJson(const QJsonValue &value);

private:
    const QCommandLineParser &m_parser;
    QStringList m_arguments;
    Engine::DatabaseUrl m_url;
    bool m_verbose;
    QTextStream m_out;
};

} // namespace Cli

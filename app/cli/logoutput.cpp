#include "app/cli/logoutput.h"

#include "app/cli/terminaltext.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <cstdio>

Q_LOGGING_CATEGORY(lcCli, "callboard.cli", QtInfoMsg)

namespace Cli {

namespace {

LogOutput::Format g_format = LogOutput::Format::Text;

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg: return "debug";
    case QtInfoMsg: return "info";
    case QtWarningMsg: return "warning";
    case QtCriticalMsg: return "critical";
    case QtFatalMsg: return "fatal";
    }
    return "unknown";
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QString time = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    const QString category = QString::fromUtf8(context.category ? context.category : "default");
    QByteArray line;
    if (g_format == LogOutput::Format::Json) {
        const QJsonObject object{{QStringLiteral("time"), time},
                                 {QStringLiteral("level"), QString::fromLatin1(levelName(type))},
                                 {QStringLiteral("category"), category},
                                 {QStringLiteral("message"), message}};
        line = QJsonDocument(object).toJson(QJsonDocument::Compact);
    } else {
        // One record per line even when a driver message spans several.
        QString flat = message;
        flat.replace(QLatin1Char('\n'), QLatin1Char(' '));
        flat = terminalSafe(flat);
        line = QStringLiteral("%1 %2 %3: %4")
                   .arg(time, QString::fromLatin1(levelName(type)), category, flat)
                   .toUtf8();
    }
    line += '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

} // namespace

bool LogOutput::parseFormat(const QString &text, Format *format)
{
    if (text == QLatin1String("text"))
        *format = Format::Text;
    else if (text == QLatin1String("json"))
        *format = Format::Json;
    else
        return false;
    return true;
}

void LogOutput::install(Format format, Level level)
{
    g_format = format;
    qInstallMessageHandler(handler);
    // QT_LOGGING_RULES in the environment still wins over these: Qt applies it after the rules
    // set here, which lets an operator debug one category without --verbose.
    switch (level) {
    case Level::Quiet:
        QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false\n*.info=false\n"
                                                        "*.warning=false"));
        break;
    case Level::Info:
        QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false\ncallboard.*.info=true"));
        break;
    case Level::Debug:
        QLoggingCategory::setFilterRules(QStringLiteral("callboard.*.debug=true"));
        break;
    }
}

} // namespace Cli

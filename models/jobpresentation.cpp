#include "models/jobpresentation.h"

#include <QCoreApplication>
#include <QHash>

using Engine::JobStatus;

namespace JobPresentation {

QString statusText(JobStatus status)
{
    switch (status) {
    case JobStatus::Queued: return QCoreApplication::translate("JobStatus", "Queued");
    case JobStatus::Running: return QCoreApplication::translate("JobStatus", "Running");
    case JobStatus::Paused: return QCoreApplication::translate("JobStatus", "Paused");
    case JobStatus::Retrying: return QCoreApplication::translate("JobStatus", "Retrying");
    case JobStatus::Completed: return QCoreApplication::translate("JobStatus", "Completed");
    case JobStatus::Failed: return QCoreApplication::translate("JobStatus", "Failed");
    case JobStatus::Cancelled: return QCoreApplication::translate("JobStatus", "Cancelled");
    }
    return {};
}

QIcon icon(const QString &name, const QString &themeName)
{
    static QHash<QString, QIcon> cache;
    const QString key = name + QLatin1Char('|') + themeName;
    auto it = cache.constFind(key);
    if (it != cache.constEnd())
        return *it;
    QIcon fallback;
    for (int size : {16, 32}) {
        const QString file = QStringLiteral(":/icons/png/%1-%2.png").arg(name).arg(size);
        fallback.addFile(file, QSize(size, size));
    }
    if (name == QLatin1String("callboard"))
        fallback.addFile(QStringLiteral(":/icons/png/callboard-128.png"), QSize(128, 128));
    const QIcon result = themeName.isEmpty() ? fallback : QIcon::fromTheme(themeName, fallback);
    cache.insert(key, result);
    return result;
}

QIcon statusIcon(JobStatus status)
{
    // Status icons are always the bundled ones: their colours carry meaning a theme would lose.
    return icon(QStringLiteral("status-") + Engine::statusName(status));
}

QColor statusColor(JobStatus status)
{
    switch (status) {
    case JobStatus::Queued: return QColor(0x60, 0x7d, 0x8b);
    case JobStatus::Running: return QColor(0x1e, 0x88, 0xe5);
    case JobStatus::Paused: return QColor(0xf9, 0xa8, 0x25);
    case JobStatus::Retrying: return QColor(0xef, 0x6c, 0x00);
    case JobStatus::Completed: return QColor(0x2e, 0x7d, 0x32);
    case JobStatus::Failed: return QColor(0xc6, 0x28, 0x28);
    case JobStatus::Cancelled: return QColor(0x9e, 0x9e, 0x9e);
    }
    return {};
}

namespace {

std::optional<JobStatus> eventStatus(const QString &event)
{
    static const QHash<QString, JobStatus> statuses{
        {QStringLiteral("enqueued"), JobStatus::Queued},
        {QStringLiteral("resumed"), JobStatus::Queued},
        {QStringLiteral("released"), JobStatus::Queued},
        {QStringLiteral("retried"), JobStatus::Queued},
        {QStringLiteral("claimed"), JobStatus::Running},
        {QStringLiteral("reclaimed"), JobStatus::Running},
        {QStringLiteral("progress"), JobStatus::Running},
        {QStringLiteral("paused"), JobStatus::Paused},
        {QStringLiteral("pause_requested"), JobStatus::Paused},
        {QStringLiteral("retry_scheduled"), JobStatus::Retrying},
        {QStringLiteral("completed"), JobStatus::Completed},
        {QStringLiteral("failed"), JobStatus::Failed},
        {QStringLiteral("cancelled"), JobStatus::Cancelled},
        {QStringLiteral("cancel_requested"), JobStatus::Cancelled},
    };
    const auto it = statuses.constFind(event);
    if (it == statuses.constEnd())
        return std::nullopt;
    return *it;
}

} // namespace

QString eventText(const QString &event)
{
    static const QHash<QString, const char *> texts{
        {QStringLiteral("enqueued"), QT_TRANSLATE_NOOP("JobEvent", "Enqueued")},
        {QStringLiteral("claimed"), QT_TRANSLATE_NOOP("JobEvent", "Claimed by a worker")},
        {QStringLiteral("reclaimed"), QT_TRANSLATE_NOOP("JobEvent", "Reclaimed after lock expiry")},
        {QStringLiteral("progress"), QT_TRANSLATE_NOOP("JobEvent", "Chunk parsed")},
        {QStringLiteral("completed"), QT_TRANSLATE_NOOP("JobEvent", "Completed")},
        {QStringLiteral("retry_scheduled"), QT_TRANSLATE_NOOP("JobEvent", "Retry scheduled")},
        {QStringLiteral("failed"), QT_TRANSLATE_NOOP("JobEvent", "Failed")},
        {QStringLiteral("released"), QT_TRANSLATE_NOOP("JobEvent", "Released to the queue")},
        {QStringLiteral("paused"), QT_TRANSLATE_NOOP("JobEvent", "Paused")},
        {QStringLiteral("cancelled"), QT_TRANSLATE_NOOP("JobEvent", "Cancelled")},
        {QStringLiteral("resumed"), QT_TRANSLATE_NOOP("JobEvent", "Resumed")},
        {QStringLiteral("retried"), QT_TRANSLATE_NOOP("JobEvent", "Retried by hand")},
        {QStringLiteral("pause_requested"), QT_TRANSLATE_NOOP("JobEvent", "Pause requested")},
        {QStringLiteral("cancel_requested"), QT_TRANSLATE_NOOP("JobEvent", "Cancel requested")},
        {QStringLiteral("priority_changed"), QT_TRANSLATE_NOOP("JobEvent", "Priority changed")},
    };
    const auto it = texts.constFind(event);
    if (it == texts.constEnd())
        return event;
    return QCoreApplication::translate("JobEvent", *it);
}

QColor eventColor(const QString &event)
{
    if (const auto status = eventStatus(event))
        return statusColor(*status);
    return QColor(0x45, 0x5a, 0x64);
}

QIcon eventIcon(const QString &event)
{
    if (event == QLatin1String("priority_changed"))
        return icon(QStringLiteral("priority-set"));
    if (const auto status = eventStatus(event))
        return statusIcon(*status);
    return {};
}

QString durationText(qint64 seconds)
{
    if (seconds < 0)
        return {};
    if (seconds < 60)
        return QCoreApplication::translate("Duration", "%1 s").arg(seconds);
    if (seconds < 3600)
        return QCoreApplication::translate("Duration", "%1 min %2 s")
            .arg(seconds / 60)
            .arg(seconds % 60, 2, 10, QLatin1Char('0'));
    return QCoreApplication::translate("Duration", "%1 h %2 min")
        .arg(seconds / 3600)
        .arg((seconds % 3600) / 60, 2, 10, QLatin1Char('0'));
}

} // namespace JobPresentation

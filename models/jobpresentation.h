#pragma once

#include "engine/jobstatus.h"

#include <QColor>
#include <QIcon>
#include <QString>

/// How jobs, statuses and events look: translated names, icons (theme first, bundled fallback),
/// colours. Shared by the models and the window so a status reads the same everywhere.
namespace JobPresentation {

QString statusText(Engine::JobStatus status);
QIcon statusIcon(Engine::JobStatus status);
QColor statusColor(Engine::JobStatus status);

/// A bundled icon (":/icons/png/<name>-{16,32}.png"), preferring the desktop theme's themeName.
QIcon icon(const QString &name, const QString &themeName = {});

/// Event names of the timeline ("claimed", "pause_requested", …) in words, with a colour and
/// the icon of the status they lead to.
QString eventText(const QString &event);
QColor eventColor(const QString &event);
QIcon eventIcon(const QString &event);

/// "42 s", "3 min 05 s", "2 h 10 min".
QString durationText(qint64 seconds);

} // namespace JobPresentation

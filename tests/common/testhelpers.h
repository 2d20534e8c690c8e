#pragma once

#include <QByteArray>
#include <QSqlDatabase>
#include <QString>

/// Small helpers shared by the end-to-end suites.
namespace TestHelpers {

/// A play from shared/plays (or CALLBOARD_PLAYS_DIR); empty if it cannot be read.
QByteArray playText(const QString &name);
/// The first column of the first row of `sql`, or -1 when the statement fails.
int scalar(QSqlDatabase db, const QString &sql);

/// Moves a worker pool's last heartbeat (and start) seconds into the past, as if it had stopped
/// beating then; false when the statement fails or no such row exists.
bool ageWorker(QSqlDatabase db, const QString &id, int seconds);

} // namespace TestHelpers

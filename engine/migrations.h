#pragma once

#include <QSqlDatabase>
#include <QString>

namespace Engine {

/// Numbered schema migrations, recorded in "_CallboardMigration" and applied idempotently,
/// each in its own transaction.
namespace Migrations {

/// The newest schema version this build knows.
int latestVersion();
/// The version recorded in the database (0 for a new database).
int currentVersion(QSqlDatabase db, QString *error);
/// Applies what is missing, up to targetVersion (0 = the latest). Refuses (false + message) a
/// database newer than this build.
bool migrate(QSqlDatabase db, QString *error, QStringList *applied = nullptr,
             int targetVersion = 0);

} // namespace Migrations
} // namespace Engine

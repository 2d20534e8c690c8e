#pragma once

#include "engine/engineerror.h"

#include <QSqlDatabase>
#include <QString>

namespace Engine {

/// Numbered schema migrations, recorded in "_CallboardMigration" and applied idempotently,
/// each in its own transaction.
namespace Migrations {

/// The newest schema version this build knows.
int latestVersion();
/// The version recorded in the database (0 for a new database).
Expected<int> currentVersion(QSqlDatabase db);
/// Whether the database may become or already is Callboard's: it holds the migrations table,
/// or it is empty (SQLite), or every table it has with one of Callboard's names has the seed's
/// columns (PostgreSQL, which Callboard may share with the web application). Reads only; a
/// Schema error otherwise (Database when it cannot be read).
Expected<void> checkOwnership(QSqlDatabase db);
/// Writes nothing when the schema is already at the target, so a role with only row rights
/// runs on an up-to-date database; names the missing right when a migration is refused.
/// Refuses a database that checkOwnership() rejects.
/// Applies what is missing, up to targetVersion (0 = the latest). Refuses (a Schema error) a
/// database newer than this build, someone else's, or one it may not change; a failed statement
/// is a Database error.
Expected<void> migrate(QSqlDatabase db, QStringList *applied = nullptr, int targetVersion = 0);

} // namespace Migrations
} // namespace Engine

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
/// Whether the database may become or already is Callboard's: it holds the migrations table,
/// or it is empty (SQLite), or every table it has with one of Callboard's names has the seed's
/// columns (PostgreSQL, which Callboard may share with the web application). Reads only; false
/// and a message otherwise.
bool checkOwnership(QSqlDatabase db, QString *error);
/// Writes nothing when the schema is already at the target, so a role with only row rights
/// runs on an up-to-date database; names the missing right when a migration is refused.
/// Refuses a database that checkOwnership() rejects.
/// Applies what is missing, up to targetVersion (0 = the latest). Refuses (false + message) a
/// database newer than this build.
bool migrate(QSqlDatabase db, QString *error, QStringList *applied = nullptr,
             int targetVersion = 0);

} // namespace Migrations
} // namespace Engine

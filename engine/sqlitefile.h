#pragma once

#include "engine/databaseurl.h"

#include <QString>
#include <QStringList>

namespace Engine {

/// Guards the embedded queue file. SQLite's locks are POSIX advisory locks, which belong to the
/// process: closing *any* descriptor of the file drops them all. So nothing in the process but
/// SQLite may open the live files (the database, its -wal, -shm and -journal), and a damaged or
/// split file is detected and said, never worked on silently.
namespace SqliteFile {

/// The files SQLite keeps for this database (absolute paths; those that exist and those that
/// may appear). Empty for PostgreSQL.
QStringList livePaths(const DatabaseUrl &url);

/// Whether path is one of livePaths(url), also through links. Uses stat/realpath only: checking
/// never opens the file.
bool isLivePath(const DatabaseUrl &url, const QString &path);

/// Runs PRAGMA quick_check on its own short-lived connection. On damage returns a clear message
/// and keeps a copy of the damaged files beside them (`queue.db.damaged-20261202-181500`),
/// which copyPath names; the original is left where it is. Empty when the file is sound, new,
/// or the database is PostgreSQL. Call it before the process holds any other connection to the
/// file: the copy opens it.
struct IntegrityReport
{
    QString problem;
    QString copyPath;
    bool ok() const { return problem.isEmpty(); }
};
IntegrityReport checkIntegrity(const DatabaseUrl &url);

/// What became of the files under a process that has them open: another process deleted the
/// WAL this process still writes to (the split that follows a lost lock), or the database file
/// was removed or replaced. Empty when all is well. Linux: reads /proc/self/fd (links only).
QString detectSplit(const DatabaseUrl &url);

/// Whether an SQLite error text means the file itself is damaged or unreadable, not a passing
/// condition such as a busy lock.
bool isDamageError(const QString &errorText);

} // namespace SqliteFile

} // namespace Engine

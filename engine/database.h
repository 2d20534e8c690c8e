#pragma once

#include "engine/databaseurl.h"

#include <QSqlDatabase>
#include <QString>

namespace Engine {

/// Opening connections. A QSqlDatabase belongs to the thread that opened it, so every thread
/// opens its own under a unique name and closes it with a ScopedConnection.
namespace Database {

/// Opens a new named connection; on failure returns an invalid/closed database and sets error
/// to a clear one-line message (no password in it).
QSqlDatabase open(const DatabaseUrl &url, const QString &connectionName, QString *error);
/// A connection name unique to this process.
QString uniqueConnectionName(const QString &prefix);
/// Whether this connection speaks to PostgreSQL.
bool isPostgres(const QSqlDatabase &db);
/// For a worker's connection, which runs the same few prepared statements thousands of times:
/// plan each once. PostgreSQL otherwise re-plans the claim statement on every execution (its
/// planning took longer than running it: 1.1 ms against 0.7 ms), which halved a pool's rate.
/// The worker statements are written for their indexes, so the generic plan is the right one.
/// Not for the window's ad-hoc queries: a generic plan cannot see that "updatedAt >= :since"
/// picks a few recent rows. No-op on SQLite.
void preferGenericPlans(const QSqlDatabase &db);
/// Turns a driver error into a message for a person.
QString describeError(const QSqlError &error, const DatabaseUrl &url);

} // namespace Database

/// Owns one named connection and removes it when it goes out of scope.
class ScopedConnection final
{
public:
    ScopedConnection(const DatabaseUrl &url, const QString &prefix);
    ~ScopedConnection();
    ScopedConnection(const ScopedConnection &) = delete;
    ScopedConnection &operator=(const ScopedConnection &) = delete;

    bool isOpen() const { return m_db.isOpen(); }
    QString error() const { return m_error; }
    QSqlDatabase database() const { return m_db; }
    QString name() const { return m_name; }

private:
    QString m_name;
    QSqlDatabase m_db;
    QString m_error;
};

} // namespace Engine

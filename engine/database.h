#pragma once

#include "engine/databaseurl.h"
#include "engine/engineerror.h"

#include <QHash>
#include <QMutex>
#include <QSqlDatabase>
#include <QString>

namespace Engine {

/// Opening connections. A QSqlDatabase belongs to the thread that opened it, so every thread
/// opens its own under a unique name and closes it with a ScopedConnection.
namespace Database {

/// Opens a new named connection; on failure a clear one-line message (no password in it), of
/// kind Database, or Schema for a SQLite file that is not Callboard's. The connection name stays
/// registered either way: remove it with QSqlDatabase::removeDatabase.
Expected<QSqlDatabase> open(const DatabaseUrl &url, const QString &connectionName);
/// A connection name unique to this process.
QString uniqueConnectionName(const QString &prefix);
/// What a connection of this name calls itself in pg_stat_activity ("callboard window").
QString applicationName(const QString &connectionName);
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

/// The sockets of a group of open PostgreSQL connections (a worker pool's), so that one thread
/// can cut the connections other threads are blocked on. QPSQL has no client-side timeout: a
/// server that stops answering without closing (a network partition, a hung proxy) holds a
/// statement, and the thread waiting for it, forever; TCP keepalives do not help when a proxy
/// keeps the TCP connection itself alive. Cutting the socket makes the waiting statement fail at
/// once with "server closed the connection". No-op for SQLite connections.
class ConnectionRegistry final
{
public:
    /// From the thread that opened `db`. Once interruptAll() has run, the connection is cut at once.
    void add(const QSqlDatabase &db);
    /// Before `db` is closed, so that its socket number cannot be reused by then.
    void remove(const QSqlDatabase &db);
    /// Cuts every registered connection, and every one added until reset().
    void interruptAll();
    bool isInterrupted() const;
    void reset();

private:
    mutable QMutex m_mutex;
    QHash<QString, int> m_sockets; ///< connection name → socket
    bool m_interrupted = false;
};

/// Owns one named connection and removes it when it goes out of scope.
class ScopedConnection final
{
public:
    /// With a registry, the connection can be cut from another thread; after the registry's
    /// interruptAll() none is opened any more (a connect would only wait for connect_timeout).
    ScopedConnection(const DatabaseUrl &url, const QString &prefix,
                     ConnectionRegistry *registry = nullptr);
    ~ScopedConnection();
    ScopedConnection(const ScopedConnection &) = delete;
    ScopedConnection &operator=(const ScopedConnection &) = delete;

    bool isOpen() const { return m_db.isOpen(); }
    QString error() const { return m_error.message; }
    /// Why it did not open, with its kind.
    const Error &lastError() const { return m_error; }
    QSqlDatabase database() const { return m_db; }
    QString name() const { return m_name; }

private:
    QString m_name;
    QSqlDatabase m_db;
    Error m_error;
    ConnectionRegistry *m_registry;
};

} // namespace Engine

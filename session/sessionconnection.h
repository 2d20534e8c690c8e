#pragma once

#include "engine/database.h"
#include "engine/databaseurl.h"

#include <QObject>
#include <QSqlDatabase>
#include <QTimer>

#include <memory>

namespace Engine {
class JobQueue;
class PostgresListener;
}
class ChangeFeed;
class QThread;
class Session;
class WindowReads;

/// The session's side on its own thread: the window's connection ("callboard window" in
/// pg_stat_activity), the queue and the reads over it, the process's one PostgreSQL listener
/// and the change feed. A ping every two seconds measures the round trip, notices a lost
/// connection and reopens it. Everything here is used on the session thread only.
class SessionConnection final : public QObject
{
    Q_OBJECT

public:
    /// registry (thread-safe, owned by the session) can cut the connections from the GUI thread.
    SessionConnection(const Engine::DatabaseUrl &url, Engine::ConnectionRegistry *registry,
                      Session *session);
    ~SessionConnection() override;

    /// Opens, migrates, starts LISTEN and the feed. damaged: an embedded file failed its check.
    bool open(QString *error, bool *damaged);
    bool isOpen() const { return m_open; }
    bool isPostgres() const { return m_url.isPostgres(); }
    const Engine::DatabaseUrl &url() const { return m_url; }

    Engine::JobQueue &queue() { return *m_queue; }
    WindowReads &reads() { return *m_reads; }
    ChangeFeed &feed() { return *m_feed; }

private:
    void ping();
    bool reopen(QString *error);
    void closeConnection();

    Engine::DatabaseUrl m_url;
    Engine::ConnectionRegistry &m_registry;
    Session *m_session;  ///< lives in the GUI thread; reached through queued calls only
    QString m_connectionName;
    QSqlDatabase m_db;
    bool m_open = false;
    bool m_lost = false;
    std::unique_ptr<Engine::JobQueue> m_queue;
    std::unique_ptr<WindowReads> m_reads;
    std::unique_ptr<QThread> m_listenerThread;
    Engine::PostgresListener *m_listener = nullptr;  ///< lives in m_listenerThread
    ChangeFeed *m_feed;
    QTimer m_ping;
};

#pragma once

#include "engine/databaseurl.h"

#include <QObject>
#include <QSqlDatabase>
#include <QSqlDriver>

class QTimer;

namespace Engine {

class ConnectionRegistry;

/// LISTENs on the queue's NOTIFY channel with a connection of its own and republishes what other
/// processes changed through JobNotifier. QPSQL delivers notifications through the connection's
/// socket notifier, so this object must live in a thread with an event loop.
class PostgresListener final : public QObject
{
    Q_OBJECT

public:
    /// With a registry, its owner can cut the listening connection from another thread.
    explicit PostgresListener(const DatabaseUrl &url, ConnectionRegistry *registry = nullptr,
                              QObject *parent = nullptr);
    ~PostgresListener() override;

    /// Opens the connection and subscribes; a Database error when the server is not reachable.
    Expected<void> start();
    bool isListening() const;

signals:
    /// Raw payloads as they arrive ("id:status,id:status" or "*").
    void notified(const QString &payload);
    /// The listening connection broke; it is reopened with backoff.
    void connectionLost(const QString &message);
    void connectionRestored();

private:
    void onNotification(const QString &name, QSqlDriver::NotificationSource source,
                        const QVariant &payload);
    void checkConnection();
    void closeConnection();

    DatabaseUrl m_url;
    ConnectionRegistry *m_registry;
    QString m_connectionName;
    QSqlDatabase m_db;
    bool m_listening = false;
    int m_failures = 0;
    QTimer *m_healthTimer = nullptr;
};

} // namespace Engine

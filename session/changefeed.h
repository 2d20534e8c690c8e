#pragma once

#include "engine/job.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

class SessionConnection;

/// The session's change feed, on the session thread: gathers the ids that JobNotifier reports
/// (this process's changes, and on PostgreSQL what the process's one listener hears), looks for
/// changes no notification reports (SQLite's data_version, rows with a newer updatedAt: claims
/// and progress send no NOTIFY), reconciles the ids now and then (deleted jobs), and once per
/// tick reads the changed rows and hands them on as one batch.
class ChangeFeed final : public QObject
{
    Q_OBJECT

public:
    explicit ChangeFeed(SessionConnection &connection, QObject *parent = nullptr);

    /// Reads every job (the first batch) and starts the timers.
    void start();
    void stop();
    /// Re-read what changed recently at the next tick.
    void requestAll();
    void setPollInterval(int ms);
    void setTickInterval(int ms) { m_tick.setInterval(ms); }

signals:
    void batch(const QStringList &ids, const QList<Engine::Job> &rows, const QStringList &vanished);
    void readFailed(const QString &message);
    void readSucceeded();

private:
    void onJobsChanged(const QStringList &ids);
    void schedule();
    void tick();
    void poll();
    void reconcile();
    /// always: the first batch is sent even when the queue is empty (the window is loaded).
    void deliver(QList<Engine::Job> rows, const QStringList &explicitIds, QStringList vanished,
                 bool always = false);

    SessionConnection &m_connection;
    QHash<QString, QDateTime> m_known;  ///< every delivered job's updatedAt
    QSet<QString> m_pending;
    bool m_pendingAll = false;
    bool m_started = false;
    QDateTime m_lastSync;  ///< database time of the last "changed since" read
    qint64 m_dataVersion = -1;
    int m_pollsSinceReconcile = 0;
    QTimer m_tick;
    QTimer m_poll;
};

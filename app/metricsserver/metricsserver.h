#pragma once

#include "engine/database.h"
#include "engine/databaseurl.h"
#include "engine/queuemetrics.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QSqlDatabase>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>

class QHttpServer;

struct MetricsServerOptions
{
    Engine::DatabaseUrl url;
    QHostAddress address = QHostAddress::LocalHost;  ///< --metrics-bind
    quint16 port = 0;                                 ///< --metrics-port; 0 picks a free one
    int heartbeatMs = 5000;     ///< the server's own database heartbeat
    /// How long a request waits for the database before it is answered 503.
    int answerTimeoutMs = 5000;
    /// Connections that send nothing for this long are closed.
    int idleTimeoutMs = 10000;
    /// At most this many connections at once; a new one closes the one silent the longest.
    int maxConnections = 32;
    int counterLagSeconds = 5;  ///< counters read up to now − lag: commits land late
    /// The completed/failed/cancelled gauges read the whole finished part of the table, so they
    /// are refreshed at most this often (0: on every scrape).
    int finishedCountsSeconds = 60;
    Engine::MetricsOptions metrics;
    /// Extra liveness check for /healthz, e.g. "the worker pool runs" (optional).
    std::function<bool()> healthProbe;
};

/// Serves GET /metrics (Prometheus text format) and GET /healthz (200 while the database
/// connection works and the heartbeat runs, 503 with the reason otherwise).
///
/// Requests are answered in the thread it lives in; the database connection lives in a thread of
/// its own, so that a database that stops answering (a partition) makes /healthz answer 503
/// after answerTimeoutMs instead of blocking that thread, and with it signal handling. A broken
/// connection is reopened on the next health check or heartbeat. Connections are capped and
/// closed when idle, so that clients cannot hold the file descriptors the workers need. The
/// counters and the run-duration histogram count what the database shows finishing after the
/// server started (any worker's jobs), so they only go up.
class MetricsServer final : public QObject
{
    Q_OBJECT

public:
    explicit MetricsServer(MetricsServerOptions options, QObject *parent = nullptr);
    ~MetricsServer() override;

    /// Opens the connection and listens; false with a one-line error if either fails.
    bool start(QString *error);
    quint16 port() const { return m_port; }
    QString address() const { return m_options.address.toString(); }

    /// What /healthz answers: true, or false with the reason.
    bool checkHealth(QString *reason);
    /// What /metrics answers: the exposition text, or empty with the error.
    QString renderMetrics(QString *error);

private:
    /// What the database thread did: ok with text (the metrics), or not ok with the error.
    struct Answer
    {
        bool ok = false;
        QString text;
    };
    struct Call;
    /// Posts `work` to the database thread; none when an earlier call is still running there
    /// (calls do not queue up behind a database that does not answer).
    std::shared_ptr<Call> post(std::function<Answer()> work);
    /// Runs `work` on the database thread and waits for it at most `timeoutMs`.
    Answer call(std::function<Answer()> work, int timeoutMs);
    bool workerHealthy(QString *reason) const;
    void heartbeat();

    // On the database thread only.
    bool connectDatabase(QString *error);
    bool ping(QString *error);
    void closeDatabase();
    Answer render(bool up);

    MetricsServerOptions m_options;
    std::unique_ptr<QHttpServer> m_server;
    QThread m_databaseThread;
    QObject *m_databaseContext; ///< lives in m_databaseThread
    Engine::ConnectionRegistry m_connections;
    std::atomic<bool> m_busy{false}; ///< a call runs on the database thread
    std::shared_ptr<Call> m_inFlight; ///< the last call posted
    QElapsedTimer m_busySince;
    quint16 m_port = 0;
    QTimer m_heartbeat;
    QElapsedTimer m_lastTick;

    // Owned by the database thread.
    QString m_connection;
    QSqlDatabase m_db;
    bool m_broken = true;
    QDateTime m_highWater;
    Engine::FinishedCounters m_counters;
    QHash<Engine::JobStatus, qint64> m_finishedCounts;
    QElapsedTimer m_finishedCountsAge;
};

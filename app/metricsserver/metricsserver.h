#pragma once

#include "engine/databaseurl.h"
#include "engine/queuemetrics.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QSqlDatabase>
#include <QTimer>

#include <functional>
#include <memory>

class QHttpServer;

struct MetricsServerOptions
{
    Engine::DatabaseUrl url;
    QHostAddress address = QHostAddress::LocalHost;  ///< --metrics-bind
    quint16 port = 0;                                 ///< --metrics-port; 0 picks a free one
    int heartbeatMs = 5000;     ///< the server's own database heartbeat
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
/// Owns one database connection in the thread it lives in, which is also where requests are
/// answered; a broken connection is reopened on the next health check or heartbeat. The
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
    bool connectDatabase(QString *error);
    bool ping(QString *error);
    void heartbeat();

    MetricsServerOptions m_options;
    std::unique_ptr<QHttpServer> m_server;
    QString m_connection;
    QSqlDatabase m_db;
    bool m_broken = true;
    quint16 m_port = 0;
    QTimer m_heartbeat;
    QElapsedTimer m_lastTick;
    QDateTime m_highWater;
    Engine::FinishedCounters m_counters;
    QHash<Engine::JobStatus, qint64> m_finishedCounts;
    QElapsedTimer m_finishedCountsAge;
};

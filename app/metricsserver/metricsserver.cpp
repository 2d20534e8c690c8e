#include "app/metricsserver/metricsserver.h"

#include "engine/database.h"
#include "engine/joberrors.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>

Q_LOGGING_CATEGORY(lcMetrics, "callboard.metrics")

namespace {

const QByteArray kTextPlain = QByteArrayLiteral("text/plain; charset=utf-8");
const QByteArray kPrometheus = QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8");

} // namespace

MetricsServer::MetricsServer(MetricsServerOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_server(std::make_unique<QHttpServer>())
    , m_connection(Engine::Database::uniqueConnectionName(QStringLiteral("metrics")))
{
    m_heartbeat.setInterval(qMax(100, m_options.heartbeatMs));
    connect(&m_heartbeat, &QTimer::timeout, this, &MetricsServer::heartbeat);

    m_server->route(QStringLiteral("/metrics"), [this](const QHttpServerRequest &) {
        QString error;
        const QString text = renderMetrics(&error);
        if (text.isEmpty())
            return QHttpServerResponse(kTextPlain, error.toUtf8() + '\n',
                                       QHttpServerResponse::StatusCode::ServiceUnavailable);
        return QHttpServerResponse(kPrometheus, text.toUtf8());
    });
    m_server->route(QStringLiteral("/healthz"), [this](const QHttpServerRequest &) {
        QString reason;
        if (checkHealth(&reason))
            return QHttpServerResponse(kTextPlain, QByteArrayLiteral("ok\n"));
        return QHttpServerResponse(kTextPlain, reason.toUtf8() + '\n',
                                   QHttpServerResponse::StatusCode::ServiceUnavailable);
    });
}

MetricsServer::~MetricsServer()
{
    m_heartbeat.stop();
    m_server.reset();
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connection);
    }
}

bool MetricsServer::start(QString *error)
{
    if (!connectDatabase(error))
        return false;
    m_port = m_server->listen(m_options.address, m_options.port);
    if (m_port == 0) {
        *error = QStringLiteral("Cannot serve metrics on %1:%2 (address in use or not available)")
                     .arg(m_options.address.toString())
                     .arg(m_options.port);
        return false;
    }
    try {
        m_highWater = Engine::QueueMetrics(m_db).databaseNow().addSecs(-m_options.counterLagSeconds);
    } catch (const Engine::JobError &e) {
        *error = e.message();
        return false;
    }
    m_counters.runBuckets.resize(Engine::QueueMetrics::runBuckets().size());
    m_lastTick.start();
    m_heartbeat.start();
    qCInfo(lcMetrics).noquote() << QStringLiteral("serving /metrics and /healthz on http://%1:%2")
                                       .arg(m_options.address.toString())
                                       .arg(m_port);
    return true;
}

bool MetricsServer::connectDatabase(QString *error)
{
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connection);
    }
    m_db = Engine::Database::open(m_options.url, m_connection, error);
    m_broken = !m_db.isOpen();
    return !m_broken;
}

bool MetricsServer::ping(QString *error)
{
    if (m_broken && !connectDatabase(error))
        return false;
    QSqlQuery query(m_db);
    if (query.exec(QStringLiteral("SELECT 1")) && query.next())
        return true;
    // The next check reconnects; this one reports the loss.
    *error = QStringLiteral("database connection lost: %1")
                 .arg(Engine::Database::describeError(query.lastError(), m_options.url));
    m_broken = true;
    return false;
}

void MetricsServer::heartbeat()
{
    m_lastTick.restart();
    QString error;
    if (!ping(&error))
        qCWarning(lcMetrics).noquote() << error;
}

bool MetricsServer::checkHealth(QString *reason)
{
    if (!ping(reason))
        return false;
    const qint64 staleMs = 3LL * m_heartbeat.interval();
    if (!m_heartbeat.isActive() || !m_lastTick.isValid() || m_lastTick.elapsed() > staleMs) {
        *reason = QStringLiteral("heartbeat stopped");
        return false;
    }
    if (m_options.healthProbe && !m_options.healthProbe()) {
        *reason = QStringLiteral("worker pool not running");
        return false;
    }
    return true;
}

QString MetricsServer::renderMetrics(QString *error)
{
    QString reason;
    const bool up = checkHealth(&reason);
    if (m_broken) {
        *error = reason;
        return {};
    }
    try {
        Engine::QueueMetrics metrics(m_db);
        Engine::MetricsOptions options = m_options.metrics;
        options.countFinishedStatuses = false;
        Engine::QueueSnapshot snapshot = metrics.snapshot(options);
        if (!m_finishedCountsAge.isValid()
            || m_finishedCountsAge.elapsed() >= 1000LL * m_options.finishedCountsSeconds) {
            m_finishedCounts = metrics.finishedStatusCounts();
            m_finishedCountsAge.start();
        }
        for (auto it = m_finishedCounts.cbegin(); it != m_finishedCounts.cend(); ++it) {
            snapshot.counts.insert(it.key(), it.value());
            snapshot.total += it.value();
        }
        const QDateTime to = snapshot.takenAt.addSecs(-m_options.counterLagSeconds);
        if (to > m_highWater) {
            m_counters += metrics.countFinished(m_highWater, to);
            m_highWater = to;
        }
        return Engine::QueueMetrics::renderPrometheus(snapshot, m_counters, up);
    } catch (const Engine::JobError &e) {
        m_broken = true;
        *error = e.message();
        return {};
    }
}

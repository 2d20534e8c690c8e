#include "app/metricsserver/metricsserver.h"

#include "engine/joberrors.h"

#include <QDeadlineTimer>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QLoggingCategory>
#include <QSemaphore>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>

Q_LOGGING_CATEGORY(lcMetrics, "callboard.metrics")

namespace {

const QByteArray kTextPlain = QByteArrayLiteral("text/plain; charset=utf-8");
const QByteArray kPrometheus = QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8");

// Clients that connect and never send (a flood of half-open connections) held a file descriptor
// each, for ever, until the worker pool could open no connection. At most maxConnections are kept;
// a newcomer closes the one that has been silent the longest, so that a flood cannot lock out a
// health check, and each one is closed after idleMs without data.
class BoundedTcpServer final : public QTcpServer
{
public:
    BoundedTcpServer(int maxConnections, int idleMs, QObject *parent)
        : QTcpServer(parent)
        , m_maxConnections(qMax(1, maxConnections))
        , m_idleMs(qMax(1, idleMs))
    {}

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        if (m_idle.size() >= m_maxConnections) {
            QTcpSocket *silentLongest = nullptr;
            for (auto it = m_idle.cbegin(); it != m_idle.cend(); ++it) {
                if (!silentLongest || it.value()->remainingTime() < m_idle.value(silentLongest)->remainingTime())
                    silentLongest = it.key();
            }
            forget(silentLongest);
            silentLongest->abort();
        }
        auto *idle = new QTimer(socket);
        idle->setSingleShot(true);
        idle->setInterval(m_idleMs);
        connect(idle, &QTimer::timeout, socket, [this, socket] {
            forget(socket);
            socket->abort();
        });
        connect(socket, &QTcpSocket::readyRead, idle, qOverload<>(&QTimer::start));
        connect(socket, &QTcpSocket::bytesWritten, idle, qOverload<>(&QTimer::start));
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            forget(socket);
            socket->deleteLater();
        });
        idle->start();
        m_idle.insert(socket, idle);
        addPendingConnection(socket);
    }

private:
    void forget(QTcpSocket *socket) { m_idle.remove(socket); }

    int m_maxConnections;
    int m_idleMs;
    QHash<QTcpSocket *, QTimer *> m_idle; ///< open connections and their idle timers
};

} // namespace

struct MetricsServer::Call
{
    QSemaphore done;
    Answer answer;
};

MetricsServer::MetricsServer(MetricsServerOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_server(std::make_unique<QHttpServer>())
    , m_databaseContext(new QObject)
    , m_connection(Engine::Database::uniqueConnectionName(QStringLiteral("metrics")))
{
    m_databaseThread.setObjectName(QStringLiteral("callboard-metrics-db"));
    m_databaseContext->moveToThread(&m_databaseThread);
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
    if (m_databaseThread.isRunning()) {
        // A call may be waiting on a server that does not answer: cut it rather than wait.
        m_connections.interruptAll();
        QMetaObject::invokeMethod(m_databaseContext, [this] { closeDatabase(); },
                                  Qt::BlockingQueuedConnection);
        m_databaseThread.quit();
        m_databaseThread.wait();
    }
    delete m_databaseContext;
}

bool MetricsServer::start(QString *error)
{
    m_databaseThread.start();
    // Connecting may take the whole connect_timeout.
    const int timeoutMs = 1000 * m_options.url.connectTimeoutSeconds + m_options.answerTimeoutMs;
    const Answer connected = call(
        [this] {
            Answer answer;
            if (!connectDatabase(&answer.text))
                return answer;
            try {
                m_highWater = Engine::QueueMetrics(m_db).databaseNow().addSecs(
                    -m_options.counterLagSeconds);
                m_counters.runBuckets.resize(Engine::QueueMetrics::runBuckets().size());
                answer.ok = true;
            } catch (const Engine::JobError &e) {
                answer.text = e.message();
            }
            return answer;
        },
        timeoutMs);
    if (!connected.ok) {
        *error = connected.text;
        return false;
    }
    auto *tcp = new BoundedTcpServer(m_options.maxConnections, m_options.idleTimeoutMs,
                                     m_server.get());
    if (!tcp->listen(m_options.address, m_options.port)) {
        *error = QStringLiteral("Cannot serve metrics on %1:%2 (address in use or not available)")
                     .arg(m_options.address.toString())
                     .arg(m_options.port);
        return false;
    }
    m_server->bind(tcp);
    m_port = tcp->serverPort();
    m_lastTick.start();
    m_heartbeat.start();
    qCInfo(lcMetrics).noquote() << QStringLiteral("serving /metrics and /healthz on http://%1:%2")
                                       .arg(m_options.address.toString())
                                       .arg(m_port);
    return true;
}

std::shared_ptr<MetricsServer::Call> MetricsServer::post(std::function<Answer()> work)
{
    if (m_busy.exchange(true))
        return nullptr;
    m_busySince.start();
    auto pending = std::make_shared<Call>();
    m_inFlight = pending;
    QMetaObject::invokeMethod(m_databaseContext, [this, pending, work = std::move(work)] {
        pending->answer = work();
        m_busy = false;
        pending->done.release();
    });
    return pending;
}

MetricsServer::Answer MetricsServer::call(std::function<Answer()> work, int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    if (m_busy && m_busySince.elapsed() < timeoutMs) {
        // Most likely the heartbeat's ping, a moment's work: wait for it rather than fail.
        if (m_inFlight->done.tryAcquire(1, int(deadline.remainingTime())))
            m_inFlight->done.release();
    }
    const auto pending = post(std::move(work));
    if (pending && pending->done.tryAcquire(1, int(deadline.remainingTime())))
        return pending->answer;
    return {false, QStringLiteral("database not answering for %1 s")
                       .arg(m_busySince.elapsed() / 1000.0, 0, 'f', 1)};
}

bool MetricsServer::connectDatabase(QString *error)
{
    closeDatabase();
    if (m_connections.isInterrupted()) {
        *error = QStringLiteral("shutting down");
        return false;
    }
    const auto opened = Engine::Database::open(m_options.url, m_connection);
    m_broken = !opened;
    if (m_broken) {
        *error = opened.error().message;
        QSqlDatabase::removeDatabase(m_connection);
        return false;
    }
    m_db = *opened;
    m_connections.add(m_db);
    return true;
}

void MetricsServer::closeDatabase()
{
    if (!m_db.isValid())
        return;
    m_connections.remove(m_db);
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connection);
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
    // Not waited for: a warning when it fails is all the heartbeat has to say.
    post([this] {
        Answer answer;
        answer.ok = ping(&answer.text);
        if (!answer.ok)
            qCWarning(lcMetrics).noquote() << answer.text;
        return answer;
    });
}

bool MetricsServer::workerHealthy(QString *reason) const
{
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

bool MetricsServer::checkHealth(QString *reason)
{
    const Answer pinged = call(
        [this] {
            Answer answer;
            answer.ok = ping(&answer.text);
            return answer;
        },
        m_options.answerTimeoutMs);
    if (!pinged.ok) {
        *reason = pinged.text;
        return false;
    }
    return workerHealthy(reason);
}

QString MetricsServer::renderMetrics(QString *error)
{
    QString reason;
    const bool up = workerHealthy(&reason);
    const Answer rendered = call(
        [this, up] {
            Answer answer;
            if (!ping(&answer.text))
                return answer;
            return render(up);
        },
        m_options.answerTimeoutMs);
    if (!rendered.ok) {
        *error = rendered.text;
        return {};
    }
    return rendered.text;
}

MetricsServer::Answer MetricsServer::render(bool up)
{
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
        return {true, Engine::QueueMetrics::renderPrometheus(snapshot, m_counters, up)};
    } catch (const Engine::JobError &e) {
        m_broken = true;
        return {false, e.message()};
    }
}

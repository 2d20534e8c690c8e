#include "delayproxy.h"

#include <QDeadlineTimer>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <deque>
#include <memory>
#include <vector>

namespace {

/// Bytes on their way in one direction, each released when its deadline passes.
struct Lane
{
    struct Packet
    {
        QDeadlineTimer due;
        QByteArray bytes;
    };
    std::deque<Packet> packets;
    bool closeAfter = false; ///< the sender closed: pass the close on after the last packet
};

} // namespace

/// Lives in the proxy's thread: the listening socket and every forwarded connection.
class DelayForwarder final : public QObject
{
public:
    DelayForwarder(const QString &upstreamHost, quint16 upstreamPort, std::atomic<int> &delayMs,
                   DelayProxy::AtomicCounters &counters)
        : m_upstreamHost(upstreamHost)
        , m_upstreamPort(upstreamPort)
        , m_delayMs(delayMs)
        , m_counters(counters)
    {}

    quint16 listen(quint16 port)
    {
        m_server = new QTcpServer(this);
        if (!m_server->listen(QHostAddress::LocalHost, port))
            return 0;
        QObject::connect(m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *client = m_server->nextPendingConnection())
                accept(client);
        });
        return m_server->serverPort();
    }

private:
    struct Pair
    {
        QPointer<QTcpSocket> client;
        QPointer<QTcpSocket> upstream;
        bool upstreamConnected = false;
        bool serverSpokeLast = true; ///< so that the first client bytes start a round trip
        Lane toServer;
        Lane toClient;
        QTimer *timer = nullptr;
    };

    void accept(QTcpSocket *client)
    {
        ++m_counters.connections;
        auto pair = std::make_shared<Pair>();
        pair->client = client;
        client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        auto *upstream = new QTcpSocket(this);
        upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        pair->upstream = upstream;
        pair->timer = new QTimer(this);
        pair->timer->setSingleShot(true);
        pair->timer->setTimerType(Qt::PreciseTimer);
        m_pairs.push_back(pair);
        Pair *raw = pair.get();
        QObject::connect(pair->timer, &QTimer::timeout, this, [this, raw] { deliver(*raw); });
        QObject::connect(client, &QTcpSocket::readyRead, this, [this, raw] { readClient(*raw); });
        QObject::connect(client, &QTcpSocket::disconnected, this, [this, raw] {
            readClient(*raw);
            raw->toServer.closeAfter = true;
            schedule(*raw);
        });
        QObject::connect(upstream, &QTcpSocket::connected, this, [this, raw] {
            raw->upstreamConnected = true;
            deliver(*raw);
        });
        QObject::connect(upstream, &QTcpSocket::readyRead, this, [this, raw] { readServer(*raw); });
        QObject::connect(upstream, &QTcpSocket::disconnected, this, [this, raw] {
            readServer(*raw);
            raw->toClient.closeAfter = true;
            schedule(*raw);
        });
        QObject::connect(upstream, &QTcpSocket::errorOccurred, this, [this, raw] {
            if (!raw->upstreamConnected) {
                raw->toClient.closeAfter = true;
                schedule(*raw);
            }
        });
        upstream->connectToHost(m_upstreamHost, m_upstreamPort);
    }

    void readClient(Pair &pair)
    {
        if (!pair.client || !pair.client->bytesAvailable())
            return;
        const QByteArray bytes = pair.client->readAll();
        m_counters.bytesToServer += bytes.size();
        if (pair.serverSpokeLast) {
            ++m_counters.roundTrips;
            pair.serverSpokeLast = false;
        }
        pair.toServer.packets.push_back({QDeadlineTimer(m_delayMs.load(), Qt::PreciseTimer), bytes});
        schedule(pair);
    }

    void readServer(Pair &pair)
    {
        if (!pair.upstream || !pair.upstream->bytesAvailable())
            return;
        const QByteArray bytes = pair.upstream->readAll();
        m_counters.bytesToClient += bytes.size();
        pair.serverSpokeLast = true;
        pair.toClient.packets.push_back({QDeadlineTimer(m_delayMs.load(), Qt::PreciseTimer), bytes});
        schedule(pair);
    }

    // Arms the pair's timer for the earliest packet still waiting.
    void schedule(Pair &pair)
    {
        qint64 next = -1;
        for (const Lane *lane : {&pair.toServer, &pair.toClient}) {
            if (!lane->packets.empty()) {
                const qint64 remaining = qMax<qint64>(0, lane->packets.front().due.remainingTime());
                next = next < 0 ? remaining : qMin(next, remaining);
            } else if (lane->closeAfter) {
                next = 0;
            }
        }
        if (next >= 0)
            pair.timer->start(int(next));
    }

    void deliver(Pair &pair)
    {
        auto flush = [](Lane &lane, QTcpSocket *to) {
            while (!lane.packets.empty() && lane.packets.front().due.hasExpired()) {
                to->write(lane.packets.front().bytes);
                lane.packets.pop_front();
            }
        };
        if (pair.upstream && pair.upstreamConnected)
            flush(pair.toServer, pair.upstream);
        if (pair.client)
            flush(pair.toClient, pair.client);
        const bool closeNow = (pair.toServer.closeAfter && pair.toServer.packets.empty())
                              || (pair.toClient.closeAfter && pair.toClient.packets.empty());
        if (closeNow) {
            if (pair.client) {
                pair.client->disconnectFromHost();
                pair.client->deleteLater();
            }
            if (pair.upstream) {
                pair.upstream->disconnectFromHost();
                pair.upstream->deleteLater();
            }
            pair.timer->stop();
            return;
        }
        schedule(pair);
    }

    QString m_upstreamHost;
    quint16 m_upstreamPort;
    std::atomic<int> &m_delayMs;
    DelayProxy::AtomicCounters &m_counters;
    QTcpServer *m_server = nullptr;
    std::vector<std::shared_ptr<Pair>> m_pairs;
};

DelayProxy::DelayProxy(const QString &upstreamHost, quint16 upstreamPort, int delayMsEachWay)
    : m_delayMs(delayMsEachWay)
{
    m_forwarder = new DelayForwarder(upstreamHost, upstreamPort, m_delayMs, m_counters);
    m_thread.setObjectName(QStringLiteral("delay-proxy"));
    m_forwarder->moveToThread(&m_thread);
    m_thread.start();
}

DelayProxy::~DelayProxy()
{
    QMetaObject::invokeMethod(m_forwarder, [this] { delete m_forwarder; },
                              Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

bool DelayProxy::start(quint16 listenPort)
{
    QMetaObject::invokeMethod(m_forwarder, [this, listenPort] { m_port = m_forwarder->listen(listenPort); },
                              Qt::BlockingQueuedConnection);
    return m_port != 0;
}

void DelayProxy::setDelayMs(int delayMsEachWay)
{
    m_delayMs = delayMsEachWay;
}

DelayProxy::Counters DelayProxy::counters() const
{
    return Counters{m_counters.roundTrips, m_counters.bytesToServer, m_counters.bytesToClient,
                    m_counters.connections};
}

void DelayProxy::resetCounters()
{
    m_counters.roundTrips = 0;
    m_counters.bytesToServer = 0;
    m_counters.bytesToClient = 0;
    m_counters.connections = 0;
}

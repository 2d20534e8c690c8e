#include "partitionproxy.h"

#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

#include <memory>
#include <vector>

/// Lives in the proxy's thread: the listening socket and every forwarded connection.
class PartitionForwarder final : public QObject
{
public:
    PartitionForwarder(const QString &upstreamHost, quint16 upstreamPort)
        : m_upstreamHost(upstreamHost)
        , m_upstreamPort(upstreamPort)
    {}

    quint16 listen()
    {
        m_server = new QTcpServer(this);
        if (!m_server->listen(QHostAddress::LocalHost, 0))
            return 0;
        QObject::connect(m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *client = m_server->nextPendingConnection())
                accept(client);
        });
        return m_server->serverPort();
    }

    void setPartitioned(bool partitioned)
    {
        m_partitioned = partitioned;
        if (partitioned)
            return;
        for (const auto &pair : m_pairs) {
            if (!pair->upstream && pair->client)
                connectUpstream(*pair);
            pump(*pair);
        }
    }

private:
    struct Pair
    {
        QPointer<QTcpSocket> client;
        QPointer<QTcpSocket> upstream;
        bool upstreamConnected = false;
    };

    void accept(QTcpSocket *client)
    {
        auto pair = std::make_shared<Pair>();
        pair->client = client;
        m_pairs.push_back(pair);
        QObject::connect(client, &QTcpSocket::readyRead, this, [this, pair] { pump(*pair); });
        QObject::connect(client, &QTcpSocket::disconnected, this, [this, pair] { pump(*pair); });
        if (!m_partitioned)
            connectUpstream(*pair);
    }

    void connectUpstream(Pair &pair)
    {
        auto *upstream = new QTcpSocket(this);
        pair.upstream = upstream;
        Pair *raw = &pair;
        QObject::connect(upstream, &QTcpSocket::connected, this, [this, raw] {
            raw->upstreamConnected = true;
            pump(*raw);
        });
        QObject::connect(upstream, &QTcpSocket::readyRead, this, [this, raw] { pump(*raw); });
        QObject::connect(upstream, &QTcpSocket::disconnected, this, [this, raw] { pump(*raw); });
        QObject::connect(upstream, &QTcpSocket::errorOccurred, this, [this, raw] { pump(*raw); });
        upstream->connectToHost(m_upstreamHost, m_upstreamPort);
    }

    // Forwards what both sides sent and passes on a close, unless partitioned.
    void pump(Pair &pair)
    {
        if (m_partitioned || !pair.upstream || !pair.client)
            return;
        if (pair.upstreamConnected) {
            if (pair.client->bytesAvailable())
                pair.upstream->write(pair.client->readAll());
            if (pair.upstream->bytesAvailable())
                pair.client->write(pair.upstream->readAll());
        }
        const bool clientGone = pair.client->state() == QAbstractSocket::UnconnectedState;
        const bool upstreamGone = pair.upstream->state() == QAbstractSocket::UnconnectedState;
        if (clientGone || upstreamGone) {
            pair.client->disconnectFromHost();
            pair.upstream->disconnectFromHost();
            pair.client->deleteLater();
            pair.upstream->deleteLater();
        }
    }

    QString m_upstreamHost;
    quint16 m_upstreamPort;
    QTcpServer *m_server = nullptr;
    bool m_partitioned = false;
    std::vector<std::shared_ptr<Pair>> m_pairs;
};

PartitionProxy::PartitionProxy(const QString &upstreamHost, quint16 upstreamPort)
    : m_forwarder(new PartitionForwarder(upstreamHost, upstreamPort))
{
    m_thread.setObjectName(QStringLiteral("partition-proxy"));
    m_forwarder->moveToThread(&m_thread);
    m_thread.start();
}

PartitionProxy::~PartitionProxy()
{
    QMetaObject::invokeMethod(m_forwarder, [this] { delete m_forwarder; },
                              Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

bool PartitionProxy::start()
{
    QMetaObject::invokeMethod(m_forwarder, [this] { m_port = m_forwarder->listen(); },
                              Qt::BlockingQueuedConnection);
    return m_port != 0;
}

void PartitionProxy::partition()
{
    QMetaObject::invokeMethod(m_forwarder, [this] { m_forwarder->setPartitioned(true); },
                              Qt::BlockingQueuedConnection);
}

void PartitionProxy::heal()
{
    QMetaObject::invokeMethod(m_forwarder, [this] { m_forwarder->setPartitioned(false); },
                              Qt::BlockingQueuedConnection);
}

#pragma once

#include <QHostAddress>
#include <QString>
#include <QThread>

class PartitionForwarder;

/// A TCP proxy for fault tests, in front of a database server, on a thread of its own so that it
/// keeps forwarding while the test blocks (QProcess::waitForFinished).
///
/// partition() makes it behave like a network that drops every packet: nothing is forwarded in
/// either direction, new clients are accepted but never connected through, and nothing is closed
/// (a close would tell both ends what happened; a partition tells them nothing). heal() delivers
/// what waited, as TCP's retransmissions would, and passes on the closes that happened meanwhile.
class PartitionProxy final
{
public:
    PartitionProxy(const QString &upstreamHost, quint16 upstreamPort);
    ~PartitionProxy();
    PartitionProxy(const PartitionProxy &) = delete;
    PartitionProxy &operator=(const PartitionProxy &) = delete;

    /// Listens on 127.0.0.1; false if it cannot.
    bool start();
    quint16 port() const { return m_port; }
    void partition();
    void heal();

private:
    QThread m_thread;
    PartitionForwarder *m_forwarder;
    quint16 m_port = 0;
};

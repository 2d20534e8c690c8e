#pragma once

#include <QString>
#include <QThread>

#include <atomic>

class DelayForwarder;

/// A database on another host, on this one: a TCP proxy in front of a server that holds every
/// byte for a fixed delay in each direction, and counts round trips.
///
/// A round trip starts with client→server bytes that follow server→client bytes on the same
/// connection (or open it): a client that sends three statements without waiting for answers
/// pays one round trip, one that waits for each answer pays three. That count, unlike a time,
/// does not depend on how busy the machine is, so tests can assert a budget in round trips.
///
/// Runs on a thread of its own, so it keeps forwarding while the caller blocks.
class DelayProxy final
{
public:
    struct Counters
    {
        qint64 roundTrips = 0;
        qint64 bytesToServer = 0;
        qint64 bytesToClient = 0;
        qint64 connections = 0;
    };

    DelayProxy(const QString &upstreamHost, quint16 upstreamPort, int delayMsEachWay);
    ~DelayProxy();
    DelayProxy(const DelayProxy &) = delete;
    DelayProxy &operator=(const DelayProxy &) = delete;

    /// Listens on 127.0.0.1 (port 0: any free port); false if it cannot.
    bool start(quint16 listenPort = 0);
    quint16 port() const { return m_port; }
    int delayMs() const { return m_delayMs; }
    void setDelayMs(int delayMsEachWay);

    qint64 roundTrips() const { return m_counters.roundTrips; }
    Counters counters() const;
    void resetCounters();

    /// The counters the forwarder updates (from the proxy's thread).
    struct AtomicCounters
    {
        std::atomic<qint64> roundTrips{0};
        std::atomic<qint64> bytesToServer{0};
        std::atomic<qint64> bytesToClient{0};
        std::atomic<qint64> connections{0};
    };

private:
    QThread m_thread;
    DelayForwarder *m_forwarder;
    quint16 m_port = 0;
    std::atomic<int> m_delayMs;
    AtomicCounters m_counters;
};

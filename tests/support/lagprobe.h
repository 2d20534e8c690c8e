#pragma once

#include <QAbstractEventDispatcher>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <ctime>

/// How responsive the calling thread's event loop is (the GUI thread's, in tests and benches).
///
/// Lag: a 10 ms precise timer records how late each tick fires (0 when on time); a person feels
/// a p99 above ~50 ms as a stutter. Busy and blocked: the event dispatcher says when the thread
/// goes idle (aboutToBlock) and wakes (awake); between the two it is busy. Busy wall time that
/// was not spent on the CPU was spent waiting in a system call outside the event loop's own
/// wait: a statement's round trip to the database, typically. That share is "blocked".
class LagProbe final
{
public:
    explicit LagProbe(int intervalMs = 10)
        : m_intervalMs(intervalMs)
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(intervalMs);
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            const double late = (now - m_lastTick) / 1e6 - m_intervalMs;
            m_lagsMs << std::max(0.0, late);
            m_lastTick = now;
        });
        auto *dispatcher = QAbstractEventDispatcher::instance(QThread::currentThread());
        QObject::connect(dispatcher, &QAbstractEventDispatcher::awake, &m_timer, [this] {
            if (!m_running || m_busy)
                return;
            m_busy = true;
            m_busySinceNs = m_clock.nsecsElapsed();
            m_cpuSinceNs = threadCpuNs();
        });
        QObject::connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, &m_timer, [this] {
            closeBusyPeriod();
        });
    }

    void start()
    {
        m_lagsMs.clear();
        m_busyNs = m_blockedNs = 0;
        m_clock.start();
        m_lastTick = 0;
        m_running = true;
        m_busy = true;  // the caller is running now
        m_busySinceNs = 0;
        m_cpuSinceNs = threadCpuNs();
        m_timer.start();
    }

    void stop()
    {
        closeBusyPeriod();
        m_timer.stop();
        m_running = false;
        m_wallNs = m_clock.nsecsElapsed();
    }

    double lagPercentileMs(double p) const
    {
        if (m_lagsMs.isEmpty())
            return 0;
        QList<double> sorted = m_lagsMs;
        std::sort(sorted.begin(), sorted.end());
        const qsizetype index = std::min<qsizetype>(sorted.size() - 1, qsizetype(p / 100.0 * sorted.size()));
        return sorted.at(index);
    }
    double maxLagMs() const
    {
        return m_lagsMs.isEmpty() ? 0 : *std::max_element(m_lagsMs.cbegin(), m_lagsMs.cend());
    }
    qsizetype samples() const { return m_lagsMs.size(); }
    /// Share of the wall time the thread was busy (not waiting for events).
    double busyShare() const { return m_wallNs > 0 ? double(m_busyNs) / m_wallNs : 0; }
    /// Share of the wall time the thread was busy but off the CPU: blocked in a system call.
    double blockedShare() const { return m_wallNs > 0 ? double(m_blockedNs) / m_wallNs : 0; }

private:
    static qint64 threadCpuNs()
    {
        timespec now{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        return qint64(now.tv_sec) * 1000000000 + now.tv_nsec;
    }

    void closeBusyPeriod()
    {
        if (!m_running || !m_busy)
            return;
        m_busy = false;
        const qint64 wall = m_clock.nsecsElapsed() - m_busySinceNs;
        const qint64 cpu = threadCpuNs() - m_cpuSinceNs;
        m_busyNs += wall;
        // Preemption by other threads also shows as busy off-CPU time on a loaded machine:
        // this is an upper bound of the time spent waiting for the database.
        m_blockedNs += std::max<qint64>(0, wall - cpu);
    }

    int m_intervalMs;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastTick = 0;
    QList<double> m_lagsMs;
    bool m_running = false;
    bool m_busy = false;
    qint64 m_busySinceNs = 0;
    qint64 m_cpuSinceNs = 0;
    qint64 m_busyNs = 0;
    qint64 m_blockedNs = 0;
    qint64 m_wallNs = 0;
};

#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <ctime>

/// Time the main thread spends delivering events: everything a Qt application does on its GUI
/// thread happens inside QCoreApplication::notify (timers, queued calls, socket notifiers), so
/// the time between the outermost notify's start and end is the thread's busy time; the part of
/// it not spent on the CPU was spent waiting in a system call (a statement's round trip).
/// Fed by an application class that overrides notify() (TimedApplication in tests and benches).
class BusyMeter final
{
public:
    static BusyMeter &instance()
    {
        static BusyMeter meter;
        return meter;
    }

    template<typename Deliver>
    bool measure(Deliver deliver)
    {
        if (QThread::currentThread() != m_mainThread || !m_running)
            return deliver();
        const bool outermost = m_depth++ == 0;
        qint64 wall = 0;
        qint64 cpu = 0;
        if (outermost) {
            wall = m_clock.nsecsElapsed();
            cpu = threadCpuNs();
        }
        const bool result = deliver();
        if (outermost) {
            const qint64 busy = m_clock.nsecsElapsed() - wall;
            m_busyNs += busy;
            // Preemption by other threads on a loaded machine counts here too: an upper bound
            // of the time spent waiting for the database.
            m_blockedNs += std::max<qint64>(0, busy - (threadCpuNs() - cpu));
        }
        --m_depth;
        return result;
    }

    void start()
    {
        m_mainThread = QThread::currentThread();
        m_busyNs = m_blockedNs = 0;
        m_clock.start();
        m_running = true;
    }
    void stop()
    {
        m_running = false;
        m_wallNs = m_clock.nsecsElapsed();
    }
    bool isFed() const { return m_fed; }
    void setFed() { m_fed = true; }
    double busyShare() const { return m_wallNs > 0 ? double(m_busyNs) / m_wallNs : 0; }
    double blockedShare() const { return m_wallNs > 0 ? double(m_blockedNs) / m_wallNs : 0; }

    static qint64 threadCpuNs()
    {
        timespec now{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        return qint64(now.tv_sec) * 1000000000 + now.tv_nsec;
    }

private:
    QThread *m_mainThread = nullptr;
    QElapsedTimer m_clock;
    bool m_running = false;
    bool m_fed = false;
    int m_depth = 0;
    qint64 m_busyNs = 0;
    qint64 m_blockedNs = 0;
    qint64 m_wallNs = 0;
};

/// An application whose GUI thread's busy and blocked time BusyMeter can measure. App is
/// QApplication or QGuiApplication.
template<typename App>
class TimedApplication final : public App
{
public:
    TimedApplication(int &argc, char **argv)
        : App(argc, argv)
    {
        BusyMeter::instance().setFed();
    }
    bool notify(QObject *receiver, QEvent *event) override
    {
        return BusyMeter::instance().measure([&] { return App::notify(receiver, event); });
    }
};

/// How responsive the calling thread's event loop is (the GUI thread's, in tests and benches).
///
/// Lag: a 10 ms precise timer records how late each tick fires (0 when on time); a person feels
/// a p99 above ~50 ms as a stutter. Busy and blocked: see BusyMeter (needs a TimedApplication;
/// without one both read 0).
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
    }

    void start()
    {
        m_lagsMs.clear();
        m_clock.start();
        m_lastTick = 0;
        BusyMeter::instance().start();
        m_timer.start();
    }

    void stop()
    {
        m_timer.stop();
        BusyMeter::instance().stop();
    }

    double lagPercentileMs(double p) const
    {
        if (m_lagsMs.isEmpty())
            return 0;
        QList<double> sorted = m_lagsMs;
        std::sort(sorted.begin(), sorted.end());
        const qsizetype index =
            std::min<qsizetype>(sorted.size() - 1, qsizetype(p / 100.0 * sorted.size()));
        return sorted.at(index);
    }
    double maxLagMs() const
    {
        return m_lagsMs.isEmpty() ? 0 : *std::max_element(m_lagsMs.cbegin(), m_lagsMs.cend());
    }
    qsizetype samples() const { return m_lagsMs.size(); }
    /// Share of the wall time the thread was busy delivering events.
    double busyShare() const { return BusyMeter::instance().busyShare(); }
    /// Share of the wall time the thread was busy but off the CPU: blocked in a system call.
    double blockedShare() const { return BusyMeter::instance().blockedShare(); }
    /// Whether busy and blocked were measured (a TimedApplication runs).
    bool measuresBusy() const { return BusyMeter::instance().isFed(); }

private:
    int m_intervalMs;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastTick = 0;
    QList<double> m_lagsMs;
};

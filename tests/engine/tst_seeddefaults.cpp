// The seed's promises about workers (issue 13, point 8): the defaults, a shutdown that lets a job
// finish inside the grace, and a handler that throws without taking its worker down.
#include "engine/jobqueue.h"
#include "engine/workerpool.h"
#include "testdatabase.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>
#include <QThread>

#include <atomic>
#include <stdexcept>

using namespace Engine;

namespace {

EnqueueInput play(const QString &name)
{
    EnqueueInput input;
    input.filename = name;
    input.rawText = QByteArrayLiteral("HAMLET. To be, or not to be.\nHORATIO. My lord.\n");
    return input;
}

WorkerPoolOptions options(const TestDatabase &test, int workers, JobHandler handler)
{
    WorkerPoolOptions o;
    o.url = test.url();
    o.workers = workers;
    o.handler = std::move(handler);
    o.pollMs = 200;
    o.workerIdPrefix = QStringLiteral("defaults-%1").arg(QCoreApplication::applicationPid());
    return o;
}

int eventCount(JobQueue &queue, const QString &id, const QString &name)
{
    int n = 0;
    for (const JobEvent &event : queue.events(id))
        n += event.event == name ? 1 : 0;
    return n;
}

/// Sets the variables for the scope, then puts back what was there.
class ScopedEnvironment final
{
public:
    explicit ScopedEnvironment(const QList<std::pair<const char *, QByteArray>> &values)
    {
        for (const auto &[name, value] : values) {
            m_saved.append({name, qgetenv(name), qEnvironmentVariableIsSet(name)});
            if (value.isNull())
                qunsetenv(name);
            else
                qputenv(name, value);
        }
    }
    ScopedEnvironment(const ScopedEnvironment &) = delete;
    ScopedEnvironment &operator=(const ScopedEnvironment &) = delete;
    ~ScopedEnvironment()
    {
        for (const auto &saved : m_saved) {
            if (saved.set)
                qputenv(saved.name, saved.value);
            else
                qunsetenv(saved.name);
        }
    }

private:
    struct Saved { const char *name; QByteArray value; bool set; };
    QList<Saved> m_saved;
};

} // namespace

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

class TestSeedDefaults final : public QObject
{
    Q_OBJECT

private slots:
    void defaultsAreTheSeeds();
    void environmentOverridesTheDefaults();
    BACKENDS(claimHoldsTheLockTenMinutes)
    BACKENDS(stopWaitsForAJobFinishingInsideTheGrace)
    BACKENDS(throwingHandlerLeavesItsWorkerRunning)
};

// 10-minute lock, 60 s heartbeat, 2 workers, 30 s grace; backoff 1 s doubling to 60 s.
void TestSeedDefaults::defaultsAreTheSeeds()
{
    const WorkerPoolOptions pool;
    QCOMPARE(pool.lockSeconds, 600.0);
    QCOMPARE(pool.heartbeatSeconds, 60.0);
    QCOMPARE(pool.workers, 2);
    QCOMPARE(pool.shutdownSeconds, 30.0);
    const QueueOptions queue;
    QCOMPARE(queue.lockSeconds, 600.0);
    QCOMPARE(queue.backoffBaseMs, 1000);
    QCOMPARE(queue.backoffMaxMs, 60000);

    // What the command line starts from (`callboard worker` reads fromEnvironment) when the
    // environment says nothing.
    ScopedEnvironment clean({{"WORKER_COUNT", {}},
                             {"CALLBOARD_LOCK_SECONDS", {}},
                             {"CALLBOARD_HEARTBEAT_SECONDS", {}}});
    const WorkerPoolOptions fromEnvironment = WorkerPoolOptions::fromEnvironment({});
    QCOMPARE(fromEnvironment.lockSeconds, 600.0);
    QCOMPARE(fromEnvironment.heartbeatSeconds, 60.0);
    QCOMPARE(fromEnvironment.workers, 2);
    QCOMPARE(fromEnvironment.shutdownSeconds, 30.0);
    QCOMPARE(QueueOptions::fromEnvironment().lockSeconds, 600.0);
}

void TestSeedDefaults::environmentOverridesTheDefaults()
{
    ScopedEnvironment set({{"WORKER_COUNT", "5"},
                           {"CALLBOARD_LOCK_SECONDS", "120"},
                           {"CALLBOARD_HEARTBEAT_SECONDS", "7.5"}});
    const WorkerPoolOptions options = WorkerPoolOptions::fromEnvironment({});
    QCOMPARE(options.workers, 5);
    QCOMPARE(options.lockSeconds, 120.0);
    QCOMPARE(options.heartbeatSeconds, 7.5);
    QCOMPARE(options.shutdownSeconds, 30.0);
}

// The default lock, observed on the row while a pool with default options runs a job.
void TestSeedDefaults::claimHoldsTheLockTenMinutes()
{
    OPEN_TEST_DATABASE(test);
    ScopedEnvironment clean(QList<std::pair<const char *, QByteArray>>{
        {"CALLBOARD_LOCK_SECONDS", QByteArray()}});
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("held.txt")));
    std::atomic<bool> release{false};
    WorkerPoolOptions o = WorkerPoolOptions::fromEnvironment(test.url());
    o.handler = [&](JobContext &) {
        while (!release)
            QThread::msleep(10);
        return JobOutcome::completed();
    };
    o.shutdownSeconds = 5;
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(id)->status, JobStatus::Running, 10000);
    const auto job = queue.job(id);
    QVERIFY(job->lockedAt.isValid());
    QCOMPARE(job->lockedAt.msecsTo(job->lockExpiry), 600000);
    QCOMPARE(pool.workerCount(), 2);
    release = true;
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(id)->status, JobStatus::Completed, 10000);
    pool.stop();
}

void TestSeedDefaults::stopWaitsForAJobFinishingInsideTheGrace()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("finishing.txt")));
    std::atomic<bool> started{false};
    std::atomic<int> chunks{0};
    // Three chunks of 400 ms; it goes on while the pool stops, since stopRequested() stays false
    // inside the grace.
    WorkerPoolOptions o = options(test, 1, [&](JobContext &context) {
        started = true;
        for (int chunk = 0; chunk < 3; ++chunk) {
            if (context.stopRequested())
                return JobOutcome::stopped();
            QThread::msleep(400);
            ++chunks;
            ProgressUpdate update;
            update.completedChunks = chunk + 1;
            update.totalChunks = 3;
            update.progress = 100.0 * (chunk + 1) / 3;
            update.currentState = {{QStringLiteral("next"), chunk + 1}};
            if (!context.reportProgress(update))
                return JobOutcome::stopped();
        }
        return JobOutcome::completed({{QStringLiteral("title"), QStringLiteral("Finished")}});
    });
    o.shutdownSeconds = 30; // the seed's grace
    WorkerPool pool(o);
    QSignalSpy stopped(&pool, &WorkerPool::stopped);
    QVERIFY_OK(pool.start());
    QTRY_VERIFY_WITH_TIMEOUT(started.load(), 10000);
    QElapsedTimer timer;
    timer.start();
    pool.stop();
    const qint64 took = timer.elapsed();
    QCOMPARE(stopped.size(), 1);
    QCOMPARE(chunks.load(), 3);
    QVERIFY2(took < 10000, qPrintable(QString::number(took))); // the job's time, not the grace
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Completed);
    QCOMPARE(job->progress, 100.0);
    QVERIFY(!job->playbookId.isEmpty());
    QCOMPARE(queue.playbook(id)->title, QStringLiteral("Finished"));
    QCOMPARE(eventCount(queue, id, QStringLiteral("released")), 0);
    QCOMPARE(eventCount(queue, id, QStringLiteral("completed")), 1);
}

void TestSeedDefaults::throwingHandlerLeavesItsWorkerRunning()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    // The first job's handler throws a standard exception, the second something else entirely;
    // the third completes, on the same (only) worker.
    EnqueueInput first = play(QStringLiteral("throws.txt"));
    first.priority = 3;
    first.maxRetries = 0;
    EnqueueInput second = play(QStringLiteral("throws-int.txt"));
    second.priority = 2;
    second.maxRetries = 0;
    const QString throwing = queue.enqueue(first);
    const QString throwingInt = queue.enqueue(second);
    const QString fine = queue.enqueue(play(QStringLiteral("fine.txt")));
    QStringList workersSeen;
    QMutex mutex;
    WorkerPoolOptions o = options(test, 1, [&](JobContext &context) -> JobOutcome {
        {
            QMutexLocker lock(&mutex);
            workersSeen << QString::number(quintptr(QThread::currentThreadId()));
        }
        if (context.job().filename == QLatin1String("throws.txt"))
            throw std::runtime_error("handler bug: index out of range");
        if (context.job().filename == QLatin1String("throws-int.txt"))
            throw 42;
        return JobOutcome::completed();
    });
    o.drain = true;
    WorkerPool pool(o);
    QSignalSpy drained(&pool, &WorkerPool::drained);
    QVERIFY_OK(pool.start());
    QVERIFY(drained.wait(30000));
    pool.stop();
    QCOMPARE(queue.job(throwing)->status, JobStatus::Failed);
    QVERIFY2(queue.job(throwing)->failureReason.contains(QStringLiteral("index out of range")),
             qPrintable(queue.job(throwing)->failureReason));
    QCOMPARE(queue.job(throwingInt)->status, JobStatus::Failed);
    QCOMPARE(queue.job(fine)->status, JobStatus::Completed);
    QCOMPARE(workersSeen.size(), 3);
    // One worker ran all three: the throws did not end it.
    QCOMPARE(queue.events(fine).at(1).details.value(QStringLiteral("actor")).toString(),
             queue.events(throwing).at(1).details.value(QStringLiteral("actor")).toString());
}

QTEST_GUILESS_MAIN(TestSeedDefaults)
#include "tst_seeddefaults.moc"

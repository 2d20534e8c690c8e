#include "engine/database.h"
#include "engine/jobnotifier.h"
#include "engine/jobqueue.h"
#include "engine/parsejobhandler.h"
#include "engine/workerpool.h"
#include "engine/workerregistry.h"
#include "testdatabase.h"
#include "testhelpers.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QMutex>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>
#include <QThread>
#include <QUuid>

#include <atomic>

using namespace Engine;

namespace {

EnqueueInput smallPlay(const QString &name, int priority = 0)
{
    EnqueueInput input;
    input.filename = name;
    input.rawText = QByteArrayLiteral("ACT I\n\nSCENE I\n\nHAMLET. To be, or not to be.\n\n"
                                      "HORATIO. My lord, I came to see your father's funeral.\n\n"
                                      "HAMLET. I pray thee, do not mock me.\n");
    input.priority = priority;
    return input;
}

/// A handler of n chunks, each sleeping chunkMs, checkpointing its position.
JobHandler chunkedHandler(int chunks, int chunkMs, std::atomic<int> *chunksRun = nullptr)
{
    return [=](JobContext &context) {
        int start = context.job().currentState.value(QStringLiteral("next")).toInt();
        for (int chunk = start; chunk < chunks; ++chunk) {
            if (context.stopRequested())
                return JobOutcome::stopped();
            QThread::msleep(chunkMs);
            if (chunksRun)
                ++*chunksRun;
            ProgressUpdate update;
            update.completedChunks = chunk + 1;
            update.totalChunks = chunks;
            update.progress = 100.0 * (chunk + 1) / chunks;
            update.currentState = {{QStringLiteral("next"), chunk + 1}};
            if (!context.reportProgress(update))
                return JobOutcome::stopped();
        }
        return JobOutcome::completed({{QStringLiteral("title"), context.job().filename}});
    };
}

WorkerPoolOptions options(const TestDatabase &test, int workers, JobHandler handler = {})
{
    WorkerPoolOptions o;
    o.url = test.url();
    o.workers = workers;
    o.handler = handler ? std::move(handler) : JobHandler(parsePlayHandler);
    o.pollMs = 200;
    o.workerIdPrefix = QStringLiteral("test-%1").arg(QCoreApplication::applicationPid());
    return o;
}

int count(QSqlDatabase db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return -1;
    return query.value(0).toInt();
}

// Debug lines of callboard.worker, from whichever thread logs them.
QMutex logMutex;
QStringList workerDebugLines;
QtMessageHandler previousHandler = nullptr;

void captureWorkerDebug(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtDebugMsg && qstrcmp(context.category, "callboard.worker") == 0) {
        QMutexLocker lock(&logMutex);
        workerDebugLines << message;
        return;
    }
    previousHandler(type, context, message);
}

} // namespace

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

class TestWorkerPool final : public QObject
{
    Q_OBJECT

private slots:
    void aPoolWithoutAHandlerIsRefused();
    BACKENDS(aPoolOnANewerSchemaClaimsNothing)
    BACKENDS(drainsTheQueue)
    BACKENDS(parsesAPlayEndToEnd)
    BACKENDS(pauseStopsAtChunkBoundaryAndResumeContinues)
    BACKENDS(longJobOutlivesLockThroughHeartbeat)
    BACKENDS(lostLockAbandonsTheJob)
    BACKENDS(shutdownReleasesRunningJobs)
    BACKENDS(failuresGoThroughRetryPolicy)
    void notifyWakesIdleWorker();
    BACKENDS(workerCountAdjustsWhileRunning)
    BACKENDS(prefetchHoldsJobsAheadAndGivesThemBack)
    BACKENDS(prefetchedJobsDoNotWaitBehindASlowOne)
    BACKENDS(automaticPrefetchLeavesSlowJobsInTheQueue)
    BACKENDS(prefetchDrainsEveryJobOnce)
    BACKENDS(idlePoolWakesWhenARetryOrScheduleIsDue)
    BACKENDS(progressIsWrittenOncePerInterval)
    BACKENDS(heldBackProgressIsWrittenBeforeAFailure)
    BACKENDS(stopTokenReachesInsideAChunk)
    BACKENDS(shutdownLeavesAHandlerThatNeverReturns)
    BACKENDS(heartbeatKeepsThePoolsRow)
};

// The handler is the application's choice: an engine that quietly parsed plays for a pool
// given no handler would hide a missing wiring.
void TestWorkerPool::aPoolWithoutAHandlerIsRefused()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    JobQueue queue(test.db());
    queue.enqueue(smallPlay(QStringLiteral("waiting")));
    WorkerPoolOptions o = options(test, 1);
    o.handler = nullptr;
    WorkerPool pool(o);
    const auto started = pool.start();
    QVERIFY(!started);
    const QString error = started.error().message;
    QVERIFY2(error.contains(QStringLiteral("no job handler")), qPrintable(error));
    QCOMPARE(queue.countsByStatus().value(JobStatus::Queued), 1);
}

// The dispatchers start (and on PostgreSQL connect) while start() checks the schema: they must
// not claim before the check has passed, nor outlive a start that failed.
void TestWorkerPool::aPoolOnANewerSchemaClaimsNothing()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    queue.enqueue(smallPlay(QStringLiteral("waiting")));
    QSqlQuery future(test.db());
    QVERIFY(future.exec(QStringLiteral(
        R"(INSERT INTO "_CallboardMigration" ("version", "name") VALUES (999, 'from the future'))")));
    for (int attempt = 0; attempt < 3; ++attempt) {
        WorkerPool pool(options(test, 2));
        const auto started = pool.start();
        QVERIFY(!started);
        QVERIFY2(started.error().message.contains(QStringLiteral("999")),
                 qPrintable(started.error().message));
        QVERIFY(!pool.isRunning());
    }
    QCOMPARE(queue.countsByStatus().value(JobStatus::Queued), 1);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "event" = 'claimed')")), 0);
}

void TestWorkerPool::drainsTheQueue()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    QList<EnqueueInput> inputs;
    for (int i = 0; i < 60; ++i)
        inputs << smallPlay(QStringLiteral("p%1").arg(i));
    queue.enqueueMany(inputs);
    WorkerPoolOptions o = options(test, 4, chunkedHandler(2, 1));
    o.drain = true;
    WorkerPool pool(o);
    QSignalSpy drained(&pool, &WorkerPool::drained);
    QVERIFY_OK(pool.start());
    QVERIFY(drained.wait(30000));
    pool.stop();
    QCOMPARE(queue.countsByStatus().value(JobStatus::Completed), 60);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "event" = 'claimed')")), 60);
}

void TestWorkerPool::parsesAPlayEndToEnd()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(smallPlay(QStringLiteral("tiny.txt")));
    WorkerPoolOptions o = options(test, 1);
    o.drain = true;
    WorkerPool pool(o);
    QSignalSpy drained(&pool, &WorkerPool::drained);
    QVERIFY_OK(pool.start());
    QVERIFY(drained.wait(30000));
    pool.stop();
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Completed);
    const auto playbook = queue.playbook(id);
    QVERIFY(playbook);
    QCOMPARE(playbook->speechCount, 3);
    QVERIFY(playbook->characterCount >= 2);
}

void TestWorkerPool::pauseStopsAtChunkBoundaryAndResumeContinues()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(smallPlay(QStringLiteral("long")));
    std::atomic<int> chunksRun{0};
    // Progress held back for longer than the play runs: the pause alone makes it written.
    WorkerPoolOptions o = options(test, 1, chunkedHandler(40, 50, &chunksRun));
    o.progressIntervalMs = 60000;
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    QTRY_VERIFY_WITH_TIMEOUT(chunksRun >= 3, 10000);
    QCOMPARE(queue.job(id)->completedChunks, 0); // nothing written yet
    queue.pause(id);
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(id)->status, JobStatus::Paused, 5000);
    const int pausedAt = queue.job(id)->completedChunks;
    QVERIFY(pausedAt >= 3);
    QVERIFY(pausedAt < 40);
    QCOMPARE(pausedAt, chunksRun.load()); // every chunk parsed before the pause is kept
    QThread::msleep(200);
    QCOMPARE(queue.job(id)->status, JobStatus::Paused); // nobody claims a paused job
    queue.resume(id);
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(id)->status, JobStatus::Completed, 15000);
    pool.stop();
    QCOMPARE(chunksRun.load(), 40); // resumed from the checkpoint: no chunk ran twice
}

void TestWorkerPool::longJobOutlivesLockThroughHeartbeat()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(smallPlay(QStringLiteral("slow")));
    WorkerPoolOptions o = options(test, 1, chunkedHandler(1, 2500)); // one chunk > lock
    o.lockSeconds = 1;
    o.heartbeatSeconds = 0.2;
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    // A second process would reclaim the job if the lock were allowed to expire.
    QueueOptions thief;
    thief.lockSeconds = 1;
    JobQueue other(test.db(), thief);
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(id)->status, JobStatus::Running, 5000);
    QElapsedTimer timer;
    timer.start();
    while (queue.job(id)->status != JobStatus::Completed && timer.elapsed() < 10000) {
        QVERIFY(!other.claimNext(QStringLiteral("thief")).has_value());
        QThread::msleep(100);
    }
    pool.stop();
    QCOMPARE(queue.job(id)->status, JobStatus::Completed);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "event" = 'reclaimed')")), 0);
}

void TestWorkerPool::lostLockAbandonsTheJob()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(smallPlay(QStringLiteral("stolen")));
    WorkerPoolOptions o = options(test, 1, chunkedHandler(40, 50));
    o.heartbeatSeconds = 0.2;
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    QTRY_VERIFY_WITH_TIMEOUT(queue.job(id)->completedChunks >= 1, 10000);
    // Another worker takes the job over (as after a lock expiry): renewal now fails.
    QSqlQuery steal(test.db());
    QVERIFY(steal.exec(QStringLiteral(R"(UPDATE "ParseJob" SET "workerId" = 'thief' WHERE "id" = '%1')").arg(id)));
    QTRY_VERIFY_WITH_TIMEOUT(pool.workers().constFirst().jobId.isEmpty(), 5000);
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Running);
    QCOMPARE(job->workerId, QStringLiteral("thief"));
    const int chunks = job->completedChunks;
    QThread::msleep(300);
    QCOMPARE(queue.job(id)->completedChunks, chunks); // the old owner wrote nothing more
    pool.stop();
}

void TestWorkerPool::shutdownReleasesRunningJobs()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(smallPlay(QStringLiteral("interrupted")));
    WorkerPoolOptions o = options(test, 1, chunkedHandler(100, 50));
    o.shutdownSeconds = 0.3;
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    QTRY_VERIFY_WITH_TIMEOUT(queue.job(id)->completedChunks >= 2, 10000);
    QElapsedTimer timer;
    timer.start();
    pool.stop();
    QVERIFY(timer.elapsed() < 3000);
    const auto job = queue.job(id, true);
    QCOMPARE(job->status, JobStatus::Queued);
    QVERIFY(job->workerId.isNull());
    QVERIFY(job->currentState.value(QStringLiteral("next")).toInt() >= 2);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob" WHERE "status" = 'running')")), 0);
}

void TestWorkerPool::failuresGoThroughRetryPolicy()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    EnqueueInput input = smallPlay(QStringLiteral("flaky"));
    input.maxRetries = 1;
    const QString flaky = queue.enqueue(input);
    const QString bad = queue.enqueue(smallPlay(QStringLiteral("bad")));
    WorkerPoolOptions o = options(test, 2, [](JobContext &context) {
        if (context.job().filename == QLatin1String("bad"))
            return JobOutcome::failed(QStringLiteral("not a play"), true);
        return JobOutcome::failed(QStringLiteral("provider timeout"), false);
    });
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(bad)->status, JobStatus::Failed, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(flaky)->status, JobStatus::Failed, 10000);
    pool.stop();
    QCOMPARE(queue.job(bad)->retryCount, 0);
    QCOMPARE(queue.job(flaky)->retryCount, 1);
    QCOMPARE(queue.job(flaky)->failureReason,
             QStringLiteral("Max retries (1) exceeded. Last error: provider timeout"));
}

void TestWorkerPool::notifyWakesIdleWorker()
{
    TestDatabase test(QStringLiteral("postgres"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    WorkerPoolOptions o = options(test, 2, chunkedHandler(1, 0));
    o.pollMs = 20000; // only a notification can wake the workers in time
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    QThread::msleep(300); // let the workers go idle
    // Enqueue as another process (or the web application) would: its row and its NOTIFY in one
    // transaction, nothing published in this process, so only the server can wake the pool.
    ScopedConnection producer(test.url(), QStringLiteral("producer"));
    JobQueue queue(producer.database());
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSqlQuery insert(producer.database());
    QElapsedTimer timer;
    timer.start();
    QVERIFY(insert.exec(QStringLiteral("BEGIN")));
    QVERIFY(insert.exec(QStringLiteral(R"(INSERT INTO "ParseJob" ("id", "rawText", "filename", "updatedAt")
                                          VALUES ('%1', 'HAMLET. Who is there?', 'wake.txt', LOCALTIMESTAMP(3)))")
                            .arg(id)));
    QVERIFY(insert.exec(QStringLiteral("SELECT pg_notify('callboard_jobs', '%1:queued')").arg(id)));
    QVERIFY(insert.exec(QStringLiteral("COMMIT")));
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(id)->status, JobStatus::Completed, 3000);
    qInfo() << "enqueue to completed:" << timer.elapsed() << "ms";
    pool.stop();
}

void TestWorkerPool::workerCountAdjustsWhileRunning()
{
    OPEN_TEST_DATABASE(test);
    WorkerPool pool(options(test, 2, chunkedHandler(1, 0)));
    QVERIFY_OK(pool.start());
    QCOMPARE(pool.workers().size(), 2);
    pool.setWorkerCount(0);
    QCOMPARE(pool.workers().size(), 0);
    QThread::msleep(200); // a worker still opening its connection notices the new count
    JobQueue queue(test.db());
    const QString id = queue.enqueue(smallPlay(QStringLiteral("waits")));
    QThread::msleep(400);
    QCOMPARE(queue.job(id)->status, JobStatus::Queued); // monitor only: nobody works
    pool.setWorkerCount(3);
    QCOMPARE(pool.workers().size(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(id)->status, JobStatus::Completed, 5000);
    QVERIFY(pool.workers().constFirst().id.startsWith(QStringLiteral("test-")));
    pool.stop();
}

void TestWorkerPool::prefetchHoldsJobsAheadAndGivesThemBack()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    QStringList ids;
    for (int i = 0; i < 5; ++i)
        ids << queue.enqueue(smallPlay(QStringLiteral("p%1").arg(i)));
    WorkerPoolOptions o = options(test, 1, chunkedHandler(200, 20));
    o.prefetch = 3;
    o.prefetchPatienceMs = 60000; // they wait as long as it takes
    o.shutdownSeconds = 0.3;
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    // One job runs and three wait behind it, all locked in the one worker's name; one is left.
    const QString running = QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob" WHERE "status" = 'running' AND "workerId" = '%1-0')")
                                .arg(o.workerIdPrefix);
    QTRY_COMPARE_WITH_TIMEOUT(count(test.db(), running), 4, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(queue.job(ids.at(0))->completedChunks >= 1, 5000);
    QCOMPARE(queue.job(ids.at(4))->status, JobStatus::Queued);
    QCOMPARE(queue.job(ids.at(1))->completedChunks, 0); // claimed, not started
    pool.stop();
    // The running job is released at the shutdown timeout, the waiting ones when their worker
    // leaves: nothing is left locked until expiry.
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob" WHERE "status" = 'queued')")), 5);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "event" = 'released')")), 4);
}

void TestWorkerPool::prefetchedJobsDoNotWaitBehindASlowOne()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    for (int i = 0; i < 5; ++i)
        queue.enqueue(smallPlay(QStringLiteral("p%1").arg(i)));
    WorkerPoolOptions o = options(test, 1, chunkedHandler(200, 20));
    o.prefetch = 3;
    o.prefetchPatienceMs = 200;
    o.shutdownSeconds = 0.3;
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    const QString released = QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "event" = 'released' AND CAST("details" AS TEXT) LIKE '%slow job%')");
    // The three waiting jobs go back to the queue, where another machine could take them, and
    // no more are claimed behind the slow job.
    QTRY_COMPARE_WITH_TIMEOUT(count(test.db(), released), 3, 5000);
    QThread::msleep(600);
    QCOMPARE(count(test.db(), released), 3);
    QCOMPARE(queue.countsByStatus().value(JobStatus::Running), 1);
    QCOMPARE(queue.countsByStatus().value(JobStatus::Queued), 4);
    pool.stop();
}

void TestWorkerPool::automaticPrefetchLeavesSlowJobsInTheQueue()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    for (int i = 0; i < 3; ++i)
        queue.enqueue(smallPlay(QStringLiteral("p%1").arg(i)));
    WorkerPoolOptions o = options(test, 1, chunkedHandler(200, 20));
    QCOMPARE(o.prefetch, -1); // automatic is the default
    o.shutdownSeconds = 0.3;
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    QTRY_COMPARE_WITH_TIMEOUT(queue.countsByStatus().value(JobStatus::Running), 1, 5000);
    QThread::msleep(500);
    QCOMPARE(queue.countsByStatus().value(JobStatus::Running), 1);
    QCOMPARE(queue.countsByStatus().value(JobStatus::Queued), 2);
    pool.stop();
}

void TestWorkerPool::prefetchDrainsEveryJobOnce()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    QList<EnqueueInput> inputs;
    for (int i = 0; i < 300; ++i)
        inputs << smallPlay(QStringLiteral("p%1").arg(i), i % 3);
    queue.enqueueMany(inputs);
    std::atomic<int> runs{0};
    WorkerPoolOptions o = options(test, 3, [&](JobContext &) {
        ++runs;
        return JobOutcome::completed();
    });
    o.prefetch = 8;
    o.drain = true;
    WorkerPool pool(o);
    QSignalSpy drained(&pool, &WorkerPool::drained);
    QVERIFY_OK(pool.start());
    QVERIFY(drained.wait(30000));
    pool.stop();
    QCOMPARE(runs.load(), 300);
    QCOMPARE(queue.countsByStatus().value(JobStatus::Completed), 300);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "event" = 'claimed')")), 300);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "event" = 'completed')")), 300);
}

void TestWorkerPool::idlePoolWakesWhenARetryOrScheduleIsDue()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    EnqueueInput later = smallPlay(QStringLiteral("later"));
    later.runAfter = QDateTime::currentDateTimeUtc().addMSecs(1500);
    const QString scheduled = queue.enqueue(later);
    const QString flaky = queue.enqueue(smallPlay(QStringLiteral("flaky")));
    std::atomic<int> attempts{0};
    WorkerPoolOptions o = options(test, 2, [&](JobContext &context) {
        if (context.job().filename == QLatin1String("flaky") && attempts++ == 0)
            return JobOutcome::failed(QStringLiteral("provider timeout"), false); // backoff ~1 s
        return JobOutcome::completed();
    });
    o.pollMs = 30000; // nothing announces the moment a backoff or a schedule runs out
    WorkerPool pool(o);
    QElapsedTimer timer;
    timer.start();
    QVERIFY_OK(pool.start());
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(flaky)->status, JobStatus::Completed, 6000);
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(scheduled)->status, JobStatus::Completed, 6000);
    QVERIFY(timer.elapsed() < 6000);
    // Not before its time, either.
    QVERIFY(queue.job(scheduled)->startedAt >= later.runAfter->addMSecs(-5));
    pool.stop();
}

// Issue #11: progress is held back and written at most once per interval. A job that finishes
// within the interval writes only its completion; one that outlasts it writes about once per
// interval, never once per chunk; interval 0 writes every chunk.
void TestWorkerPool::progressIsWrittenOncePerInterval()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    auto progressEvents = [&](const QString &id) {
        return count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "jobId" = '%1' AND "event" = 'progress')").arg(id));
    };
    QStringList ids;
    for (const auto &[chunks, interval] : {std::make_pair(20, 1000), std::make_pair(30, 150),
                                           std::make_pair(10, 0)}) {
        const QString id = queue.enqueue(smallPlay(QStringLiteral("every %1 ms").arg(interval)));
        ids << id;
        WorkerPoolOptions o = options(test, 1, chunkedHandler(chunks, 20));
        o.progressIntervalMs = interval;
        o.drain = true;
        WorkerPool pool(o);
        QSignalSpy drained(&pool, &WorkerPool::drained);
        QVERIFY_OK(pool.start());
        QVERIFY(drained.wait(30000));
        pool.stop();
        QCOMPARE(queue.job(id)->status, JobStatus::Completed);
    }
    QCOMPARE(progressEvents(ids.at(0)), 0); // 20 × 20 ms < 1 s: only the completion
    const int slowWrites = progressEvents(ids.at(1)); // 30 × 20 ms at 150 ms: about 4
    QVERIFY2(slowWrites >= 2 && slowWrites <= 10, qPrintable(QString::number(slowWrites)));
    QCOMPARE(progressEvents(ids.at(2)), 10);
}

// What was held back goes in before the failure is recorded: the retry resumes after the last
// chunk that was parsed, not from the last write.
void TestWorkerPool::heldBackProgressIsWrittenBeforeAFailure()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(smallPlay(QStringLiteral("fails-at-7")));
    WorkerPoolOptions o = options(test, 1, [](JobContext &context) {
        const int start = context.job().currentState.value(QStringLiteral("next")).toInt();
        if (start > 0)
            return JobOutcome::failed(QStringLiteral("resumed at %1").arg(start), true);
        for (int chunk = 0; chunk < 7; ++chunk) {
            ProgressUpdate update;
            update.completedChunks = chunk + 1;
            update.totalChunks = 10;
            update.progress = 10.0 * (chunk + 1);
            update.currentState = {{QStringLiteral("next"), chunk + 1}};
            if (!context.reportProgress(update))
                return JobOutcome::stopped();
        }
        return JobOutcome::failed(QStringLiteral("chunk 8 failed"), false);
    });
    o.progressIntervalMs = 60000;
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(id)->status, JobStatus::Failed, 15000);
    pool.stop();
    const auto job = queue.job(id, true);
    QCOMPARE(job->failureReason, QStringLiteral("resumed at 7"));
    QCOMPARE(job->retryCount, 1);
}

// Issue #13: a pause or cancel reaches a handler in the middle of a chunk (an LLM request that
// may take minutes): its stop token fires, and the job is paused or cancelled within a second.
void TestWorkerPool::stopTokenReachesInsideAChunk()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString paused = queue.enqueue(smallPlay(QStringLiteral("to pause")));
    const QString cancelled = queue.enqueue(smallPlay(QStringLiteral("to cancel")));
    std::atomic<int> stoppedMidChunk{0};
    // One chunk of up to a minute that looks at its stop token, as the LLM client does.
    WorkerPoolOptions o = options(test, 2, [&](JobContext &context) {
        QElapsedTimer chunk;
        chunk.start();
        while (chunk.elapsed() < 60000) {
            if (context.stopRequested()) {
                ++stoppedMidChunk;
                return JobOutcome::stopped();
            }
            QThread::msleep(20);
        }
        return JobOutcome::completed();
    });
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(paused)->status, JobStatus::Running, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(cancelled)->status, JobStatus::Running, 10000);
    QElapsedTimer timer;
    timer.start();
    queue.pause(paused, QStringLiteral("test"));
    queue.cancel(cancelled, QStringLiteral("test"));
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(paused)->status, JobStatus::Paused, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(cancelled)->status, JobStatus::Cancelled, 5000);
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(stoppedMidChunk.load(), 2);
    pool.stop();
}

// Issue #13: after the grace period a handler that ignores its stop token does not hold the
// shutdown: 5 s later its job is released (not lost) and stop() returns, leaving the thread.
void TestWorkerPool::shutdownLeavesAHandlerThatNeverReturns()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(smallPlay(QStringLiteral("stuck")));
    static std::atomic<bool> letGo{false}; // the thread outlives the pool: it must end sometime
    static std::atomic<bool> started{false};
    letGo = false;
    started = false;
    WorkerPoolOptions o = options(test, 1, [](JobContext &) {
        started = true;
        while (!letGo)
            QThread::msleep(20);
        return JobOutcome::completed();
    });
    o.shutdownSeconds = 0.5;
    QElapsedTimer timer;
    {
        WorkerPool pool(o);
        QVERIFY_OK(pool.start());
        QTRY_VERIFY_WITH_TIMEOUT(started.load(), 10000); // claimed is not enough: it must run
        timer.start();
        pool.stop();
        QVERIFY(pool.abandonedWorkers());
    }
    QVERIFY2(timer.elapsed() < 0.5 * 1000 + 5000 + 3000, qPrintable(QString::number(timer.elapsed())));
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Queued);
    QVERIFY(job->workerId.isNull());
    QCOMPARE(job->retryCount, 0);
    letGo = true;
    QThread::msleep(100);
}

// Issue 13 item 7: the pool's row is written at start, renewed by every heartbeat together with
// its locks (and the renewal logged), shows the jobs held, and goes at a clean stop.
void TestWorkerPool::heartbeatKeepsThePoolsRow()
{
    OPEN_TEST_DATABASE(test);
    QLoggingCategory::setFilterRules(QStringLiteral("callboard.worker.debug=true"));
    previousHandler = qInstallMessageHandler(captureWorkerDebug);
    const auto restore = qScopeGuard([] {
        qInstallMessageHandler(previousHandler);
        QLoggingCategory::setFilterRules(QString());
    });
    JobQueue queue(test.db());
    WorkerPoolOptions o = options(test, 1, chunkedHandler(12, 250));
    o.lockSeconds = 2;
    o.heartbeatSeconds = 0.2;
    WorkerPool pool(o);
    QVERIFY_OK(pool.start());
    WorkerRegistry registry(test.db());
    // Written at start, before any heartbeat.
    QList<WorkerRecord> rows = registry.workers();
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows.constFirst().id, pool.workerIdPrefix());
    QCOMPARE(rows.constFirst().slotCount, 1);
    QCOMPARE(rows.constFirst().lockSeconds, 2.0);
    QCOMPARE(rows.constFirst().state, WorkerRecord::State::Idle);
    const QDateTime firstBeat = rows.constFirst().lastHeartbeatAt;

    const QString id = queue.enqueue(smallPlay(QStringLiteral("slow.txt")));
    QTRY_VERIFY_WITH_TIMEOUT(registry.workers().constFirst().state == WorkerRecord::State::Active,
                             5000);
    QCOMPARE(registry.workers().constFirst().jobIds, QStringList{id});
    // Heartbeats move the row's time and record the job (3 s of work, a lock of 2 s).
    QTRY_VERIFY_WITH_TIMEOUT(registry.workers().constFirst().lastHeartbeatAt > firstBeat, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(TestHelpers::scalar(test.db(), QStringLiteral(
                                  R"(SELECT "jobCount" FROM "CallboardWorker")")), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(id)->status, JobStatus::Completed, 20000);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "event" = 'reclaimed')")), 0);
    {
        QMutexLocker lock(&logMutex);
        QVERIFY2(workerDebugLines.contains(QStringLiteral("renewed lock on 1 jobs")),
                 qPrintable(workerDebugLines.join(u'\n')));
    }
    QTRY_COMPARE_WITH_TIMEOUT(registry.workers().constFirst().state, WorkerRecord::State::Idle, 5000);
    pool.stop();
    QVERIFY(registry.workers().isEmpty());
}

QTEST_GUILESS_MAIN(TestWorkerPool)
#include "tst_workerpool.moc"

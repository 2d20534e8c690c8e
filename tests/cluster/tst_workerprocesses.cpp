#include "engine/jobqueue.h"
#include "testdatabase.h"
#include "testhelpers.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSqlQuery>
#include <QTest>

#include <csignal>

using namespace Engine;
using namespace TestHelpers;

/// Real worker processes, killed and restarted, on the test PostgreSQL server.
class TestWorkerProcesses final : public QObject
{
    Q_OBJECT

private slots:
    void manyProcessesCompleteEachJobOnce();
    void killedWorkerIsResumedFromCheckpoint();
    void sigtermReleasesAndExitsCleanly();
    void sigtermExitsWhenAHandlerNeverReturns();
    void survivesPostgresRestart();

private:
    QProcess *startWorker(const TestDatabase &db, const QStringList &extra,
                          const QHash<QString, QString> &env = {});
};

QProcess *TestWorkerProcesses::startWorker(const TestDatabase &db, const QStringList &extra,
                                           const QHash<QString, QString> &env)
{
    auto *process = new QProcess(this);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (auto it = env.cbegin(); it != env.cend(); ++it)
        environment.insert(it.key(), it.value());
    process->setProcessEnvironment(environment);
    process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process->start(QStringLiteral(CALLBOARD_BIN),
                   QStringList{"--db", db.urlString(), "worker"} + extra);
    process->waitForStarted();
    return process;
}

void TestWorkerProcesses::manyProcessesCompleteEachJobOnce()
{
    TestDatabase db(QStringLiteral("postgres"));
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    JobQueue queue(db.db());
    QList<EnqueueInput> inputs;
    for (int i = 0; i < 500; ++i) {
        EnqueueInput input;
        input.filename = QStringLiteral("play-%1.txt").arg(i);
        input.rawText = "ACT I\n\nHAMLET. Line " + QByteArray::number(i) + ".\n\nHORATIO. Reply.\n";
        input.priority = i % 5;
        inputs << input;
    }
    queue.enqueueMany(inputs);
    QList<QProcess *> workers;
    for (int p = 0; p < 3; ++p)
        workers << startWorker(db, {"--workers", "4", "--drain"});
    for (QProcess *worker : workers) {
        QVERIFY(worker->waitForFinished(180000));
        QCOMPARE(worker->exitStatus(), QProcess::NormalExit);
        QCOMPARE(worker->exitCode(), 0);
    }
    QCOMPARE(queue.countsByStatus().value(JobStatus::Completed), 500);
    QCOMPARE(scalar(db.db(), QStringLiteral(R"(SELECT COUNT(*) FROM (SELECT "jobId" FROM "JobEvent"
        WHERE "event" = 'claimed' GROUP BY "jobId" HAVING COUNT(*) <> 1) x)")), 0);
    QCOMPARE(scalar(db.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "event" = 'claimed')")), 500);
    QCOMPARE(scalar(db.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "event" = 'completed')")), 500);
    // All three processes took part.
    QCOMPARE(scalar(db.db(), QStringLiteral(R"(SELECT COUNT(DISTINCT substring("details"->>'actor' from '-(\d+)-\d+$'))
        FROM "JobEvent" WHERE "event" = 'claimed')")), 3);
}

void TestWorkerProcesses::killedWorkerIsResumedFromCheckpoint()
{
    TestDatabase db(QStringLiteral("postgres"));
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    const QByteArray text = playText(QStringLiteral("earnest.txt"));
    QVERIFY(!text.isEmpty());
    JobQueue queue(db.db());
    EnqueueInput input;
    input.filename = QStringLiteral("earnest.txt");
    input.rawText = text;
    input.config = {{QStringLiteral("chunkSize"), 150}};
    const QString interrupted = queue.enqueue(input);

    QProcess *victim = startWorker(db, {"--workers", "1", "--lock-seconds", "2", "--heartbeat-seconds", "0.5"},
                                   {{"CALLBOARD_CHUNK_DELAY_MS", "150"}});
    QTRY_VERIFY_WITH_TIMEOUT(queue.job(interrupted)->completedChunks >= 3, 30000);
    ::kill(victim->processId(), SIGKILL);
    QVERIFY(victim->waitForFinished(5000));
    const int checkpointed = queue.job(interrupted)->completedChunks;
    const int total = *queue.job(interrupted)->totalChunks;
    QVERIFY2(checkpointed < total, "the job finished before the kill: use a slower chunk delay");
    QCOMPARE(queue.job(interrupted)->status, JobStatus::Running); // until its lock expires

    // The rescuer writes after every chunk, so that its first write names the chunk it began with.
    QProcess *rescuer = startWorker(db, {"--workers", "1", "--lock-seconds", "2", "--heartbeat-seconds", "0.5",
                                         "--progress-interval-ms", "0"});
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(interrupted)->status, JobStatus::Completed, 60000);
    rescuer->terminate();
    QVERIFY(rescuer->waitForFinished(15000));

    // Reclaimed after the lock expired, and continued from the checkpoint: the first progress
    // event after the reclaim starts with the chunk after the last checkpoint (an event covers
    // every chunk since the previous write: "chunks" of them, ending at "completedChunks").
    const QList<JobEvent> events = queue.events(interrupted);
    int reclaimedAt = -1;
    for (int i = 0; i < events.size(); ++i) {
        if (events.at(i).event == QLatin1String("reclaimed"))
            reclaimedAt = i;
    }
    QVERIFY(reclaimedAt > 0);
    int firstAfter = -1;
    for (int i = reclaimedAt + 1; i < events.size(); ++i) {
        if (events.at(i).event == QLatin1String("progress")) {
            const QJsonObject details = events.at(i).details;
            firstAfter = details.value(QStringLiteral("completedChunks")).toInt()
                         - details.value(QStringLiteral("chunks")).toInt(1) + 1;
            break;
        }
    }
    QCOMPARE(firstAfter, checkpointed + 1);

    // The result equals an uninterrupted run's.
    const QString straight = queue.enqueue(input);
    QProcess *worker = startWorker(db, {"--workers", "1", "--drain"});
    QVERIFY(worker->waitForFinished(60000));
    QCOMPARE(queue.job(straight)->status, JobStatus::Completed);
    QCOMPARE(queue.playbook(interrupted)->document, queue.playbook(straight)->document);
}

void TestWorkerProcesses::sigtermReleasesAndExitsCleanly()
{
    TestDatabase db(QStringLiteral("postgres"));
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    JobQueue queue(db.db());
    EnqueueInput input;
    input.filename = QStringLiteral("hamlet.txt");
    input.rawText = playText(QStringLiteral("hamlet.txt"));
    input.config = {{QStringLiteral("chunkSize"), 100}};
    const QString id = queue.enqueue(input);
    QProcess *worker = startWorker(db, {"--workers", "2", "--shutdown-seconds", "1"},
                                   {{"CALLBOARD_CHUNK_DELAY_MS", "300"}});
    QTRY_VERIFY_WITH_TIMEOUT(queue.job(id)->completedChunks >= 1, 30000);
    QElapsedTimer timer;
    timer.start();
    ::kill(worker->processId(), SIGTERM);
    QVERIFY(worker->waitForFinished(10000));
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(worker->exitStatus(), QProcess::NormalExit);
    QCOMPARE(worker->exitCode(), 0);
    // Seed T339: afterwards no job is running with a lock in the future.
    QCOMPARE(scalar(db.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob"
        WHERE "status" = 'running' AND "lockExpiry" > LOCALTIMESTAMP)")), 0);
    const auto job = queue.job(id, true);
    QCOMPARE(job->status, JobStatus::Queued);
    QVERIFY(!job->currentState.isEmpty());
}

// Issue #13: a handler that ignores its stop token (here a chunk that sleeps ten minutes) does
// not hold the process: it exits within grace + 5 s (and a little), its job released, not lost.
void TestWorkerProcesses::sigtermExitsWhenAHandlerNeverReturns()
{
    TestDatabase db(QStringLiteral("postgres"));
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    JobQueue queue(db.db());
    EnqueueInput input;
    input.filename = QStringLiteral("earnest.txt");
    input.rawText = playText(QStringLiteral("earnest.txt"));
    const QString id = queue.enqueue(input);
    QProcess *worker = startWorker(db, {"--workers", "1", "--shutdown-seconds", "1"},
                                   {{"CALLBOARD_CHUNK_DELAY_MS", "600000"}});
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(id)->status, JobStatus::Running, 30000);
    QElapsedTimer timer;
    timer.start();
    ::kill(worker->processId(), SIGTERM);
    QVERIFY(worker->waitForFinished(20000));
    QVERIFY2(timer.elapsed() < 1000 + 5000 + 3000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(worker->exitStatus(), QProcess::NormalExit);
    QCOMPARE(worker->exitCode(), 0);
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Queued);
    QCOMPARE(job->retryCount, 0);
}

void TestWorkerProcesses::survivesPostgresRestart()
{
    const QString pgDir = qEnvironmentVariable("CALLBOARD_TEST_PG_DIR");
    QVERIFY2(!pgDir.isEmpty(), "CALLBOARD_TEST_PG_DIR is not set: run through scripts/test.sh");
    TestDatabase db(QStringLiteral("postgres"));
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    {
        JobQueue queue(db.db());
        QList<EnqueueInput> inputs;
        for (int i = 0; i < 200; ++i) {
            EnqueueInput input;
            input.filename = QStringLiteral("r%1.txt").arg(i);
            input.rawText = "ACT I\n\nHAMLET. Line " + QByteArray::number(i) + ".\n\nHORATIO. Reply.\n";
            input.maxRetries = 10;
            inputs << input;
        }
        queue.enqueueMany(inputs);
    }
    QList<QProcess *> workers;
    for (int p = 0; p < 2; ++p)
        workers << startWorker(db, {"--workers", "2", "--lock-seconds", "3", "--heartbeat-seconds", "1"},
                               {{"CALLBOARD_CHUNK_DELAY_MS", "20"}, {"CALLBOARD_POLL_MS", "500"}});
    QTRY_VERIFY_WITH_TIMEOUT(scalar(db.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob" WHERE "status" = 'completed')")) >= 20, 30000);
    QProcess restart;
    restart.start(QStringLiteral("bash"), {QStringLiteral(PG_SCRIPT), QStringLiteral("restart"), pgDir});
    QVERIFY(restart.waitForFinished(60000));
    QCOMPARE(restart.exitCode(), 0);
    // The test's own connection died with the server: reconnect.
    TestDatabase::reopen(db);
    QTRY_COMPARE_WITH_TIMEOUT(scalar(db.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob" WHERE "status" = 'completed')")), 200, 120000);
    for (QProcess *worker : workers) {
        worker->terminate();
        QVERIFY(worker->waitForFinished(15000));
        QCOMPARE(worker->exitCode(), 0);
    }
    QCOMPARE(scalar(db.db(), QStringLiteral(R"(SELECT COUNT(*) FROM (SELECT "jobId" FROM "JobEvent"
        WHERE "event" = 'completed' GROUP BY "jobId" HAVING COUNT(*) <> 1) x)")), 0);
}

QTEST_GUILESS_MAIN(TestWorkerProcesses)
#include "tst_workerprocesses.moc"

// Starting a job over (JobQueue::restart) and what a drained worker leaves (leftoverWork).
#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "testdatabase.h"

#include <QJsonArray>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QThread>

using namespace Engine;

namespace {

EnqueueInput play(const QString &name, const QJsonObject &config = {})
{
    EnqueueInput input;
    input.filename = name;
    input.rawText = QByteArrayLiteral("HAMLET. To be, or not to be.\nHORATIO. My lord.\n");
    input.config = config;
    return input;
}

ProgressUpdate progress(int done, int total)
{
    ProgressUpdate update;
    update.completedChunks = done;
    update.totalChunks = total;
    update.progress = 100.0 * done / total;
    update.currentState = {{QStringLiteral("next"), done}};
    update.chunkDetails = {{QStringLiteral("chunk"), done - 1}};
    return update;
}

std::optional<JobEvent> lastEvent(JobQueue &queue, const QString &id)
{
    const QList<JobEvent> events = queue.events(id);
    if (events.isEmpty())
        return std::nullopt;
    return events.constLast();
}

int eventCount(JobQueue &queue, const QString &id, const QString &name)
{
    int n = 0;
    for (const JobEvent &event : queue.events(id))
        n += event.event == name ? 1 : 0;
    return n;
}

bool exec(QSqlDatabase db, const QString &sql)
{
    QSqlQuery query(db);
    if (query.exec(sql))
        return true;
    qWarning() << sql << query.lastError().text();
    return false;
}

int scalar(QSqlDatabase db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return -1;
    return query.value(0).toInt();
}

/// A job that ran two of four chunks, failed for good, and so has everything restart clears.
QString failedHalfway(JobQueue &queue, const QJsonObject &config = {})
{
    const QString id = queue.enqueue(play(QStringLiteral("half.txt"), config));
    if (!queue.claimNext(QStringLiteral("w-1")))
        return {};
    queue.updateProgress(id, QStringLiteral("w-1"), progress(1, 4));
    queue.updateProgress(id, QStringLiteral("w-1"), progress(2, 4));
    queue.handleFailure(id, QStringLiteral("w-1"), QStringLiteral("the model said no"), true);
    return id;
}

} // namespace

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

class TestJobControl final : public QObject
{
    Q_OBJECT

private slots:
    BACKENDS(restartClearsTheCheckpointAndQueues)
    BACKENDS(restartChangesTheConfigurationAndSaysSo)
    BACKENDS(restartWritesTheProviderKeyTheConfigUses)
    BACKENDS(restartFromEveryStateButRunning)
    BACKENDS(restartRefusesALiveRunningJob)
    BACKENDS(restartTakesADeadOwnersJob)
    BACKENDS(restartRefusesBadChangesAndChangesNothing)
    BACKENDS(restartDeletesTheJobsChunkResults)
    BACKENDS(restartOfAnUnknownJob)
    BACKENDS(leftoverWorkOfAnEmptyQueue)
    BACKENDS(leftoverWorkNamesOtherWorkersAndDueTimes)
};

void TestJobControl::restartClearsTheCheckpointAndQueues()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = failedHalfway(queue);
    QVERIFY(!id.isEmpty());
    const auto before = queue.job(id, true);
    QCOMPARE(before->status, JobStatus::Failed);
    QCOMPARE(before->completedChunks, 2);
    QVERIFY(!before->currentState.isEmpty());
    QCOMPARE(before->checkpoints.size(), 2);

    QCOMPARE(queue.restart(id, QStringLiteral("alice")), JobStatus::Queued);
    const auto job = queue.job(id, true);
    QCOMPARE(job->status, JobStatus::Queued);
    QCOMPARE(job->completedChunks, 0);
    QVERIFY(!job->totalChunks);
    QCOMPARE(job->progress, 0.0);
    QVERIFY(job->currentState.isEmpty());
    QVERIFY(job->checkpoints.isEmpty());
    QCOMPARE(job->retryCount, 0);
    QVERIFY(job->lastError.isEmpty());
    QVERIFY(job->failureReason.isEmpty());
    QVERIFY(!job->completedAt.isValid());
    QVERIFY(!job->startedAt.isValid());
    QVERIFY(job->workerId.isEmpty());

    const auto event = lastEvent(queue, id);
    QCOMPARE(event->event, QStringLiteral("restarted"));
    QCOMPARE(event->details.value(QStringLiteral("actor")).toString(), QStringLiteral("alice"));
    QCOMPARE(event->details.value(QStringLiteral("from")).toString(), QStringLiteral("failed"));
    QCOMPARE(event->details.value(QStringLiteral("to")).toString(), QStringLiteral("queued"));
    const QJsonObject cleared = event->details.value(QStringLiteral("cleared")).toObject();
    QCOMPARE(cleared.value(QStringLiteral("completedChunks")).toInt(), 2);
    QCOMPARE(cleared.value(QStringLiteral("totalChunks")).toInt(), 4);
    QVERIFY(event->details.value(QStringLiteral("changes")).toObject().isEmpty());

    // The next claim starts from the first chunk, not from the old checkpoint.
    const auto claimed = queue.claimNext(QStringLiteral("w-2"));
    QVERIFY(claimed);
    QCOMPARE(claimed->id, id);
    QVERIFY(claimed->currentState.isEmpty());
    QCOMPARE(claimed->completedChunks, 0);
}

void TestJobControl::restartChangesTheConfigurationAndSaysSo()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = failedHalfway(queue, {{QStringLiteral("chunkSize"), 200},
                                             {QStringLiteral("model"), QStringLiteral("m")}});
    queue.restart(id, QStringLiteral("cli"),
                  {{QStringLiteral("chunkSize"), 50},
                   {QStringLiteral("provider"), QStringLiteral("openai")}});
    const auto job = queue.job(id);
    QCOMPARE(job->config.value(QStringLiteral("chunkSize")).toInt(), 50);
    QCOMPARE(job->config.value(QStringLiteral("provider")).toString(), QStringLiteral("openai"));
    QCOMPARE(job->config.value(QStringLiteral("model")).toString(), QStringLiteral("m"));

    const auto event = lastEvent(queue, id);
    QCOMPARE(event->event, QStringLiteral("restarted"));
    const QJsonObject changes = event->details.value(QStringLiteral("changes")).toObject();
    const QJsonObject chunk = changes.value(QStringLiteral("chunkSize")).toObject();
    QCOMPARE(chunk.value(QStringLiteral("from")).toInt(), 200);
    QCOMPARE(chunk.value(QStringLiteral("to")).toInt(), 50);
    const QJsonObject provider = changes.value(QStringLiteral("provider")).toObject();
    QVERIFY(provider.value(QStringLiteral("from")).isNull());
    QCOMPARE(provider.value(QStringLiteral("to")).toString(), QStringLiteral("openai"));
    QCOMPARE(event->details.value(QStringLiteral("oldConfig")).toObject().value(
                 QStringLiteral("chunkSize")).toInt(), 200);
    QCOMPARE(event->details.value(QStringLiteral("newConfig")).toObject(), job->config);

    // A change to the value it already has is no change.
    queue.restart(id, QStringLiteral("cli"), {{QStringLiteral("chunkSize"), 50}});
    QVERIFY(lastEvent(queue, id)->details.value(QStringLiteral("changes")).toObject().isEmpty());
}

void TestJobControl::restartWritesTheProviderKeyTheConfigUses()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    // The web application's seed writes "llmProvider": it is the one changed, and no second key
    // that could disagree with it appears.
    const QString seed = queue.enqueue(play(QStringLiteral("seed.txt"),
                                            {{QStringLiteral("llmProvider"),
                                              QStringLiteral("openai")}}));
    queue.restart(seed, QStringLiteral("cli"),
                  {{QStringLiteral("provider"), QStringLiteral("heuristic")}});
    QCOMPARE(queue.job(seed)->config,
             (QJsonObject{{QStringLiteral("llmProvider"), QStringLiteral("heuristic")}}));
    const QString both = queue.enqueue(play(QStringLiteral("both.txt"),
                                            {{QStringLiteral("llmProvider"), QStringLiteral("openai")},
                                             {QStringLiteral("provider"), QStringLiteral("openai")}}));
    queue.restart(both, QStringLiteral("cli"),
                  {{QStringLiteral("provider"), QStringLiteral("heuristic")}});
    QCOMPARE(queue.job(both)->config.value(QStringLiteral("llmProvider")).toString(),
             QStringLiteral("heuristic"));
    QCOMPARE(queue.job(both)->config.value(QStringLiteral("provider")).toString(),
             QStringLiteral("heuristic"));
}

void TestJobControl::restartFromEveryStateButRunning()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString queued = queue.enqueue(play(QStringLiteral("queued.txt")));
    const QString paused = queue.enqueue(play(QStringLiteral("paused.txt")));
    queue.pause(paused);
    const QString cancelled = queue.enqueue(play(QStringLiteral("cancelled.txt")));
    queue.cancel(cancelled);

    const QString completed = queue.enqueue(play(QStringLiteral("completed.txt")));
    QVERIFY(queue.claim(completed, QStringLiteral("w-1")));
    QVERIFY(queue.complete(completed, QStringLiteral("w-1"),
                           {{QStringLiteral("title"), QStringLiteral("Done")}}));
    const QString oldPlaybook = queue.job(completed)->playbookId;
    QVERIFY(!oldPlaybook.isEmpty());

    const QString retrying = queue.enqueue(play(QStringLiteral("retrying.txt")));
    QVERIFY(queue.claim(retrying, QStringLiteral("w-1")));
    QCOMPARE(queue.handleFailure(retrying, QStringLiteral("w-1"), QStringLiteral("flaky")),
             FailureOutcome::Retrying);
    QVERIFY(queue.job(retrying)->runAfter.isValid());

    for (const QString &id : {queued, paused, cancelled, completed, retrying}) {
        const JobStatus from = queue.job(id)->status;
        QCOMPARE(queue.restart(id, QStringLiteral("bob")), JobStatus::Queued);
        const auto job = queue.job(id);
        QCOMPARE(job->status, JobStatus::Queued);
        QVERIFY2(!job->runAfter.isValid(), qPrintable(job->filename)); // due at once
        QCOMPARE(lastEvent(queue, id)->details.value(QStringLiteral("from")).toString(),
                 statusName(from));
    }
    // The finished job's playbook reference goes (a new one comes at completion); the event
    // keeps it, and the old playbook row stays for whoever linked it.
    QVERIFY(queue.job(completed)->playbookId.isEmpty());
    QCOMPARE(lastEvent(queue, completed)->details.value(QStringLiteral("cleared")).toObject()
                 .value(QStringLiteral("playbookId")).toString(),
             oldPlaybook);
    QCOMPARE(scalar(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardPlaybook")")), 1);
    QCOMPARE(queue.countsByStatus().value(JobStatus::Queued), 5);
}

void TestJobControl::restartRefusesALiveRunningJob()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("running.txt")));
    QVERIFY(queue.claimNext(QStringLiteral("w-1")));
    queue.updateProgress(id, QStringLiteral("w-1"), progress(1, 3));
    try {
        queue.restart(id, QStringLiteral("cli"), {{QStringLiteral("chunkSize"), 5}});
        QFAIL("a running job was restarted");
    } catch (const JobTransitionError &error) {
        QVERIFY2(error.message().contains(QStringLiteral("running")), qPrintable(error.message()));
        QVERIFY2(error.message().contains(QStringLiteral("w-1")), qPrintable(error.message()));
        QVERIFY2(error.message().contains(QStringLiteral("pause or cancel")),
                 qPrintable(error.message()));
    }
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Running);
    QCOMPARE(job->completedChunks, 1);
    QVERIFY(job->config.isEmpty());
    QCOMPARE(eventCount(queue, id, QStringLiteral("restarted")), 0);
    // Its worker goes on undisturbed.
    QVERIFY(queue.updateProgress(id, QStringLiteral("w-1"), progress(2, 3)).owned);
}

void TestJobControl::restartTakesADeadOwnersJob()
{
    OPEN_TEST_DATABASE(test);
    QueueOptions options;
    options.lockSeconds = 0.2;
    JobQueue queue(test.db(), options);
    const QString id = queue.enqueue(play(QStringLiteral("orphan.txt")));
    QVERIFY(queue.claimNext(QStringLiteral("dead-1")));
    queue.updateProgress(id, QStringLiteral("dead-1"), progress(1, 3));
    QThread::msleep(400);
    QCOMPARE(queue.restart(id, QStringLiteral("cli")), JobStatus::Queued);
    QCOMPARE(lastEvent(queue, id)->details.value(QStringLiteral("previousWorker")).toString(),
             QStringLiteral("dead-1"));
    // The old owner, should it come back, is fenced off.
    QVERIFY(!queue.updateProgress(id, QStringLiteral("dead-1"), progress(2, 3)).owned);
    QCOMPARE(queue.job(id)->completedChunks, 0);
}

void TestJobControl::restartRefusesBadChangesAndChangesNothing()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = failedHalfway(queue, {{QStringLiteral("chunkSize"), 10}});
    const QList<QJsonObject> bad{
        {{QStringLiteral("chunkSize"), 0}},
        {{QStringLiteral("chunkSize"), 2.5}},
        {{QStringLiteral("chunkSize"), QStringLiteral("20")}},
        {{QStringLiteral("provider"), QStringLiteral("gpt")}},
        {{QStringLiteral("provider"), 3}},
        {{QStringLiteral("maxRetries"), 9}},
        // One good change beside a bad one: neither is made.
        {{QStringLiteral("chunkSize"), 30}, {QStringLiteral("provider"), QStringLiteral("x")}},
    };
    for (const QJsonObject &changes : bad) {
        QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.restart(id, QStringLiteral("cli"), changes));
        const auto job = queue.job(id, true);
        QCOMPARE(job->status, JobStatus::Failed);
        QCOMPARE(job->completedChunks, 2);
        QCOMPARE(job->config.value(QStringLiteral("chunkSize")).toInt(), 10);
    }
    QCOMPARE(eventCount(queue, id, QStringLiteral("restarted")), 0);
}

void TestJobControl::restartDeletesTheJobsChunkResults()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = failedHalfway(queue);
    const QString other = queue.enqueue(play(QStringLiteral("other.txt")));
    // What the first run (and another job) parsed, as the parser stores it.
    for (const QString &job : {id, other})
        for (int chunk : {0, 1})
            QVERIFY(exec(test.db(), QStringLiteral(R"(INSERT INTO "CallboardChunkResult"
                ("jobId", "firstChunk", "chunkCount", "ops") VALUES ('%1', %2, 1, '[]'))")
                                        .arg(job).arg(chunk)));
    QCOMPARE(queue.restart(id, QStringLiteral("cli")), JobStatus::Queued);
    QCOMPARE(scalar(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardChunkResult"
        WHERE "jobId" = '%1')").arg(id)), 0);
    QCOMPARE(scalar(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardChunkResult"
        WHERE "jobId" = '%1')").arg(other)), 2);
}

void TestJobControl::restartOfAnUnknownJob()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    QVERIFY_THROWS_EXCEPTION(JobNotFoundError, queue.restart(QStringLiteral("nope")));
}

void TestJobControl::leftoverWorkOfAnEmptyQueue()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    LeftoverWork left = queue.leftoverWork();
    QVERIFY(left.isEmpty());
    QCOMPARE(left.summary(), QStringLiteral("nothing"));
    // A job anyone may claim now is no leftover but work.
    queue.enqueue(play(QStringLiteral("now.txt")));
    left = queue.leftoverWork();
    QVERIFY(left.claimableNow);
    QCOMPARE(left.runningCount + left.waitingCount, 0);
}

void TestJobControl::leftoverWorkNamesOtherWorkersAndDueTimes()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString running = queue.enqueue(play(QStringLiteral("held.txt")));
    QVERIFY(queue.claim(running, QStringLiteral("elsewhere-7-0")));
    const QString retrying = queue.enqueue(play(QStringLiteral("flaky.txt")));
    QVERIFY(queue.claim(retrying, QStringLiteral("w-1")));
    QCOMPARE(queue.handleFailure(retrying, QStringLiteral("w-1"), QStringLiteral("timeout")),
             FailureOutcome::Retrying);
    EnqueueInput later = play(QStringLiteral("later.txt"));
    later.runAfter = QDateTime::currentDateTimeUtc().addSecs(3600);
    const QString scheduled = queue.enqueue(later);
    queue.pause(queue.enqueue(play(QStringLiteral("paused.txt")))); // no worker's business

    const LeftoverWork left = queue.leftoverWork();
    QVERIFY(!left.claimableNow);
    QCOMPARE(left.runningCount, 1);
    QCOMPARE(left.running.constFirst().id, running);
    QCOMPARE(left.running.constFirst().workerId, QStringLiteral("elsewhere-7-0"));
    QVERIFY(left.running.constFirst().until > left.databaseNow.addSecs(500)); // 600 s lock
    QCOMPARE(left.waitingCount, 2);
    QCOMPARE(left.waiting.at(0).id, retrying); // due first
    QCOMPARE(left.waiting.at(0).status, JobStatus::Retrying);
    QCOMPARE(left.waiting.at(1).id, scheduled);
    QVERIFY(left.waiting.at(0).until > left.databaseNow);
    const QString summary = left.summary();
    QVERIFY2(summary.contains(QStringLiteral("1 running under other workers' locks")),
             qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("elsewhere-7-0")), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("2 waiting")), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("retrying, due ")), qPrintable(summary));
    QVERIFY2(summary.contains(running.left(8)), qPrintable(summary));

    // The limit shortens the lists, not the counts.
    const LeftoverWork one = queue.leftoverWork(1);
    QCOMPARE(one.waiting.size(), 1);
    QCOMPARE(one.waitingCount, 2);
    QVERIFY2(one.summary().contains(QStringLiteral("and 1 more")), qPrintable(one.summary()));
}

QTEST_GUILESS_MAIN(TestJobControl)
#include "tst_jobcontrol.moc"

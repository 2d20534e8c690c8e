#include "engine/database.h"
#include "engine/joberrors.h"
#include "engine/jobnotifier.h"
#include "engine/jobqueue.h"
#include "testdatabase.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>
#include <QThread>
#include <QUuid>

using namespace Engine;

namespace {

EnqueueInput play(const QString &name, int priority = 0, int maxRetries = 3)
{
    EnqueueInput input;
    input.filename = name;
    input.rawText = QByteArrayLiteral("HAMLET. To be, or not to be.\nHORATIO. My lord.\n");
    input.priority = priority;
    input.maxRetries = maxRetries;
    return input;
}

int jobCount(QSqlDatabase db)
{
    QSqlQuery query(db);
    query.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")"));
    query.next();
    return query.value(0).toInt();
}

QStringList eventNames(JobQueue &queue, const QString &id)
{
    QStringList names;
    for (const JobEvent &event : queue.events(id))
        names << event.event;
    return names;
}

ProgressUpdate progress(int done, int total, QJsonObject state = {})
{
    ProgressUpdate update;
    update.completedChunks = done;
    update.totalChunks = total;
    update.progress = 100.0 * done / total;
    update.currentState = state;
    update.chunkDetails = {{QStringLiteral("chunk"), done - 1}, {QStringLiteral("ms"), 3}};
    return update;
}

// Polls until a job becomes claimable (QTRY_* would evaluate a claim twice).
std::optional<Job> claimWithin(JobQueue &queue, const QString &worker, int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms) {
        if (auto job = queue.claimNext(worker))
            return job;
        QThread::msleep(20);
    }
    return std::nullopt;
}

} // namespace

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

class TestJobQueue final : public QObject
{
    Q_OBJECT

private slots:
    BACKENDS(enqueueDefaults)
    void rejectsBadInput_data();
    void rejectsBadInput();
    void sessionSettingsKeepTheOperatorsOptions();
    BACKENDS(bulkIsAllOrNothing)
    BACKENDS(serverRefusingALaterBatchKeepsNothing)
    BACKENDS(bulkKeepsEveryCharacterAndOrder)
    BACKENDS(claimOrder)
    BACKENDS(claimEmptyQueue)
    BACKENDS(claimSetsLockFields)
    BACKENDS(expiredLockIsReclaimedAndOldOwnerFenced)
    BACKENDS(renewLockOwnerAndStranger)
    BACKENDS(completeClearsLockAndStoresPlaybook)
    BACKENDS(handleFailureRetriesThenFails)
    BACKENDS(retryingWaitsForRunAfter)
    BACKENDS(permanentFailureFailsAtOnce)
    BACKENDS(pauseRunningJobAtChunkBoundary)
    BACKENDS(cancelRunningJobAtChunkBoundary)
    BACKENDS(controlOfQueuedJobAppliesAtOnce)
    BACKENDS(controlOfDeadOwnersJobAppliesAtOnce)
    BACKENDS(retryResetsCountAndKeepsCheckpoint)
    BACKENDS(forbiddenControlIsRefused)
    BACKENDS(setPriority)
    BACKENDS(progressIsValidated)
    BACKENDS(releaseKeepsCheckpoint)
    BACKENDS(eventsOfAFullLife)
    BACKENDS(changesArePublished)
    BACKENDS(completeAndClaimNext)
    BACKENDS(completeAndClaimBatch)
    BACKENDS(onlyClaimableChangesWakeWorkers)
    void serverEchoOfOwnChangeWakesNobodyTwice();
    BACKENDS(listAndCounts)
    BACKENDS(sameWorkerIdNeverSharesAJob)
    BACKENDS(failureWithPendingCancelIsCancelled)
    BACKENDS(failureWithPendingPauseIsPaused)
    BACKENDS(releaseWithPendingPauseIsPaused)
    BACKENDS(releaseWithPendingCancelIsCancelled)
    BACKENDS(backoffDoublesAndJitterStaysUnderTheCap)
};

void TestJobQueue::failureWithPendingCancelIsCancelled()
{
    OPEN_TEST_DATABASE(test);
    QueueOptions options;
    options.backoffBaseMs = 10;
    JobQueue queue(test.db(), options);
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    QVERIFY(queue.claimNext(QStringLiteral("w")));
    QCOMPARE(queue.cancel(id), JobStatus::Running);  // a request to the worker
    QCOMPARE(queue.handleFailure(id, QStringLiteral("w"), QStringLiteral("LLM timeout")),
             FailureOutcome::Cancelled);
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Cancelled);
    QVERIFY(job->controlRequest.isEmpty());
    QCOMPARE(job->retryCount, 0);
    QCOMPARE(job->lastError, QStringLiteral("LLM timeout"));
    QVERIFY(job->workerId.isNull());
    const JobEvent last = queue.events(id).last();
    QCOMPARE(last.event, QStringLiteral("cancelled"));
    QCOMPARE(last.details.value(QStringLiteral("error")).toString(), QStringLiteral("LLM timeout"));
    QThread::msleep(50);  // past any backoff: a cancelled play is never parsed again
    QVERIFY(!queue.claimNext(QStringLiteral("w2")));
}

void TestJobQueue::failureWithPendingPauseIsPaused()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    QVERIFY(queue.claimNext(QStringLiteral("w")));
    queue.pause(id);
    QCOMPARE(queue.handleFailure(id, QStringLiteral("w"), QStringLiteral("boom"), true),
             FailureOutcome::Paused);
    QCOMPARE(queue.job(id)->status, JobStatus::Paused);
    QCOMPARE(queue.events(id).last().event, QStringLiteral("paused"));
    QCOMPARE(queue.resume(id), JobStatus::Queued);
}

void TestJobQueue::releaseWithPendingPauseIsPaused()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    QVERIFY(queue.claimNext(QStringLiteral("w")));
    queue.pause(id);
    QVERIFY(queue.release(id, QStringLiteral("w"), QStringLiteral("shutdown")));
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Paused);  // not queued: the pause is kept
    QVERIFY(job->controlRequest.isEmpty());
    const JobEvent last = queue.events(id).last();
    QCOMPARE(last.event, QStringLiteral("paused"));
    QCOMPARE(last.details.value(QStringLiteral("reason")).toString(), QStringLiteral("shutdown"));
    QVERIFY(!queue.claimNext(QStringLiteral("w2")));
    // A stranger's release changes nothing.
    QVERIFY(!queue.release(id, QStringLiteral("w"), QStringLiteral("shutdown")));
}

void TestJobQueue::releaseWithPendingCancelIsCancelled()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    QVERIFY(queue.claimNext(QStringLiteral("w")));
    queue.cancel(id);
    QVERIFY(queue.release(id, QStringLiteral("w"), QStringLiteral("shutdown")));
    QCOMPARE(queue.job(id)->status, JobStatus::Cancelled);
    QVERIFY(!queue.claimNext(QStringLiteral("w2")));
}

void TestJobQueue::backoffDoublesAndJitterStaysUnderTheCap()
{
    OPEN_TEST_DATABASE(test);
    QueueOptions options;  // the defaults: 1 s doubled per retry, 60 s at most
    JobQueue queue(test.db(), options);
    QCOMPARE(options.backoffBaseMs, 1000);
    QCOMPARE(options.backoffMaxMs, 60000);
    auto delayAfterRetries = [&](int retries) -> qint64 {
        const QString id = queue.enqueue(play(QStringLiteral("r%1").arg(retries), 0, 100));
        QSqlQuery set(test.db());
        set.prepare(QStringLiteral(R"(UPDATE "ParseJob" SET "retryCount" = :n WHERE "id" = :id)"));
        set.bindValue(QStringLiteral(":n"), retries);
        set.bindValue(QStringLiteral(":id"), id);
        if (!set.exec())
            return -1;
        // This job: an earlier one whose 1 s backoff ran out meanwhile (a slow machine) would
        // come first in claimNext's order.
        const auto claimed = queue.claim(id, QStringLiteral("w"));
        if (!claimed || claimed->id != id)
            return -2;
        if (queue.handleFailure(id, QStringLiteral("w"), QStringLiteral("flaky"))
            != FailureOutcome::Retrying)
            return -3;
        return qint64(queue.events(id).last().details.value(QStringLiteral("delayMs")).toDouble());
    };
    for (int retries = 0; retries < 5; ++retries) {
        const qint64 delay = delayAfterRetries(retries);
        const qint64 base = 1000LL << retries;
        QVERIFY2(delay >= base && delay <= base + base / 10,
                 qPrintable(QStringLiteral("retry %1: %2 ms").arg(retries).arg(delay)));
    }
    // At the cap, 0–10 % jitter would reach 66 s: it never passes 60 s.
    for (int attempt = 0; attempt < 30; ++attempt) {
        const qint64 delay = delayAfterRetries(12);
        QVERIFY2(delay > 0 && delay <= 60000, qPrintable(QString::number(delay)));
    }
}

void TestJobQueue::sameWorkerIdNeverSharesAJob()
{
    // Seed T346: two workers misconfigured with one id still never run one job together.
    OPEN_TEST_DATABASE(test);
    JobQueue first(test.db());
    ScopedConnection other(test.url(), QStringLiteral("twin"));
    JobQueue second(other.database());
    const QString a = first.enqueue(play(QStringLiteral("a")));
    const QString b = first.enqueue(play(QStringLiteral("b")));
    const auto one = first.claimNext(QStringLiteral("twin-0"));
    const auto two = second.claimNext(QStringLiteral("twin-0"));
    QVERIFY(one && two);
    QVERIFY(one->id != two->id);
    QCOMPARE(QSet<QString>({one->id, two->id}), QSet<QString>({a, b}));
    QVERIFY(!second.claimNext(QStringLiteral("twin-0")));
}

void TestJobQueue::enqueueDefaults()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("hamlet.txt")));
    QVERIFY(!QUuid::fromString(id).isNull());
    const auto job = queue.job(id, true);
    QVERIFY(job);
    QCOMPARE(job->status, JobStatus::Queued);
    QCOMPARE(job->type, QStringLiteral("PARSE_PLAY"));
    QCOMPARE(job->priority, 0);
    QCOMPARE(job->retryCount, 0);
    QCOMPARE(job->maxRetries, 3);
    QCOMPARE(job->progress, 0.0);
    QCOMPARE(job->completedChunks, 0);
    QVERIFY(job->workerId.isNull());
    QVERIFY(job->createdAt.isValid());
    QVERIFY(qAbs(job->createdAt.secsTo(QDateTime::currentDateTimeUtc())) < 30);
    QVERIFY(job->rawText.startsWith(QStringLiteral("HAMLET.")));
    QCOMPARE(job->checkpoints.size(), 0);
    QCOMPARE(eventNames(queue, id), QStringList{QStringLiteral("enqueued")});
    const QString high = queue.enqueue(play(QStringLiteral("b.txt"), 7));
    QCOMPARE(queue.job(high)->priority, 7);
}

void TestJobQueue::rejectsBadInput_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("filename");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("priority");
    QTest::addColumn<int>("maxRetries");
    QTest::addColumn<QString>("message");
    const QByteArray ok("A. line\n");
    for (const char *backend : {"sqlite", "postgres"}) {
        auto row = [&](const char *name) {
            return &(QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(backend),
                                                                         QLatin1String(name))))
                     << QString::fromLatin1(backend));
        };
        *row("empty") << "a.txt" << QByteArray() << 0 << 3 << "is empty";
        *row("blank") << "a.txt" << QByteArray(" \n\t\n") << 0 << 3 << "is empty";
        *row("no filename") << "" << ok << 0 << 3 << "needs a filename";
        *row("not utf8") << "a.txt" << QByteArray("caf\xe9 cr\xe8me\n") << 0 << 3 << "not valid UTF-8";
        *row("binary") << "a.bin" << QByteArray("\x7f" "ELF\0\0\x01", 7) << 0 << 3 << "not a text file";
        *row("too large") << "big.txt" << QByteArray(2048, 'x') << 0 << 3 << "over the limit";
        *row("priority") << "a.txt" << ok << 5000 << 3 << "Priority 5000 is out of range";
        *row("maxRetries") << "a.txt" << ok << 0 << -1 << "maxRetries -1 is out of range";
    }
}

void TestJobQueue::rejectsBadInput()
{
    OPEN_TEST_DATABASE(test);
    QFETCH(QString, filename);
    QFETCH(QByteArray, text);
    QFETCH(int, priority);
    QFETCH(int, maxRetries);
    QFETCH(QString, message);
    QueueOptions options;
    options.maxTextBytes = 1024;
    JobQueue queue(test.db(), options);
    queue.enqueue(play(QStringLiteral("good.txt")));
    EnqueueInput input{filename, text, priority, maxRetries, {}, std::nullopt, {}};
    try {
        queue.enqueue(input);
        QFAIL("bad input was accepted");
    } catch (const JobEnqueueError &error) {
        QVERIFY2(error.message().contains(message), qPrintable(error.message()));
    }
    QCOMPARE(jobCount(test.db()), 1);
}

void TestJobQueue::bulkIsAllOrNothing()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    QList<EnqueueInput> inputs;
    for (int i = 0; i < 20; ++i)
        inputs << play(QStringLiteral("p%1.txt").arg(i));
    inputs[13].rawText.clear();
    QVERIFY_THROWS_EXCEPTION(JobEnqueueError, queue.enqueueMany(inputs));
    QCOMPARE(jobCount(test.db()), 0);
    inputs[13] = play(QStringLiteral("fixed.txt"));
    QCOMPARE(queue.enqueueMany(inputs).size(), 20);
    QCOMPARE(jobCount(test.db()), 20);
}

// The server refuses a row in the last of several statements, after the first ones went (on
// PostgreSQL, down a pipeline, without waiting for their results): nothing is kept, the error is
// the server's, and the connection works on.
void TestJobQueue::serverRefusingALaterBatchKeepsNothing()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    QSqlQuery setup(test.db());
    QVERIFY(setup.exec(test.isPostgres()
                           ? QStringLiteral(R"(ALTER TABLE "ParseJob" ADD CONSTRAINT "noPoison"
                                               CHECK ("filename" <> 'poison.txt'))")
                           : QStringLiteral(R"(CREATE TRIGGER "noPoison" BEFORE INSERT ON "ParseJob"
                                               WHEN NEW."filename" = 'poison.txt'
                                               BEGIN SELECT RAISE(ABORT, 'noPoison'); END)")));
    QList<EnqueueInput> inputs;
    for (int i = 0; i < 4500; ++i)
        inputs << play(i == 4400 ? QStringLiteral("poison.txt") : QStringLiteral("p%1.txt").arg(i));
    try {
        queue.enqueueMany(inputs);
        QFAIL("the refused row was not reported");
    } catch (const DatabaseError &error) {
        QVERIFY2(error.message().contains(QLatin1String("noPoison")), qPrintable(error.message()));
    }
    QCOMPARE(jobCount(test.db()), 0);

    // The same through the streaming enqueue (the command line's): three batches of 1,500.
    int batch = 0;
    try {
        queue.enqueueStream([&] {
            return batch < 3 ? inputs.mid(1500 * batch++, 1500) : QList<EnqueueInput>{};
        });
        QFAIL("the refused row was not reported");
    } catch (const DatabaseError &error) {
        QVERIFY2(error.message().contains(QLatin1String("noPoison")), qPrintable(error.message()));
    }
    QCOMPARE(jobCount(test.db()), 0);

    inputs[4400] = play(QStringLiteral("fixed.txt"));
    QCOMPARE(queue.enqueueMany(inputs).size(), 4500);
    QCOMPARE(jobCount(test.db()), 4500);
}

void TestJobQueue::bulkKeepsEveryCharacterAndOrder()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    // Quotes, backslashes, control characters, CR/LF/tab, non-ASCII and a four-byte character,
    // in the text and in the file name; enough jobs for several statements.
    const QByteArray text = QByteArrayLiteral("HAMLET. \"To be\", or not\\to be.\r\n\tOPHELIA. \x01\x1f "
                                              "Ach, L\xc3\xa9" "a \xf0\x9f\x8e\xad </x>\n");
    const QString name = QStringLiteral("play \"quoted\" \\ back\tslash \u00e9\U0001F3AD.txt");
    QList<EnqueueInput> inputs;
    for (int i = 0; i < 4500; ++i) {
        EnqueueInput input = play(name + QString::number(i), i % 7);
        input.rawText = text + QByteArray::number(i);
        input.config = QJsonObject{{QStringLiteral("chunkSize"), 10 + i % 3},
                                   {QStringLiteral("note"), QStringLiteral("a \"b\"")}};
        if (i == 4499)
            input.runAfter = QDateTime(QDate(2030, 1, 2), QTime(3, 4, 5, 600), Qt::UTC);
        inputs << input;
    }
    const QStringList ids = queue.enqueueMany(inputs, QStringLiteral("tester"));
    QCOMPARE(ids.size(), inputs.size());
    for (int i : {0, 1999, 2000, 4499}) {
        const auto job = queue.job(ids.at(i), true);
        QVERIFY(job);
        QCOMPARE(job->filename, name + QString::number(i));
        QCOMPARE(job->rawText, QString::fromUtf8(text + QByteArray::number(i)));
        QCOMPARE(job->priority, i % 7);
        QCOMPARE(job->config.value(QStringLiteral("chunkSize")).toInt(), 10 + i % 3);
        QCOMPARE(job->config.value(QStringLiteral("note")).toString(), QStringLiteral("a \"b\""));
    }
    QCOMPARE(queue.job(ids.last())->runAfter,
             QDateTime(QDate(2030, 1, 2), QTime(3, 4, 5, 600), Qt::UTC));
    QCOMPARE(jobCount(test.db()), 4500);
    // Job ids are random UUIDs, so that a short prefix names one job; the timeline opens with
    // who enqueued the job.
    QCOMPARE(QUuid::fromString(ids.first()).version(), QUuid::Random);
    QSet<QString> prefixes;
    for (const QString &id : ids)
        prefixes.insert(id.left(8));
    QVERIFY(prefixes.size() > 4490);
    const QList<JobEvent> events = queue.events(ids.first());
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.first().event, QStringLiteral("enqueued"));
    QCOMPARE(events.first().details.value(QStringLiteral("actor")).toString(), QStringLiteral("tester"));
}

void TestJobQueue::claimOrder()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString low = queue.enqueue(play(QStringLiteral("low"), 0));
    const QString mid = queue.enqueue(play(QStringLiteral("mid"), 5));
    const QString high = queue.enqueue(play(QStringLiteral("high"), 10));
    QThread::msleep(5);
    const QString midLater = queue.enqueue(play(QStringLiteral("mid2"), 5));
    QCOMPARE(queue.claimNext(QStringLiteral("w"))->id, high);
    QCOMPARE(queue.claimNext(QStringLiteral("w"))->id, mid);
    QCOMPARE(queue.claimNext(QStringLiteral("w"))->id, midLater);
    QCOMPARE(queue.claimNext(QStringLiteral("w"))->id, low);
    QVERIFY(!queue.claimNext(QStringLiteral("w")));
}

void TestJobQueue::claimEmptyQueue()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    QVERIFY(!queue.claimNext(QStringLiteral("w")).has_value());
    QVERIFY(!queue.claimNext(QStringLiteral("w")).has_value());
}

void TestJobQueue::claimSetsLockFields()
{
    OPEN_TEST_DATABASE(test);
    QueueOptions options;
    options.lockSeconds = 120;
    JobQueue queue(test.db(), options);
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    const auto claimed = queue.claimNext(QStringLiteral("host-1-0"));
    QVERIFY(claimed);
    QCOMPARE(claimed->id, id);
    QCOMPARE(claimed->status, JobStatus::Running);
    QCOMPARE(claimed->workerId, QStringLiteral("host-1-0"));
    QVERIFY(claimed->lockedAt.isValid());
    QCOMPARE(claimed->lockedAt.msecsTo(claimed->lockExpiry), 120000);
    QCOMPARE(claimed->startedAt, claimed->lockedAt);
    QVERIFY(!claimed->rawText.isEmpty());
    const auto stored = queue.job(id);
    QCOMPARE(stored->lockExpiry, claimed->lockExpiry);
    QCOMPARE(eventNames(queue, id), (QStringList{"enqueued", "claimed"}));
    QCOMPARE(queue.events(id).last().details.value(QStringLiteral("actor")).toString(),
             QStringLiteral("host-1-0"));
}

void TestJobQueue::expiredLockIsReclaimedAndOldOwnerFenced()
{
    OPEN_TEST_DATABASE(test);
    QueueOptions options;
    options.lockSeconds = 0.3;
    JobQueue queue(test.db(), options);
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    const auto first = queue.claimNext(QStringLiteral("dead"));
    QVERIFY(first);
    QVERIFY(!queue.claimNext(QStringLiteral("other"))); // still locked
    QThread::msleep(450);
    const auto second = queue.claimNext(QStringLiteral("alive"));
    QVERIFY(second);
    QCOMPARE(second->id, id);
    QCOMPARE(second->startedAt, first->startedAt); // startedAt kept
    QCOMPARE(queue.events(id).last().event, QStringLiteral("reclaimed"));
    QCOMPARE(queue.events(id).last().details.value(QStringLiteral("previousWorker")).toString(),
             QStringLiteral("dead"));
    // The old owner can no longer change the job.
    QVERIFY(!queue.updateProgress(id, QStringLiteral("dead"), progress(1, 2)).owned);
    QVERIFY(!queue.complete(id, QStringLiteral("dead")));
    QCOMPARE(queue.handleFailure(id, QStringLiteral("dead"), QStringLiteral("x")),
             FailureOutcome::LockLost);
    QVERIFY(!queue.renewLock(id, QStringLiteral("dead")));
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Running);
    QCOMPARE(job->workerId, QStringLiteral("alive"));
    QCOMPARE(job->completedChunks, 0);
    QVERIFY(queue.complete(id, QStringLiteral("alive")));
}

void TestJobQueue::renewLockOwnerAndStranger()
{
    OPEN_TEST_DATABASE(test);
    QueueOptions options;
    options.lockSeconds = 5;
    JobQueue queue(test.db(), options);
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    const auto claimed = queue.claimNext(QStringLiteral("owner"));
    QThread::msleep(30);
    QVERIFY(queue.renewLock(id, QStringLiteral("owner")));
    QVERIFY(queue.job(id)->lockExpiry > claimed->lockExpiry);
    QVERIFY(!queue.renewLock(id, QStringLiteral("stranger")));
    QVERIFY(!queue.renewLock(QStringLiteral("no-such-job"), QStringLiteral("owner")));
}

void TestJobQueue::completeClearsLockAndStoresPlaybook()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    queue.claimNext(QStringLiteral("w"));
    const QJsonObject playbook{
        {QStringLiteral("title"), QStringLiteral("Hamlet")},
        {QStringLiteral("characters"), QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("HAMLET")}}}},
        {QStringLiteral("acts"), QJsonArray{QJsonObject{
             {QStringLiteral("title"), QStringLiteral("ACT I.")},
             {QStringLiteral("scenes"), QJsonArray{QJsonObject{
                  {QStringLiteral("title"), QJsonValue::Null},
                  {QStringLiteral("speeches"), QJsonArray{QJsonObject{{QStringLiteral("speaker"), QStringLiteral("HAMLET")},
                                                                      {QStringLiteral("text"), QStringLiteral("To be")}}}}}}}}}}};
    QVERIFY(queue.complete(id, QStringLiteral("w"), playbook));
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Completed);
    QVERIFY(job->workerId.isNull());
    QVERIFY(!job->lockedAt.isValid());
    QVERIFY(!job->lockExpiry.isValid());
    QVERIFY(job->completedAt.isValid());
    QCOMPARE(job->progress, 100.0);
    QVERIFY(!job->playbookId.isEmpty());
    const auto stored = queue.playbook(id);
    QVERIFY(stored);
    QCOMPARE(stored->title, QStringLiteral("Hamlet"));
    QCOMPARE(stored->speechCount, 1);
    QCOMPARE(stored->sceneCount, 1);
    QCOMPARE(stored->document, playbook);
    QVERIFY(!queue.complete(id, QStringLiteral("w"))); // twice: nothing to complete

    // Stored as JSON text: json on PostgreSQL (not rebuilt as jsonb), text on SQLite (the
    // UTF-8 bytes bound as they are must not land as a blob).
    QSqlQuery type(test.db());
    QVERIFY(type.exec(test.isPostgres()
                          ? QStringLiteral(R"(SELECT pg_typeof("document")::text, "document"->>'title' FROM "CallboardPlaybook")")
                          : QStringLiteral(R"(SELECT typeof("document"), json_extract("document", '$.title') FROM "CallboardPlaybook")")));
    QVERIFY(type.next());
    QCOMPARE(type.value(0).toString(), test.isPostgres() ? QStringLiteral("json") : QStringLiteral("text"));
    QCOMPARE(type.value(1).toString(), QStringLiteral("Hamlet"));
}

void TestJobQueue::handleFailureRetriesThenFails()
{
    OPEN_TEST_DATABASE(test);
    QueueOptions options;
    options.backoffBaseMs = 50;
    JobQueue queue(test.db(), options);
    const QString id = queue.enqueue(play(QStringLiteral("a"), 0, 2));
    for (int attempt = 1; attempt <= 2; ++attempt) {
        QVERIFY(claimWithin(queue, QStringLiteral("w"), 3000));
        QCOMPARE(queue.handleFailure(id, QStringLiteral("w"), QStringLiteral("boom %1").arg(attempt)),
                 FailureOutcome::Retrying);
        const auto job = queue.job(id);
        QCOMPARE(job->status, JobStatus::Retrying);
        QCOMPARE(job->retryCount, attempt);
        QCOMPARE(job->lastError, QStringLiteral("boom %1").arg(attempt));
        QVERIFY(job->runAfter.isValid());
        QVERIFY(job->workerId.isNull());
    }
    QVERIFY(claimWithin(queue, QStringLiteral("w"), 3000));
    QCOMPARE(queue.handleFailure(id, QStringLiteral("w"), QStringLiteral("boom 3")),
             FailureOutcome::Failed);
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Failed);
    QCOMPARE(job->retryCount, 2);
    QCOMPARE(job->failureReason, QStringLiteral("Max retries (2) exceeded. Last error: boom 3"));
    QCOMPARE(eventNames(queue, id),
             (QStringList{"enqueued", "claimed", "retry_scheduled", "claimed", "retry_scheduled",
                          "claimed", "failed"}));
}

void TestJobQueue::retryingWaitsForRunAfter()
{
    OPEN_TEST_DATABASE(test);
    QueueOptions options;
    options.backoffBaseMs = 800;
    JobQueue queue(test.db(), options);
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    queue.claimNext(QStringLiteral("w"));
    QElapsedTimer timer;
    timer.start();
    queue.handleFailure(id, QStringLiteral("w"), QStringLiteral("flaky"));
    const auto job = queue.job(id);
    const qint64 delay = job->updatedAt.msecsTo(job->runAfter);
    QVERIFY2(delay >= 800 && delay <= 880 + 5, qPrintable(QString::number(delay)));
    QVERIFY(!queue.claimNext(QStringLiteral("w")));
    QThread::msleep(300);
    QVERIFY(!queue.claimNext(QStringLiteral("w")));
    QVERIFY(claimWithin(queue, QStringLiteral("w"), 3000));
    QVERIFY(timer.elapsed() >= 790);
}

void TestJobQueue::permanentFailureFailsAtOnce()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    queue.claimNext(QStringLiteral("w"));
    QCOMPARE(queue.handleFailure(id, QStringLiteral("w"), QStringLiteral("no speeches found"), true),
             FailureOutcome::Failed);
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Failed);
    QCOMPARE(job->retryCount, 0);
    QCOMPARE(job->failureReason, QStringLiteral("no speeches found"));
}

void TestJobQueue::pauseRunningJobAtChunkBoundary()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    queue.claimNext(QStringLiteral("w"));
    QCOMPARE(queue.pause(id), JobStatus::Running);
    QCOMPARE(queue.job(id)->controlRequest, QStringLiteral("pause"));
    const QJsonObject state{{QStringLiteral("nextChunk"), 1}};
    const ProgressResult result = queue.updateProgress(id, QStringLiteral("w"), progress(1, 3, state));
    QVERIFY(result.owned);
    QCOMPARE(result.control, ControlRequest::Pause);
    QCOMPARE(*queue.honourControlRequest(id, QStringLiteral("w")), JobStatus::Paused);
    auto job = queue.job(id, true);
    QCOMPARE(job->status, JobStatus::Paused);
    QVERIFY(job->workerId.isNull());
    QVERIFY(job->controlRequest.isNull());
    QCOMPARE(job->currentState, state);
    QVERIFY(!queue.claimNext(QStringLiteral("w")));
    QCOMPARE(queue.resume(id), JobStatus::Queued);
    const auto again = queue.claimNext(QStringLiteral("w2"));
    QVERIFY(again);
    QCOMPARE(again->currentState, state);
    QCOMPARE(again->completedChunks, 1);
    QCOMPARE(eventNames(queue, id),
             (QStringList{"enqueued", "claimed", "pause_requested", "progress", "paused",
                          "resumed", "claimed"}));
}

void TestJobQueue::cancelRunningJobAtChunkBoundary()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    queue.claimNext(QStringLiteral("w"));
    QCOMPARE(queue.cancel(id), JobStatus::Running);
    QCOMPARE(queue.updateProgress(id, QStringLiteral("w"), progress(1, 3)).control,
             ControlRequest::Cancel);
    QCOMPARE(*queue.honourControlRequest(id, QStringLiteral("w")), JobStatus::Cancelled);
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Cancelled);
    QVERIFY(job->completedAt.isValid());
    QVERIFY(!queue.claimNext(QStringLiteral("w")));
}

void TestJobQueue::controlOfQueuedJobAppliesAtOnce()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString a = queue.enqueue(play(QStringLiteral("a")));
    const QString b = queue.enqueue(play(QStringLiteral("b")));
    QCOMPARE(queue.pause(a), JobStatus::Paused);
    QCOMPARE(queue.job(a)->status, JobStatus::Paused);
    QCOMPARE(queue.cancel(b), JobStatus::Cancelled);
    QCOMPARE(queue.job(b)->status, JobStatus::Cancelled);
    QVERIFY(!queue.claimNext(QStringLiteral("w")));
    QCOMPARE(queue.cancel(a), JobStatus::Cancelled);
}

void TestJobQueue::controlOfDeadOwnersJobAppliesAtOnce()
{
    OPEN_TEST_DATABASE(test);
    QueueOptions options;
    options.lockSeconds = 0.2;
    JobQueue queue(test.db(), options);
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    queue.claimNext(QStringLiteral("dead"));
    QThread::msleep(300);
    QCOMPARE(queue.pause(id), JobStatus::Paused);
    const auto job = queue.job(id);
    QCOMPARE(job->status, JobStatus::Paused);
    QVERIFY(job->workerId.isNull());
    // A request made while the owner was alive, which then died, is applied by the sweep.
    const QString other = queue.enqueue(play(QStringLiteral("b")));
    queue.resume(id);
    queue.cancel(id);
    queue.claimNext(QStringLiteral("w2")); // claims "other"
    QCOMPARE(queue.cancel(other), JobStatus::Running);
    QThread::msleep(300);
    QVERIFY(!queue.claimNext(QStringLiteral("w3"))); // an expired job with a request is not claimed
    QCOMPARE(queue.applyOrphanedControlRequests(), 1);
    QCOMPARE(queue.job(other)->status, JobStatus::Cancelled);
}

void TestJobQueue::retryResetsCountAndKeepsCheckpoint()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a"), 0, 0));
    queue.claimNext(QStringLiteral("w"));
    const QJsonObject state{{QStringLiteral("nextChunk"), 2}};
    queue.updateProgress(id, QStringLiteral("w"), progress(2, 4, state));
    QCOMPARE(queue.handleFailure(id, QStringLiteral("w"), QStringLiteral("boom")), FailureOutcome::Failed);
    QCOMPARE(queue.retry(id), JobStatus::Queued);
    auto job = queue.job(id, true);
    QCOMPARE(job->status, JobStatus::Queued);
    QCOMPARE(job->retryCount, 0);
    QVERIFY(job->failureReason.isNull());
    QVERIFY(!job->completedAt.isValid());
    QCOMPARE(job->currentState, state);
    QCOMPARE(job->checkpoints.size(), 1);
    QCOMPARE(queue.claimNext(QStringLiteral("w"))->currentState, state);
    queue.cancel(id);
    queue.honourControlRequest(id, QStringLiteral("w"));
    QCOMPARE(queue.retry(id), JobStatus::Queued);
    QCOMPARE(eventNames(queue, id).last(), QStringLiteral("retried"));
}

void TestJobQueue::forbiddenControlIsRefused()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.resume(id));
    QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.retry(id));
    queue.claimNext(QStringLiteral("w"));
    queue.complete(id, QStringLiteral("w"));
    const int events = queue.events(id).size();
    QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.pause(id));
    QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.cancel(id));
    QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.retry(id));
    QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.setPriority(id, 3));
    QVERIFY_THROWS_EXCEPTION(JobNotFoundError, queue.pause(QStringLiteral("missing")));
    QCOMPARE(queue.events(id).size(), events);
    QCOMPARE(queue.job(id)->status, JobStatus::Completed);
}

void TestJobQueue::setPriority()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString a = queue.enqueue(play(QStringLiteral("a")));
    const QString b = queue.enqueue(play(QStringLiteral("b")));
    queue.setPriority(b, 4);
    QCOMPARE(queue.job(b)->priority, 4);
    QCOMPARE(queue.events(b).last().event, QStringLiteral("priority_changed"));
    QCOMPARE(queue.events(b).last().details.value(QStringLiteral("to")).toInt(), 4);
    QCOMPARE(queue.events(b).last().details.value(QStringLiteral("from")).toInt(), 0);
    queue.setPriority(b, 10);
    // The creation entry tells the priority the job was created with, not today's.
    const QList<JobEvent> history = queue.events(b);
    QCOMPARE(history.first().event, QStringLiteral("enqueued"));
    QCOMPARE(history.first().details.value(QStringLiteral("priority")).toInt(), 0);
    QCOMPARE(history.last().details.value(QStringLiteral("from")).toInt(), 4);
    QCOMPARE(history.last().details.value(QStringLiteral("to")).toInt(), 10);
    const QString c = queue.enqueue(play(QStringLiteral("c"), 7));
    QCOMPARE(queue.events(c).first().details.value(QStringLiteral("priority")).toInt(), 7);
    QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.setPriority(a, 99999));
    QCOMPARE(queue.claimNext(QStringLiteral("w"))->id, b);
}

void TestJobQueue::progressIsValidated()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    queue.claimNext(QStringLiteral("w"));
    ProgressUpdate bad = progress(1, 2);
    bad.progress = 101;
    QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.updateProgress(id, QStringLiteral("w"), bad));
    bad.progress = -1;
    QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.updateProgress(id, QStringLiteral("w"), bad));
    QVERIFY(queue.updateProgress(id, QStringLiteral("w"), progress(1, 2)).owned);
    const auto job = queue.job(id, true);
    QCOMPARE(job->progress, 50.0);
    QCOMPARE(job->completedChunks, 1);
    QCOMPARE(*job->totalChunks, 2);
    QCOMPARE(job->checkpoints.size(), 1);
    QCOMPARE(job->checkpoints.at(0).toObject().value(QStringLiteral("completedChunks")).toInt(), 1);
}

void TestJobQueue::releaseKeepsCheckpoint()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    queue.claimNext(QStringLiteral("w"));
    const QJsonObject state{{QStringLiteral("nextChunk"), 1}};
    queue.updateProgress(id, QStringLiteral("w"), progress(1, 2, state));
    QVERIFY(!queue.release(id, QStringLiteral("stranger"), QStringLiteral("shutdown")));
    QVERIFY(queue.release(id, QStringLiteral("w"), QStringLiteral("shutdown")));
    const auto job = queue.job(id, true);
    QCOMPARE(job->status, JobStatus::Queued);
    QVERIFY(job->workerId.isNull());
    QCOMPARE(job->currentState, state);
    QCOMPARE(eventNames(queue, id).last(), QStringLiteral("released"));
}

void TestJobQueue::eventsOfAFullLife()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    queue.claimNext(QStringLiteral("w"));
    queue.updateProgress(id, QStringLiteral("w"), progress(1, 2));
    queue.updateProgress(id, QStringLiteral("w"), progress(2, 2));
    queue.renewLock(id, QStringLiteral("w"));
    queue.complete(id, QStringLiteral("w"));
    const QList<JobEvent> events = queue.events(id);
    QCOMPARE(eventNames(queue, id),
             (QStringList{"enqueued", "claimed", "progress", "progress", "completed"}));
    QCOMPARE(events.at(1).details.value(QStringLiteral("from")).toString(), QStringLiteral("queued"));
    QCOMPARE(events.at(4).details.value(QStringLiteral("to")).toString(), QStringLiteral("completed"));
    for (int i = 1; i < events.size(); ++i)
        QVERIFY(events.at(i - 1).createdAt <= events.at(i).createdAt);
}

void TestJobQueue::changesArePublished()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    QSignalSpy spy(JobNotifier::instance(), &JobNotifier::jobsChanged);
    const QString id = queue.enqueue(play(QStringLiteral("a")));
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toStringList(), QStringList{id});
    queue.claimNext(QStringLiteral("w"));
    queue.pause(id);
    QCOMPARE(spy.size(), 3);
    QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.resume(id));
    QCOMPARE(spy.size(), 3); // refused: nothing changed, nothing published
}

void TestJobQueue::completeAndClaimNext()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString a = queue.enqueue(play(QStringLiteral("a")));
    const QString b = queue.enqueue(play(QStringLiteral("b")));
    QCOMPARE(queue.claimNext(QStringLiteral("w"))->id, a);
    auto [done, next] = queue.completeAndClaimNext(a, QStringLiteral("w"));
    QVERIFY(done);
    QVERIFY(next);
    QCOMPARE(next->id, b);
    QCOMPARE(next->status, JobStatus::Running);
    QCOMPARE(queue.job(a)->status, JobStatus::Completed);
    QCOMPARE(eventNames(queue, a), (QStringList{"enqueued", "claimed", "completed"}));
    QCOMPARE(eventNames(queue, b), (QStringList{"enqueued", "claimed"}));
    auto [done2, none] = queue.completeAndClaimNext(b, QStringLiteral("w"));
    QVERIFY(done2);
    QVERIFY(!none);
    auto [stale, next3] = queue.completeAndClaimNext(b, QStringLiteral("w"));
    QVERIFY(!stale);
    QVERIFY(!next3);
}

void TestJobQueue::completeAndClaimBatch()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    QStringList ids;
    for (int i = 0; i < 6; ++i)
        ids << queue.enqueue(play(QStringLiteral("p%1").arg(i), i == 5 ? 9 : 0));
    const QString high = ids.takeLast();

    // Claim three for three workers: the high-priority job first, then in creation order.
    BatchResult first = queue.completeAndClaim({}, {"w1", "w2", "w3"});
    QVERIFY(first.completed.isEmpty());
    QCOMPARE(first.claimed.size(), 3);
    QCOMPARE(first.claimed.at(0).id, high);
    QCOMPARE(first.claimed.at(0).workerId, QStringLiteral("w1"));
    QCOMPARE(first.claimed.at(1).id, ids.at(0));
    QCOMPARE(first.claimed.at(1).workerId, QStringLiteral("w2"));
    QCOMPARE(first.claimed.at(2).id, ids.at(1));
    QCOMPARE(first.claimed.at(2).workerId, QStringLiteral("w3"));
    QCOMPARE(queue.job(ids.at(1))->status, JobStatus::Running);
    // A claimed job arrives whole (on PostgreSQL these rows come straight from libpq).
    const Job &claimed = first.claimed.at(1);
    QCOMPARE(claimed.rawText, QString::fromUtf8(play(QString()).rawText));
    QCOMPARE(claimed.filename, QStringLiteral("p0"));
    QCOMPARE(claimed.status, JobStatus::Running);
    QCOMPARE(claimed.maxRetries, 3);
    QVERIFY(claimed.lockedAt.isValid() && claimed.lockExpiry > claimed.lockedAt);
    QCOMPARE(claimed.lockedAt.timeSpec(), Qt::UTC);
    QCOMPARE(claimed.createdAt, queue.job(ids.at(0))->createdAt);
    QVERIFY(!claimed.failurePermanent);

    // Hand back two (one with a playbook) and one that names the wrong worker; claim for two.
    const StoredPlaybook playbook = StoredPlaybook::of({{QStringLiteral("title"), QStringLiteral("Batch")}});
    const QList<Completion> completions{{high, QStringLiteral("w1"), playbook},
                                        {ids.at(0), QStringLiteral("w2"), {}},
                                        {ids.at(1), QStringLiteral("intruder"), playbook}};
    BatchResult second = queue.completeAndClaim(completions, {"w1", "w2"});
    QCOMPARE(second.completed, (QStringList{high, ids.at(0)}));
    QCOMPARE(second.lost, QStringList{ids.at(1)});
    QCOMPARE(second.claimed.size(), 2);
    QCOMPARE(second.claimed.at(0).id, ids.at(2));
    QCOMPARE(second.claimed.at(1).id, ids.at(3));
    QCOMPARE(queue.job(high)->status, JobStatus::Completed);
    QVERIFY(queue.job(high)->workerId.isEmpty());
    QCOMPARE(queue.playbook(high)->title, QStringLiteral("Batch"));
    QVERIFY(!queue.playbook(ids.at(0)));
    // The fenced-out completion changed nothing and stored no playbook.
    QCOMPARE(queue.job(ids.at(1))->status, JobStatus::Running);
    QCOMPARE(queue.job(ids.at(1))->workerId, QStringLiteral("w3"));
    QVERIFY(!queue.playbook(ids.at(1)));
    QSqlQuery count(test.db());
    QVERIFY(count.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardPlaybook")")));
    QVERIFY(count.next());
    QCOMPARE(count.value(0).toInt(), 1);
    QCOMPARE(eventNames(queue, high), (QStringList{"enqueued", "claimed", "completed"}));
    QCOMPARE(eventNames(queue, ids.at(1)), (QStringList{"enqueued", "claimed"}));
    QCOMPARE(eventNames(queue, ids.at(2)), (QStringList{"enqueued", "claimed"}));

    // A session that lost the prepared statement (PostgreSQL: a new connection under the same
    // queue) prepares it again.
    if (test.isPostgres())
        QVERIFY(QSqlQuery(test.db()).exec(QStringLiteral("DEALLOCATE callboard_complete_and_claim")));

    // More workers than jobs: only what exists is claimed; an empty call does nothing.
    BatchResult third = queue.completeAndClaim({}, {"a", "b", "c", "d"});
    QCOMPARE(third.claimed.size(), 1);
    QCOMPARE(third.claimed.at(0).id, ids.at(4));
    BatchResult none = queue.completeAndClaim({}, {});
    QVERIFY(none.claimed.isEmpty() && none.completed.isEmpty() && none.lost.isEmpty());
    QCOMPARE(queue.countsByStatus().value(JobStatus::Running), 4);
}

void TestJobQueue::onlyClaimableChangesWakeWorkers()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    QSignalSpy work(JobNotifier::instance(), &JobNotifier::workAvailable);
    QSignalSpy changes(JobNotifier::instance(), &JobNotifier::jobsChanged);
    const QString a = queue.enqueue(play(QStringLiteral("a")));
    QCOMPARE(work.size(), 1);
    queue.claimNext(QStringLiteral("w"));
    queue.updateProgress(a, QStringLiteral("w"), progress(1, 2));
    queue.complete(a, QStringLiteral("w"));
    QCOMPARE(work.size(), 1); // claim, progress and completion make nothing claimable
    QCOMPARE(changes.size(), 4); // but windows hear of each
    const QString b = queue.enqueue(play(QStringLiteral("b")));
    queue.claimNext(QStringLiteral("w"));
    QVERIFY(queue.release(b, QStringLiteral("w"), QStringLiteral("test")));
    QCOMPARE(work.size(), 3); // the enqueue and the release
}

void TestJobQueue::serverEchoOfOwnChangeWakesNobodyTwice()
{
    JobNotifier *notifier = JobNotifier::instance();
    QSignalSpy work(notifier, &JobNotifier::workAvailable);
    QSignalSpy changes(notifier, &JobNotifier::jobsChanged);
    notifier->publish({QStringLiteral("own")}, true);
    QCOMPARE(work.size(), 1);
    notifier->publishFromServer({QStringLiteral("own")}); // its NOTIFY coming back
    QCOMPARE(work.size(), 1);
    QCOMPARE(changes.size(), 2); // windows still hear of it
    notifier->publishFromServer({QStringLiteral("own")}); // a later change by someone else
    QCOMPARE(work.size(), 2);
    notifier->publishFromServer({QStringLiteral("theirs")});
    QCOMPARE(work.size(), 3);
    notifier->publish({QStringLiteral("*")}, true);
    notifier->publishFromServer({QStringLiteral("*")}); // "many jobs" may be anyone's
    QCOMPARE(work.size(), 5);
}

void TestJobQueue::listAndCounts()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString a = queue.enqueue(play(QStringLiteral("alpha.txt")));
    queue.enqueue(play(QStringLiteral("beta.txt")));
    queue.pause(a);
    QCOMPARE(queue.jobs().size(), 2);
    QCOMPARE(queue.jobs({{JobStatus::Paused}, {}, 0, {}}).size(), 1);
    QCOMPARE(queue.jobs({{}, QStringLiteral("bet"), 0, {}}).constFirst().filename,
             QStringLiteral("beta.txt"));
    const auto counts = queue.countsByStatus();
    QCOMPARE(counts.value(JobStatus::Queued), 1);
    QCOMPARE(counts.value(JobStatus::Paused), 1);
    QCOMPARE(counts.value(JobStatus::Failed), 0);
}

// The session's zone and message level travel in the startup message (no SET round trips),
// after what an operator put in PGOPTIONS, which still applies.
void TestJobQueue::sessionSettingsKeepTheOperatorsOptions()
{
    TestDatabase admin(QStringLiteral("postgres"));
    QVERIFY2(admin.isValid(), qPrintable(admin.error()));
    const QByteArray saved = qgetenv("PGOPTIONS");
    qputenv("PGOPTIONS", "-c statement_timeout=4321 -c TimeZone=Europe/Dublin");
    const QString name = Database::uniqueConnectionName(QStringLiteral("settings"));
    {
        auto db = Database::open(admin.url(), name);
        qputenv("PGOPTIONS", saved);
        QVERIFY2(db, qPrintable(db ? QString() : db.error().message));
        QSqlQuery query(*db);
        QVERIFY(query.exec(QStringLiteral("SELECT current_setting('statement_timeout'), "
                                          "current_setting('TimeZone'), "
                                          "current_setting('client_min_messages')")));
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("4321ms"));
        QCOMPARE(query.value(1).toString(), QStringLiteral("UTC"));
        QCOMPARE(query.value(2).toString(), QStringLiteral("warning"));
    }
    QSqlDatabase::removeDatabase(name);
}

QTEST_GUILESS_MAIN(TestJobQueue)
#include "tst_jobqueue.moc"

// What the Add Plays dialog and Remove rely on in the engine: the source path and text hash
// stored with a job (single and bulk enqueue), the duplicate lookup, permanent failures kept on
// the row, and removing finished jobs with or without their playbooks. Both databases.
#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "testdatabase.h"

#include <QSqlQuery>
#include <QTest>

using namespace Engine;

namespace {

EnqueueInput play(const QString &name, const QString &sourcePath = {},
                  const QByteArray &text = QByteArrayLiteral("HAMLET. To be.\nHORATIO. My lord.\n"))
{
    EnqueueInput input;
    input.filename = name;
    input.rawText = text;
    input.sourcePath = sourcePath;
    return input;
}

qint64 count(QSqlDatabase db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

/// Claims the job and completes it with a small playbook.
void complete(JobQueue &queue, const QString &id)
{
    const std::optional<Job> claimed = queue.claim(id, QStringLiteral("w-1"));
    QVERIFY(claimed);
    QVERIFY(queue.complete(id, QStringLiteral("w-1"),
                           QJsonObject{{QStringLiteral("title"), QStringLiteral("Hamlet")}}));
}

} // namespace

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

class TestJobRemove final : public QObject
{
    Q_OBJECT

private slots:
    BACKENDS(sourcePathAndHashAreStored)
    BACKENDS(findExistingMatchesPathOrText)
    BACKENDS(permanentFailureIsKeptOnTheRow)
    BACKENDS(removeDeletesJobAndEventsKeepsPlaybook)
    BACKENDS(removeWithPlaybookDeletesIt)
    BACKENDS(removeRefusesJobsInProgress)
};

void TestJobRemove::sourcePathAndHashAreStored()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString one = queue.enqueue(play(QStringLiteral("hamlet.txt"),
                                           QStringLiteral("/plays/a/hamlet.txt")));
    // Many at once take the bulk path on PostgreSQL (one JSON document per batch).
    QList<EnqueueInput> many;
    for (int i = 0; i < 60; ++i)
        many << play(QStringLiteral("p%1.txt").arg(i), QStringLiteral("/plays/b/p%1.txt").arg(i),
                     QByteArray("HAMLET. Line ") + QByteArray::number(i) + "\n");
    many << play(QStringLiteral("pasted"));  // no file behind it
    const QStringList ids = queue.enqueueMany(many);
    QCOMPARE(ids.size(), 61);

    const std::optional<Job> first = queue.job(one);
    QVERIFY(first);
    QCOMPARE(first->sourcePath, QStringLiteral("/plays/a/hamlet.txt"));
    const std::optional<Job> bulk = queue.job(ids.at(7));
    QCOMPARE(bulk->sourcePath, QStringLiteral("/plays/b/p7.txt"));
    QVERIFY(queue.job(ids.last())->sourcePath.isNull());  // NULL, not an empty path
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob"
                                                WHERE "sourcePath" IS NULL)")), 1);
    QSqlQuery hash(test.db());
    QVERIFY(hash.exec(QStringLiteral(R"(SELECT "contentHash" FROM "ParseJob" WHERE "id" = '%1')")
                          .arg(ids.at(7))));
    QVERIFY(hash.next());
    QCOMPARE(hash.value(0).toString(), contentHash("HAMLET. Line 7\n"));
    QCOMPARE(first->toJson().value(QStringLiteral("sourcePath")).toString(),
             QStringLiteral("/plays/a/hamlet.txt"));
}

void TestJobRemove::findExistingMatchesPathOrText()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString a = queue.enqueue(play(QStringLiteral("hamlet.txt"),
                                         QStringLiteral("/plays/a/hamlet.txt")));
    const QString b = queue.enqueue(play(QStringLiteral("other.txt"), QStringLiteral("/x/other.txt"),
                                         "MACBETH. Is this a dagger.\n"));
    QVERIFY(!a.isEmpty() && !b.isEmpty());

    // Another folder's hamlet.txt with the same text: a duplicate by its text.
    QList<ExistingJob> found = queue.findExisting({QStringLiteral("/plays/b/hamlet.txt")},
                                                  {contentHash(play({}).rawText)});
    QCOMPARE(found.size(), 1);
    QCOMPARE(found.first().id, a);
    QCOMPARE(found.first().sourcePath, QStringLiteral("/plays/a/hamlet.txt"));
    QCOMPARE(found.first().status, JobStatus::Queued);

    // The same file, edited since: a duplicate by its path.
    found = queue.findExisting({QStringLiteral("/x/other.txt")}, {contentHash("new text\n")});
    QCOMPARE(found.size(), 1);
    QCOMPARE(found.first().id, b);

    QVERIFY(queue.findExisting({QStringLiteral("/nowhere.txt")}, {contentHash("nothing\n")})
                .isEmpty());
    QVERIFY(queue.findExisting({}, {}).isEmpty());
}

void TestJobRemove::permanentFailureIsKeptOnTheRow()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    EnqueueInput once = play(QStringLiteral("flaky.txt"));
    once.maxRetries = 0;
    const QString flaky = queue.enqueue(once);
    const QString notAPlay = queue.enqueue(play(QStringLiteral("notes.txt")));

    QVERIFY(queue.claim(notAPlay, QStringLiteral("w-1")));
    QCOMPARE(queue.handleFailure(notAPlay, QStringLiteral("w-1"), QStringLiteral("not a play"),
                                 true),
             FailureOutcome::Failed);
    QVERIFY(queue.claim(flaky, QStringLiteral("w-1")));
    QCOMPARE(queue.handleFailure(flaky, QStringLiteral("w-1"), QStringLiteral("timeout")),
             FailureOutcome::Failed);

    QCOMPARE(queue.job(notAPlay)->failurePermanent, true);
    QCOMPARE(queue.job(flaky)->failurePermanent, false);  // out of retries, not permanent
    // Retrying cannot fix a permanent failure: refused, and the row is left as it was.
    QVERIFY_THROWS_EXCEPTION(JobTransitionError, queue.retry(notAPlay, QStringLiteral("test")));
    QCOMPARE(queue.job(notAPlay)->status, JobStatus::Failed);
    QCOMPARE(queue.retry(flaky, QStringLiteral("test")), JobStatus::Queued);
    QVERIFY(queue.claim(flaky, QStringLiteral("w-1")));
    QCOMPARE(queue.handleFailure(flaky, QStringLiteral("w-1"), QStringLiteral("timeout")),
             FailureOutcome::Failed);
    // Starting over clears it with the other errors.
    queue.restart(notAPlay, QStringLiteral("test"));
    QCOMPARE(queue.job(notAPlay)->failurePermanent, false);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob"
                                                WHERE "failurePermanent" IS NULL)")), 1);
}

void TestJobRemove::removeDeletesJobAndEventsKeepsPlaybook()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("hamlet.txt")));
    const QString other = queue.enqueue(play(QStringLiteral("other.txt")));
    complete(queue, id);
    QVERIFY(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "jobId" = '%1')")
                                 .arg(id)) >= 2);

    const RemoveResult result = queue.remove(id, false, QStringLiteral("test"));
    QVERIFY(result.events >= 2);
    QVERIFY(!result.playbookDeleted);
    QVERIFY(!queue.job(id));
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "jobId" = '%1')")
                                  .arg(id)), 0);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardPlaybook"
                                                WHERE "jobId" = '%1')").arg(id)), 1);
    QVERIFY(queue.job(other));  // the others stay
    QVERIFY_THROWS_EXCEPTION(JobNotFoundError, queue.remove(id, false));
}

void TestJobRemove::removeWithPlaybookDeletesIt()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("hamlet.txt")));
    complete(queue, id);
    const QString cancelled = queue.enqueue(play(QStringLiteral("cancelled.txt")));
    queue.cancel(cancelled);

    QVERIFY(queue.remove(id, true).playbookDeleted);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardPlaybook")")), 0);
    // A job without a playbook is removed all the same.
    QVERIFY(!queue.remove(cancelled, true).playbookDeleted);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")), 0);
}

void TestJobRemove::removeRefusesJobsInProgress()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString queued = queue.enqueue(play(QStringLiteral("queued.txt")));
    const QString running = queue.enqueue(play(QStringLiteral("running.txt")));
    QVERIFY(queue.claim(running, QStringLiteral("w-1")));
    const QString paused = queue.enqueue(play(QStringLiteral("paused.txt")));
    queue.pause(paused);

    for (const QString &id : {queued, running, paused}) {
        try {
            queue.remove(id, true);
            QFAIL("a job in progress was removed");
        } catch (const JobTransitionError &error) {
            QVERIFY2(error.message().contains(QStringLiteral("cancel it first")),
                     qPrintable(error.message()));
        }
        QVERIFY(queue.job(id));
    }
    QCOMPARE(queue.job(running)->status, JobStatus::Running);
}

QTEST_GUILESS_MAIN(TestJobRemove)
#include "tst_jobremove.moc"

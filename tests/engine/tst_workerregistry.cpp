// The workers table on SQLite and PostgreSQL: what a heartbeat writes, how a reader tells active,
// idle and lost pools apart, and when lost rows go.
#include "engine/jobqueue.h"
#include "engine/sqldialect.h"
#include "engine/workerregistry.h"
#include "testdatabase.h"
#include "testhelpers.h"

#include <QSqlQuery>
#include <QTest>

using namespace Engine;

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

namespace {

WorkerRecord pool(const QString &id, int slotCount = 2, double lockSeconds = 60)
{
    WorkerRecord record = WorkerRecord::forThisProcess(id, slotCount, lockSeconds, lockSeconds / 4);
    return record;
}

const WorkerRecord *find(const QList<WorkerRecord> &records, const QString &id)
{
    for (const WorkerRecord &record : records) {
        if (record.id == id)
            return &record;
    }
    return nullptr;
}

EnqueueInput play(const QString &name)
{
    EnqueueInput input;
    input.filename = name;
    input.rawText = QByteArrayLiteral("HAMLET. To be.\n");
    return input;
}

QDateTime lockExpiry(QSqlDatabase db, const QString &jobId)
{
    QSqlQuery query(db);
    query.prepare(QStringLiteral(R"(SELECT "lockExpiry" FROM "ParseJob" WHERE "id" = :id)"));
    query.bindValue(QStringLiteral(":id"), jobId);
    if (!query.exec() || !query.next())
        return {};
    return SqlDialect::toUtc(query.value(0));
}

} // namespace

class TestWorkerRegistry final : public QObject
{
    Q_OBJECT

private slots:
    BACKENDS(registeredPoolIsIdle)
    BACKENDS(heartbeatRenewsLocksAndRecordsThem)
    BACKENDS(heartbeatReportsLocksItNoLongerHolds)
    BACKENDS(silentPoolReadsAsLost)
    BACKENDS(longLostRowsArePrunedByAnotherHeartbeat)
    BACKENDS(unregisterRemovesTheRow)
};

void TestWorkerRegistry::registeredPoolIsIdle()
{
    OPEN_TEST_DATABASE(test);
    WorkerRegistry registry(test.db());
    registry.registerPool(pool(QStringLiteral("box-12"), 3, 90));
    const QList<WorkerRecord> records = registry.workers();
    QCOMPARE(records.size(), 1);
    const WorkerRecord &record = records.constFirst();
    QCOMPARE(record.id, QStringLiteral("box-12"));
    QCOMPARE(record.pid, QCoreApplication::applicationPid());
    QCOMPARE(record.version, QStringLiteral(CALLBOARD_VERSION));
    QCOMPARE(record.slotCount, 3);
    QCOMPARE(record.lockSeconds, 90.0);
    QCOMPARE(record.heartbeatSeconds, 22.5);
    QCOMPARE(record.state, WorkerRecord::State::Idle);
    QVERIFY(record.jobIds.isEmpty());
    QVERIFY(record.startedAt.isValid());
    QCOMPARE(record.lastHeartbeatAt, record.startedAt);
    // A process that reuses the id (a pid reused after a crash) starts the row afresh.
    QVERIFY(TestHelpers::ageWorker(test.db(), QStringLiteral("box-12"), 1000));
    registry.registerPool(pool(QStringLiteral("box-12"), 1));
    const QList<WorkerRecord> again = registry.workers();
    QCOMPARE(again.size(), 1);
    QCOMPARE(again.constFirst().slotCount, 1);
    QVERIFY(again.constFirst().startedAt.secsTo(QDateTime::currentDateTimeUtc()) < 100);
}

void TestWorkerRegistry::heartbeatRenewsLocksAndRecordsThem()
{
    OPEN_TEST_DATABASE(test);
    QueueOptions shortLock;
    shortLock.lockSeconds = 5;
    JobQueue queue(test.db(), shortLock);
    const QString first = queue.enqueue(play(QStringLiteral("a.txt")));
    const QString second = queue.enqueue(play(QStringLiteral("b.txt")));
    QVERIFY(queue.claimNext(QStringLiteral("box-7-0")));
    QVERIFY(queue.claimNext(QStringLiteral("box-7-1")));
    WorkerRegistry registry(test.db());
    const WorkerRecord record = pool(QStringLiteral("box-7"), 2, 600);
    registry.registerPool(record);
    // Jobs show as held at once, before any heartbeat: they come from the jobs' own locks.
    QCOMPARE(registry.workers().constFirst().state, WorkerRecord::State::Active);
    QCOMPARE(registry.workers().constFirst().jobIds.size(), 2);

    const QDateTime before = lockExpiry(test.db(), first);
    const QStringList lost = registry.beat(record, {{first, QStringLiteral("box-7-0")},
                                                    {second, QStringLiteral("box-7-1")}});
    QVERIFY2(lost.isEmpty(), qPrintable(lost.join(u',')));
    // Renewed with the pool's lock duration (600 s), not the claim's (5 s).
    QVERIFY(lockExpiry(test.db(), first) > before);
    QVERIFY(lockExpiry(test.db(), second) > before);
    QCOMPARE(TestHelpers::scalar(test.db(), QStringLiteral(
                 R"(SELECT "jobCount" FROM "CallboardWorker" WHERE "id" = 'box-7')")), 2);
    QSqlQuery ids(test.db());
    QVERIFY(ids.exec(QStringLiteral(R"(SELECT "jobIds" FROM "CallboardWorker")")) && ids.next());
    QVERIFY(ids.value(0).toString().contains(first));
    QVERIFY(ids.value(0).toString().contains(second));

    QVERIFY(queue.complete(first, QStringLiteral("box-7-0")));
    QVERIFY(queue.complete(second, QStringLiteral("box-7-1")));
    QCOMPARE(registry.workers().constFirst().state, WorkerRecord::State::Idle);
}

void TestWorkerRegistry::heartbeatReportsLocksItNoLongerHolds()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a.txt")));
    // Held by a worker of another pool whose id merely starts the same way.
    QVERIFY(queue.claimNext(QStringLiteral("box-71-0")));
    WorkerRegistry registry(test.db());
    const WorkerRecord record = pool(QStringLiteral("box-7"));
    registry.registerPool(record);
    const QDateTime before = lockExpiry(test.db(), id);
    QCOMPARE(registry.beat(record, {{id, QStringLiteral("box-7-0")}}), QStringList{id});
    QCOMPARE(lockExpiry(test.db(), id), before);
    QCOMPARE(TestHelpers::scalar(test.db(), QStringLiteral(
                 R"(SELECT "jobCount" FROM "CallboardWorker" WHERE "id" = 'box-7')")), 0);
    QCOMPARE(registry.workers().constFirst().jobIds, QStringList());
}

void TestWorkerRegistry::silentPoolReadsAsLost()
{
    OPEN_TEST_DATABASE(test);
    WorkerRegistry registry(test.db());
    registry.registerPool(pool(QStringLiteral("dead-1"), 2, 30));
    registry.registerPool(pool(QStringLiteral("alive-2"), 2, 30));
    QVERIFY(TestHelpers::ageWorker(test.db(), QStringLiteral("dead-1"), 31));
    QVERIFY(TestHelpers::ageWorker(test.db(), QStringLiteral("alive-2"), 29));
    const QList<WorkerRecord> records = registry.workers();
    QCOMPARE(find(records, QStringLiteral("dead-1"))->state, WorkerRecord::State::Lost);
    QCOMPARE(find(records, QStringLiteral("alive-2"))->state, WorkerRecord::State::Idle);
}

void TestWorkerRegistry::longLostRowsArePrunedByAnotherHeartbeat()
{
    OPEN_TEST_DATABASE(test);
    WorkerRegistry registry(test.db());
    const WorkerRecord beating = pool(QStringLiteral("beating-1"), 2, 10);
    registry.registerPool(beating);
    registry.registerPool(pool(QStringLiteral("gone-2"), 2, 10));
    registry.registerPool(pool(QStringLiteral("lost-3"), 2, 10));
    const int prune = WorkerRegistry::kPruneAfterLocks * 10;
    QVERIFY(TestHelpers::ageWorker(test.db(), QStringLiteral("gone-2"), prune + 2));
    QVERIFY(TestHelpers::ageWorker(test.db(), QStringLiteral("lost-3"), prune - 5));
    // Its own row is never pruned by itself, however late its heartbeat.
    QVERIFY(TestHelpers::ageWorker(test.db(), QStringLiteral("beating-1"), prune + 2));
    registry.beat(beating, {});
    const QList<WorkerRecord> records = registry.workers();
    QCOMPARE(records.size(), 2);
    QVERIFY(!find(records, QStringLiteral("gone-2")));
    QCOMPARE(find(records, QStringLiteral("lost-3"))->state, WorkerRecord::State::Lost);
    QCOMPARE(find(records, QStringLiteral("beating-1"))->state, WorkerRecord::State::Idle);
}

void TestWorkerRegistry::unregisterRemovesTheRow()
{
    OPEN_TEST_DATABASE(test);
    WorkerRegistry registry(test.db());
    registry.registerPool(pool(QStringLiteral("a-1")));
    registry.registerPool(pool(QStringLiteral("b-2")));
    registry.unregister(QStringLiteral("a-1"));
    const QList<WorkerRecord> records = registry.workers();
    QCOMPARE(records.size(), 1);
    QCOMPARE(records.constFirst().id, QStringLiteral("b-2"));
}

QTEST_GUILESS_MAIN(TestWorkerRegistry)
#include "tst_workerregistry.moc"

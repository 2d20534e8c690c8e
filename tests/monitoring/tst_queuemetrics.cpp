// QueueMetrics against a database with known jobs: counts, readiness, rates, percentiles,
// workers and stuck jobs, on SQLite and PostgreSQL.
#include "engine/queuemetrics.h"
#include "engine/workerregistry.h"
#include "fixtures.h"
#include "testdatabase.h"
#include "testhelpers.h"

#include <QJsonArray>
#include <QTest>

using namespace Engine;
using Fixtures::Row;

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

namespace {

struct Known
{
    QString ready, scheduled, retrying, running, expired, pausedLong, manyRetries;
};

// now = the database clock when the rows were written. See each row for what it stands for.
Known fill(QSqlDatabase db, const QDateTime &now)
{
    Known known;
    Row row;
    row.createdAgo = 600;
    known.ready = Fixtures::insertJob(db, now, row);  // oldest waiting job: 600 s

    row = {};
    row.createdAgo = 300;
    row.runAfterAgo = -600;
    known.scheduled = Fixtures::insertJob(db, now, row);

    row = {};
    row.status = QStringLiteral("retrying");
    row.createdAgo = 100;
    row.runAfterAgo = 10;
    row.retryCount = 1;
    known.retrying = Fixtures::insertJob(db, now, row);

    row = {};
    row.createdAgo = 50;
    row.retryCount = 5;
    known.manyRetries = Fixtures::insertJob(db, now, row);

    row = {};
    row.status = QStringLiteral("running");
    row.createdAgo = 60;
    row.startedAgo = 30;
    row.lockedAgo = 30;
    row.lockExpiryAgo = -570;
    row.workerId = QStringLiteral("host-a-100-1");
    known.running = Fixtures::insertJob(db, now, row);

    row = {};
    row.status = QStringLiteral("running");
    row.createdAgo = 2000;
    row.startedAgo = 1000;
    row.lockedAgo = 1000;
    row.lockExpiryAgo = 400;
    row.workerId = QStringLiteral("hostb-200-1");
    known.expired = Fixtures::insertJob(db, now, row);

    row = {};
    row.status = QStringLiteral("paused");
    row.createdAgo = 3 * 86400;
    row.updatedAgo = 2 * 86400;
    known.pausedLong = Fixtures::insertJob(db, now, row);

    // Ten completed in the last hour, k minutes ago: run k s, wait 2k s.
    for (int k = 1; k <= 10; ++k) {
        row = {};
        row.status = QStringLiteral("completed");
        row.completedAgo = k * 60;
        row.startedAgo = k * 60 + k;
        row.createdAgo = k * 60 + 3 * k;
        row.retryCount = k == 1 ? 1 : 0;
        const QString id = Fixtures::insertJob(db, now, row);
        Fixtures::insertEvent(db, now, id, QStringLiteral("completed"), QStringLiteral("hostc-300-2"),
                              k * 60);
    }
    // Two completed long ago, with long runs that must not count.
    for (int k = 0; k < 2; ++k) {
        row = {};
        row.status = QStringLiteral("completed");
        row.completedAgo = 7200 + k;
        row.startedAgo = 9000;
        row.createdAgo = 9500;
        Fixtures::insertJob(db, now, row);
    }
    // Two failed in the window after three retries, one failed long ago, one cancelled.
    for (int ago : {120, 180, 3 * 3600}) {
        row = {};
        row.status = QStringLiteral("failed");
        row.completedAgo = ago;
        row.startedAgo = ago + 5;
        row.createdAgo = ago + 10;
        row.retryCount = 3;
        Fixtures::insertJob(db, now, row);
    }
    row = {};
    row.status = QStringLiteral("cancelled");
    row.completedAgo = 200;
    row.createdAgo = 400;
    Fixtures::insertJob(db, now, row);

    // Retries: two in the window, one long ago; control events by people are not workers.
    Fixtures::insertEvent(db, now, known.retrying, QStringLiteral("retry_scheduled"),
                          QStringLiteral("hostc-300-2"), 100);
    Fixtures::insertEvent(db, now, known.manyRetries, QStringLiteral("retry_scheduled"),
                          QStringLiteral("hostc-300-2"), 110);
    Fixtures::insertEvent(db, now, known.manyRetries, QStringLiteral("retry_scheduled"),
                          QStringLiteral("hostc-300-2"), 7200);
    Fixtures::insertEvent(db, now, known.running, QStringLiteral("claimed"),
                          QStringLiteral("host-a-100-1"), 30);
    Fixtures::insertEvent(db, now, known.pausedLong, QStringLiteral("paused"),
                          QStringLiteral("user"), 60);
    Fixtures::insertEvent(db, now, known.ready, QStringLiteral("progress"),
                          QStringLiteral("oldhost-9-1"), 3000);  // older than the workers' view
    Fixtures::insertEvent(db, now, known.ready, QStringLiteral("released"),
                          QStringLiteral("hostd-400-1"), 600);   // seen, but gone
    // Three pools as they record themselves: one holds the running job, one was killed (its
    // heartbeat is older than its lock duration), one is idle but beating.
    WorkerRegistry registry(db);
    WorkerRecord idle;
    for (const auto &[host, pid] : {std::pair{"host-a", 100}, {"hostb", 200}, {"hostc", 300}}) {
        WorkerRecord record;
        record.host = QString::fromLatin1(host);
        record.pid = pid;
        record.id = QStringLiteral("%1-%2").arg(record.host).arg(pid);
        record.version = QStringLiteral("1.0.0");
        record.slotCount = 3;
        record.lockSeconds = 300;
        record.heartbeatSeconds = 30;
        registry.registerPool(record);
        idle = record;
    }
    TestHelpers::ageWorker(db, QStringLiteral("hostb-200"), 301);
    TestHelpers::ageWorker(db, QStringLiteral("hostc-300"), 600);
    registry.beat(idle, {});  // beats again now: started 600 s ago, idle since
    return known;
}

} // namespace

class TestQueueMetrics final : public QObject
{
    Q_OBJECT

private slots:
    BACKENDS(snapshotFigures)
    BACKENDS(windowOption)
    BACKENDS(countFinished)
    BACKENDS(emptyDatabase)
    void parseDuration();
};

void TestQueueMetrics::snapshotFigures()
{
    OPEN_TEST_DATABASE(test);
    QueueMetrics metrics(test.db());
    const QDateTime now = metrics.databaseNow();
    const Known known = fill(test.db(), now);

    MetricsOptions options;
    options.windowSeconds = 3600;
    const QueueSnapshot snap = metrics.snapshot(options);

    QCOMPARE(snap.counts.value(JobStatus::Queued), 3);
    QCOMPARE(snap.counts.value(JobStatus::Retrying), 1);
    QCOMPARE(snap.counts.value(JobStatus::Running), 2);
    QCOMPARE(snap.counts.value(JobStatus::Paused), 1);
    QCOMPARE(snap.counts.value(JobStatus::Completed), 12);
    QCOMPARE(snap.counts.value(JobStatus::Failed), 3);
    QCOMPARE(snap.counts.value(JobStatus::Cancelled), 1);
    QCOMPARE(snap.total, 23);

    QCOMPARE(snap.readyNow, 3);
    QCOMPARE(snap.waitingForRunAfter, 1);
    QVERIFY(snap.oldestQueuedAgeSeconds);
    QVERIFY2(*snap.oldestQueuedAgeSeconds >= 600 && *snap.oldestQueuedAgeSeconds < 660,
             qPrintable(QString::number(*snap.oldestQueuedAgeSeconds)));

    QCOMPARE(snap.completedLastHour, 10);
    QCOMPARE(snap.failedLastHour, 2);
    qint64 perMinuteCompleted = 0;
    for (const MinuteFigures &minute : snap.perMinute) {
        QCOMPARE(minute.minute.size(), 16);
        perMinuteCompleted += minute.completed;
    }
    QCOMPARE(perMinuteCompleted, 10);

    QCOMPARE(snap.completedInWindow, 10);
    QCOMPARE(snap.failedInWindow, 2);
    QCOMPARE(snap.cancelledInWindow, 1);
    QCOMPARE(snap.retriesInWindow, 2);
    QCOMPARE(snap.finishedWithRetries, 3);
    QCOMPARE(snap.failureRate(), 2.0 / 12.0);
    QCOMPARE(snap.retryRate(), 3.0 / 12.0);

    // Nearest rank over 10 values: p50 is the 5th, p95 the 10th.
    QCOMPARE(snap.run.count, 10);
    QCOMPARE(snap.run.p50Ms, 5000.0);
    QCOMPARE(snap.run.p95Ms, 10000.0);
    QCOMPARE(snap.run.maxMs, 10000.0);
    QCOMPARE(snap.wait.count, 10);
    QCOMPARE(snap.wait.p50Ms, 10000.0);
    QCOMPARE(snap.wait.p95Ms, 20000.0);
    QCOMPARE(snap.wait.maxMs, 20000.0);

    QCOMPARE(snap.workers.size(), 3);
    const WorkerRecord &a = snap.workers.at(0);
    QCOMPARE(a.id, QStringLiteral("host-a-100"));
    QCOMPARE(a.host, QStringLiteral("host-a"));
    QCOMPARE(a.pid, 100);
    QCOMPARE(a.jobIds, QStringList{known.running});
    QCOMPARE(a.state, WorkerRecord::State::Active);
    const WorkerRecord &b = snap.workers.at(1);
    QCOMPARE(b.id, QStringLiteral("hostb-200"));
    QCOMPARE(b.jobIds, QStringList{known.expired});  // left to be reclaimed
    QCOMPARE(b.state, WorkerRecord::State::Lost);
    const WorkerRecord &c = snap.workers.at(2);
    QCOMPARE(c.id, QStringLiteral("hostc-300"));
    QVERIFY(c.jobIds.isEmpty());
    QCOMPARE(c.state, WorkerRecord::State::Idle);  // no job for 10 minutes, but beating
    QVERIFY(qAbs(c.startedAt.secsTo(now) - 600) <= 2);
    const QString prometheus = QueueMetrics::renderPrometheus(snap, {}, true);
    QVERIFY(prometheus.contains(QStringLiteral("callboard_workers{state=\"active\"} 1\n")));
    QVERIFY(prometheus.contains(QStringLiteral("callboard_workers{state=\"idle\"} 1\n")));
    QVERIFY(prometheus.contains(QStringLiteral("callboard_workers{state=\"lost\"} 1\n")));
    QVERIFY(prometheus.contains(QStringLiteral("callboard_worker_slots 6\n")));

    QCOMPARE(snap.stuck.size(), 3);
    QCOMPARE(snap.stuck.at(0).id, known.expired);
    QCOMPARE(snap.stuck.at(0).reason, StuckJob::Reason::LockExpired);
    QVERIFY(snap.stuck.at(0).description.contains(QStringLiteral("hostb-200-1")));
    QCOMPARE(snap.stuck.at(1).id, known.manyRetries);
    QCOMPARE(snap.stuck.at(1).reason, StuckJob::Reason::ManyRetries);
    QCOMPARE(snap.stuck.at(1).retryCount, 5);
    QCOMPARE(snap.stuck.at(2).id, known.pausedLong);
    QCOMPARE(snap.stuck.at(2).reason, StuckJob::Reason::PausedLong);

    const QJsonObject json = snap.toJson();
    QCOMPARE(json.value(QStringLiteral("counts")).toObject().value(QStringLiteral("completed")).toInt(), 12);
    QCOMPARE(json.value(QStringLiteral("durations")).toObject().value(QStringLiteral("runMs"))
                 .toObject().value(QStringLiteral("p95")).toDouble(), 10000.0);
    const QJsonArray workers = json.value(QStringLiteral("workers")).toArray();
    QCOMPARE(workers.size(), 3);
    QCOMPARE(workers.at(1).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("lost"));
    QCOMPARE(workers.at(0).toObject().value(QStringLiteral("jobIds")).toArray().size(), 1);
    QCOMPARE(json.value(QStringLiteral("stuck")).toArray().at(0).toObject()
                 .value(QStringLiteral("reason")).toString(), QStringLiteral("lock_expired"));
}

void TestQueueMetrics::windowOption()
{
    OPEN_TEST_DATABASE(test);
    QueueMetrics metrics(test.db());
    fill(test.db(), metrics.databaseNow());
    MetricsOptions options;
    options.windowSeconds = 330;  // completed 1..5 minutes ago, failed 2 and 3 minutes ago
    const QueueSnapshot snap = metrics.snapshot(options);
    QCOMPARE(snap.completedInWindow, 5);
    QCOMPARE(snap.failedInWindow, 2);
    QCOMPARE(snap.run.count, 5);
    QCOMPARE(snap.run.p50Ms, 3000.0);
    QCOMPARE(snap.run.p95Ms, 5000.0);
    QCOMPARE(snap.wait.maxMs, 10000.0);
    QCOMPARE(snap.completedLastHour, 10);  // throughput is always the last hour
}

void TestQueueMetrics::countFinished()
{
    OPEN_TEST_DATABASE(test);
    QueueMetrics metrics(test.db());
    const QDateTime now = metrics.databaseNow();
    fill(test.db(), now);
    const FinishedCounters counters = metrics.countFinished(now.addSecs(-330), now);
    QCOMPARE(counters.completed, 5);
    QCOMPARE(counters.failed, 2);
    QCOMPARE(counters.retried, 2);
    QCOMPARE(counters.runCount, 5);
    QVERIFY(qAbs(counters.runSumSeconds - 15.0) < 0.01);
    // Bounds 0.5 1 2 5 10 …; runs of 1..5 s.
    QCOMPARE(counters.runBuckets.value(0), 0);
    QCOMPARE(counters.runBuckets.value(1), 1);
    QCOMPARE(counters.runBuckets.value(2), 2);
    QCOMPARE(counters.runBuckets.value(3), 5);
    QCOMPARE(counters.runBuckets.constLast(), 5);
    QCOMPARE(metrics.countFinished(now, now.addSecs(-1)).completed, 0);
}

void TestQueueMetrics::emptyDatabase()
{
    OPEN_TEST_DATABASE(test);
    QueueMetrics metrics(test.db());
    const QueueSnapshot snap = metrics.snapshot();
    QCOMPARE(snap.total, 0);
    QVERIFY(!snap.oldestQueuedAgeSeconds);
    QCOMPARE(snap.run.count, 0);
    QCOMPARE(snap.failureRate(), 0.0);
    QVERIFY(snap.workers.isEmpty());
    QVERIFY(snap.stuck.isEmpty());
    QVERIFY(snap.toJson().value(QStringLiteral("oldestQueuedAgeSeconds")).isNull());
    const QString text = QueueMetrics::renderPrometheus(snap, {}, true);
    QVERIFY(text.contains(QStringLiteral("callboard_jobs{status=\"queued\"} 0\n")));
    QVERIFY(text.contains(QStringLiteral("callboard_job_run_duration_seconds_bucket{le=\"+Inf\"} 0\n")));
}

void TestQueueMetrics::parseDuration()
{
    QCOMPARE(MetricsOptions::parseDuration(QStringLiteral("1h")), 3600);
    QCOMPARE(MetricsOptions::parseDuration(QStringLiteral("30d")), 30 * 86400);
    QCOMPARE(MetricsOptions::parseDuration(QStringLiteral("15m")), 900);
    QCOMPARE(MetricsOptions::parseDuration(QStringLiteral("45")), 45);
    QCOMPARE(MetricsOptions::parseDuration(QStringLiteral("2w")), 14 * 86400);
    QVERIFY(!MetricsOptions::parseDuration(QStringLiteral("1y")));
    QVERIFY(!MetricsOptions::parseDuration(QStringLiteral("-1h")));
    QVERIFY(!MetricsOptions::parseDuration(QString()));
}

QTEST_GUILESS_MAIN(TestQueueMetrics)
#include "tst_queuemetrics.moc"

// Pruner: deletes exactly the finished jobs older than the cutoff with their events, keeps
// playbooks unless asked, never touches a job in progress; on SQLite and PostgreSQL.
#include "engine/pruner.h"
#include "engine/queuemetrics.h"
#include "fixtures.h"
#include "testdatabase.h"

#include <QSet>
#include <QTest>

using namespace Engine;
using Fixtures::Row;

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

namespace {

constexpr qint64 kDay = 86400;

struct Known
{
    QStringList old;   ///< finished before the cutoff: pruned
    QStringList kept;  ///< everything else
    QStringList oldWithPlaybook;
    QString recentWithPlaybook;
};

Known fill(QSqlDatabase db, const QDateTime &now)
{
    Known known;
    const auto add = [&](const QString &status, qint64 ago, bool pruned, bool playbook) {
        Row row;
        row.status = status;
        row.createdAgo = ago + 100;
        const bool finished = status == QLatin1String("completed")
                              || status == QLatin1String("failed")
                              || status == QLatin1String("cancelled");
        if (finished)
            row.completedAgo = ago;
        else
            row.updatedAgo = ago;
        if (status == QLatin1String("running")) {
            row.workerId = QStringLiteral("h-1-1");
            row.lockedAgo = ago;
            row.lockExpiryAgo = ago - 600;
        }
        const QString id = Fixtures::insertJob(db, now, row);
        Fixtures::insertEvent(db, now, id, QStringLiteral("enqueued"), QStringLiteral("api"), ago + 100);
        Fixtures::insertEvent(db, now, id, status, QStringLiteral("h-1-1"), ago);
        if (playbook)
            Fixtures::insertPlaybook(db, id);
        (pruned ? known.old : known.kept) << id;
        return id;
    };
    for (int i = 0; i < 3; ++i)
        known.oldWithPlaybook << add(QStringLiteral("completed"), 40 * kDay + i, true, true);
    add(QStringLiteral("failed"), 35 * kDay, true, false);
    add(QStringLiteral("cancelled"), 31 * kDay, true, false);
    known.recentWithPlaybook = add(QStringLiteral("completed"), 1 * kDay, false, true);
    add(QStringLiteral("failed"), 29 * kDay, false, false);
    // In progress, however old: never touched.
    for (const char *status : {"queued", "running", "paused", "retrying"})
        add(QString::fromLatin1(status), 60 * kDay, false, false);
    return known;
}

QSet<QString> ids(QSqlDatabase db, const char *sql)
{
    QSqlQuery query(db);
    if (!query.exec(QString::fromLatin1(sql)))
        qFatal("%s", qPrintable(query.lastError().text()));
    QSet<QString> result;
    while (query.next())
        result << query.value(0).toString();
    return result;
}

} // namespace

class TestPruner final : public QObject
{
    Q_OBJECT

private slots:
    BACKENDS(dryRunCounts)
    BACKENDS(prunesFinishedInBatches)
    BACKENDS(withPlaybooks)
    BACKENDS(nothingToPrune)
};

void TestPruner::dryRunCounts()
{
    OPEN_TEST_DATABASE(test);
    fill(test.db(), QueueMetrics(test.db()).databaseNow());
    PruneOptions options;
    options.olderThanSeconds = 30 * kDay;
    options.dryRun = true;
    PruneResult result = Pruner(test.db()).run(options);
    QVERIFY(result.dryRun);
    QCOMPARE(result.jobs, 5);
    QCOMPARE(result.events, 10);
    QCOMPARE(result.playbooks, 0);
    options.withPlaybooks = true;
    result = Pruner(test.db()).run(options);
    QCOMPARE(result.playbooks, 3);
    QCOMPARE(Fixtures::scalar(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")), 11);
    QCOMPARE(Fixtures::scalar(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent")")), 22);
}

void TestPruner::prunesFinishedInBatches()
{
    OPEN_TEST_DATABASE(test);
    const Known known = fill(test.db(), QueueMetrics(test.db()).databaseNow());
    PruneOptions options;
    options.olderThanSeconds = 30 * kDay;
    options.batchSize = 2;
    int calls = 0;
    const PruneResult result = Pruner(test.db()).run(options, [&calls](const PruneResult &) {
        ++calls;
        return true;
    });
    QCOMPARE(result.jobs, 5);
    QCOMPARE(result.events, 10);
    QCOMPARE(result.playbooks, 0);
    QCOMPARE(result.batches, 3);
    QCOMPARE(calls, 3);
    const QSet<QString> left = ids(test.db(), R"(SELECT "id" FROM "ParseJob")");
    QCOMPARE(left, QSet<QString>(known.kept.cbegin(), known.kept.cend()));
    const QSet<QString> eventJobs = ids(test.db(), R"(SELECT DISTINCT "jobId" FROM "JobEvent")");
    QCOMPARE(eventJobs, left);
    QCOMPARE(Fixtures::scalar(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent")")), 12);
    QCOMPARE(Fixtures::scalar(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardPlaybook")")), 4);

    // A second run finds nothing more.
    QCOMPARE(Pruner(test.db()).run(options).jobs, 0);
}

void TestPruner::withPlaybooks()
{
    OPEN_TEST_DATABASE(test);
    const Known known = fill(test.db(), QueueMetrics(test.db()).databaseNow());
    PruneOptions options;
    options.olderThanSeconds = 30 * kDay;
    options.withPlaybooks = true;
    const PruneResult result = Pruner(test.db()).run(options);
    QCOMPARE(result.jobs, 5);
    QCOMPARE(result.playbooks, 3);
    QCOMPARE(result.batches, 1);
    QCOMPARE(ids(test.db(), R"(SELECT "jobId" FROM "CallboardPlaybook")"),
             QSet<QString>{known.recentWithPlaybook});
}

void TestPruner::nothingToPrune()
{
    OPEN_TEST_DATABASE(test);
    fill(test.db(), QueueMetrics(test.db()).databaseNow());
    PruneOptions options;
    options.olderThanSeconds = 90 * kDay;
    const PruneResult result = Pruner(test.db()).run(options);
    QCOMPARE(result.jobs, 0);
    QCOMPARE(result.batches, 0);
    QCOMPARE(Fixtures::scalar(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")), 11);
}

QTEST_GUILESS_MAIN(TestPruner)
#include "tst_pruner.moc"

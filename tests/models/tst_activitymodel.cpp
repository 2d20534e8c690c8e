#include "engine/database.h"
#include "engine/jobqueue.h"
#include "models/activityfilterproxymodel.h"
#include "models/activitymodel.h"
#include "session/session.h"
#include "testdatabase.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Engine;

class TestActivityModel final : public QObject
{
    Q_OBJECT

private slots:
    void newestFirstGrowsAndFilters_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }
    void newestFirstGrowsAndFilters();
};

void TestActivityModel::newestFirstGrowsAndFilters()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    EnqueueInput input;
    input.filename = QStringLiteral("hamlet.txt");
    input.rawText = QByteArrayLiteral("HAMLET. To be.\n");
    const QString id = queue.enqueue(input);
    input.filename = QStringLiteral("lear.txt");
    const QString other = queue.enqueue(input);

    Session session(test.url());
    QVERIFY(session.open().ok);
    ActivityModel model(&session);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    ActivityFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester proxyTester(&proxy,
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    session.setPollInterval(200);
    // New jobs show in the job table; the feed is what happened to them afterwards.
    QSignalSpy refreshed(&model, &ActivityModel::refreshed);
    QVERIFY(refreshed.wait());
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(queue.claimNext(QStringLiteral("worker-1"))->id, id);
    model.refresh();
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, 0).data(ActivityModel::JobIdRole).toString(), id);
    QCOMPARE(model.index(0, ActivityModel::FileColumn).data().toString(), QStringLiteral("hamlet.txt"));
    QCOMPARE(model.index(0, 0).data(ActivityModel::EventNameRole).toString(),
             QStringLiteral("claimed"));

    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    ScopedConnection connection(test.url(), QStringLiteral("other"));
    JobQueue otherQueue(connection.database());
    otherQueue.pause(other, QStringLiteral("tester"));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 2, 3000);
    // Newest first.
    QCOMPARE(model.index(0, 0).data(ActivityModel::EventNameRole).toString(),
             QStringLiteral("paused"));
    QCOMPARE(model.index(0, ActivityModel::FileColumn).data().toString(), QStringLiteral("lear.txt"));
    QCOMPARE(model.index(0, ActivityModel::WorkerColumn).data().toString(), QStringLiteral("tester"));
    QCOMPARE(reset.size(), 0);

    proxy.setEventFilter(QStringLiteral("paused"));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setEventFilter(QStringLiteral("claimed"));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setEventFilter(QString());
    proxy.setJobFilter(QStringLiteral("lear"));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setJobFilter(QString());
    proxy.setWorkerFilter(QStringLiteral("worker"));
    QCOMPARE(proxy.rowCount(), 1);
}

QTEST_GUILESS_MAIN(TestActivityModel)
#include "tst_activitymodel.moc"

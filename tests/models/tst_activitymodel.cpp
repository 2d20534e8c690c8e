#include "engine/database.h"
#include "engine/jobqueue.h"
#include "models/activityfilterproxymodel.h"
#include "models/activitymodel.h"
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

    ActivityModel model(test.db());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    ActivityFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester proxyTester(&proxy,
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPollInterval(200);
    QCOMPARE(model.rowCount(), 2);
    // Newest first.
    QCOMPARE(model.index(0, 0).data(ActivityModel::JobIdRole).toString(), other);
    QCOMPARE(model.index(0, ActivityModel::FileColumn).data().toString(), QStringLiteral("lear.txt"));
    QCOMPARE(model.index(0, 0).data(ActivityModel::EventNameRole).toString(),
             QStringLiteral("enqueued"));

    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    ScopedConnection connection(test.url(), QStringLiteral("other"));
    JobQueue otherQueue(connection.database());
    otherQueue.pause(id, QStringLiteral("tester"));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, 3000);
    QCOMPARE(model.index(0, 0).data(ActivityModel::EventNameRole).toString(),
             QStringLiteral("paused"));
    QCOMPARE(model.index(0, ActivityModel::WorkerColumn).data().toString(), QStringLiteral("tester"));
    QCOMPARE(reset.size(), 0);

    proxy.setEventFilter(QStringLiteral("paused"));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setEventFilter(QStringLiteral("enqueued"));
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setJobFilter(QStringLiteral("lear"));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setEventFilter(QString());
    proxy.setJobFilter(QString());
    proxy.setWorkerFilter(QStringLiteral("test"));
    QCOMPARE(proxy.rowCount(), 1);
}

QTEST_GUILESS_MAIN(TestActivityModel)
#include "tst_activitymodel.moc"

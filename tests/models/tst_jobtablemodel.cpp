#include "engine/database.h"
#include "engine/jobnotifier.h"
#include "engine/jobqueue.h"
#include "models/jobfilterproxymodel.h"
#include "models/jobtablemodel.h"
#include "session/session.h"
#include "testdatabase.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>

using namespace Engine;

namespace {

EnqueueInput play(const QString &name, int priority = 0)
{
    EnqueueInput input;
    input.filename = name;
    input.rawText = QByteArrayLiteral("HAMLET. To be, or not to be.\nHORATIO. My lord.\n");
    input.priority = priority;
    return input;
}

/// A second connection, as another process would have.
struct OtherConnection
{
    explicit OtherConnection(const DatabaseUrl &url)
        : connection(url, QStringLiteral("other"))
        , queue(connection.database())
    {
    }
    ScopedConnection connection;
    JobQueue queue;
};

/// Runs f without in-process notifications: what a change made by another process looks like
/// on SQLite (no NOTIFY reaches us; only the poll can find it).
template<typename F>
void silently(F f)
{
    const bool was = JobNotifier::instance()->blockSignals(true);
    f();
    JobNotifier::instance()->blockSignals(was);
}

int rowWithPriority(const JobTableModel &model, int priority)
{
    int n = 0;
    for (int row = 0; row < model.rowCount(); ++row)
        n += model.jobRow(row).priority == priority ? 1 : 0;
    return n;
}

} // namespace

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

class TestJobTableModel final : public QObject
{
    Q_OBJECT

private slots:
    BACKENDS(loadsEveryJob)
    BACKENDS(notifiedChangeIsAppliedInPlace)
    BACKENDS(changeBySecondConnectionAppearsWithinASecond)
    BACKENDS(newJobIsInsertedAndDeletedJobRemoved)
    BACKENDS(tenThousandJobsFiftyChangeWithoutReset)
    BACKENDS(proxyFiltersByStatusesAndText)
    void burstIsCoalesced();
    void starNotificationRereadsRecentChanges();
};

void TestJobTableModel::loadsEveryJob()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString a = queue.enqueue(play(QStringLiteral("a.txt"), 2));
    queue.enqueue(play(QStringLiteral("b.txt")));
    queue.pause(a);

    Session session(test.url());
    QVERIFY(session.open().ok);
    JobTableModel model(&session);
    QTRY_VERIFY(model.isLoaded());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), int(JobTableModel::ColumnCount));
    const int row = model.rowOfJob(a);
    QVERIFY(row >= 0);
    QCOMPARE(model.index(row, JobTableModel::FileColumn).data().toString(), QStringLiteral("a.txt"));
    QCOMPARE(model.index(row, JobTableModel::PriorityColumn).data().toInt(), 2);
    QCOMPARE(model.index(row, JobTableModel::RetriesColumn).data().toString(), QStringLiteral("0/3"));
    QCOMPARE(JobStatus(model.index(row, 0).data(JobTableModel::StatusRole).toInt()), JobStatus::Paused);
    QVERIFY(!model.index(row, 0).data(Qt::DecorationRole).value<QIcon>().isNull());
    QCOMPARE(model.countsByStatus().value(JobStatus::Paused), 1);
    QCOMPARE(model.countsByStatus().value(JobStatus::Queued), 1);
    QVERIFY(model.jobRow(row).createdAt.isValid());
}

void TestJobTableModel::notifiedChangeIsAppliedInPlace()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a.txt")));
    Session session(test.url());
    QVERIFY(session.open().ok);
    JobTableModel model(&session);
    QTRY_VERIFY(model.isLoaded());
    model.setPollInterval(0);  // only the notification path
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy counts(&model, &JobTableModel::countsChanged);

    OtherConnection other(test.url());
    other.queue.setPriority(id, 9);
    QTRY_COMPARE_WITH_TIMEOUT(model.jobRow(0).priority, 9, 1000);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().row(), 0);
    QCOMPARE(counts.size(), 0);  // same status
    other.queue.cancel(id);
    QTRY_COMPARE_WITH_TIMEOUT(model.jobRow(0).status, JobStatus::Cancelled, 1000);
    QCOMPARE(model.countsByStatus().value(JobStatus::Cancelled), 1);
    QCOMPARE(model.countsByStatus().value(JobStatus::Queued), 0);
    QVERIFY(counts.size() >= 1);
    QCOMPARE(reset.size(), 0);
}

void TestJobTableModel::changeBySecondConnectionAppearsWithinASecond()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a.txt")));
    Session session(test.url());
    QVERIFY(session.open().ok);
    JobTableModel model(&session);
    QTRY_VERIFY(model.isLoaded());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    OtherConnection other(test.url());
    // No notification at all: the poll of newer updatedAt rows must find both changes.
    QString added;
    silently([&] {
        other.queue.setPriority(id, 4);
        added = other.queue.enqueue(play(QStringLiteral("b.txt")));
    });
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 2, 1000);
    QTRY_COMPARE_WITH_TIMEOUT(model.jobRow(model.rowOfJob(id)).priority, 4, 1000);
    QCOMPARE(model.jobRow(model.rowOfJob(added)).filename, QStringLiteral("b.txt"));
}

void TestJobTableModel::newJobIsInsertedAndDeletedJobRemoved()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString a = queue.enqueue(play(QStringLiteral("a.txt")));
    Session session(test.url());
    QVERIFY(session.open().ok);
    JobTableModel model(&session);
    QTRY_VERIFY(model.isLoaded());
    model.setPollInterval(100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    OtherConnection other(test.url());
    const QStringList ids = other.queue.enqueueMany(
        {play(QStringLiteral("b.txt")), play(QStringLiteral("c.txt")), play(QStringLiteral("d.txt"))});
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 4, 1000);
    QCOMPARE(inserted.size(), 1);  // one batch, one insert
    for (const QString &id : ids)
        QVERIFY(model.rowOfJob(id) >= 0);

    // Nothing deletes jobs through the engine; another tool might.
    QSqlQuery del(other.connection.database());
    QVERIFY(del.exec(QStringLiteral(R"(DELETE FROM "JobEvent" WHERE "jobId" = '%1')").arg(a)));
    QVERIFY(del.exec(QStringLiteral(R"(DELETE FROM "ParseJob" WHERE "id" = '%1')").arg(a)));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, 3000);
    QCOMPARE(model.rowOfJob(a), -1);
    QCOMPARE(removed.size(), 1);
    for (const QString &id : ids)
        QCOMPARE(model.jobRow(model.rowOfJob(id)).id, id);
    QCOMPARE(reset.size(), 0);
}

void TestJobTableModel::tenThousandJobsFiftyChangeWithoutReset()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    QStringList ids;
    for (int batch = 0; batch < 10; ++batch) {
        QList<EnqueueInput> inputs;
        for (int i = 0; i < 1000; ++i)
            inputs << play(QStringLiteral("play-%1.txt").arg(batch * 1000 + i, 5, 10, QLatin1Char('0')));
        silently([&] { ids << queue.enqueueMany(inputs); });
    }
    Session session(test.url());
    QVERIFY(session.open().ok);
    JobTableModel model(&session);
    QTRY_VERIFY(model.isLoaded());
    QCOMPARE(model.rowCount(), 10000);
    JobFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.sort(JobTableModel::FileColumn);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::Warning);
    QItemSelectionModel selection(&proxy);
    QStringList selected;
    for (int row = 100; row < 110; ++row) {
        selection.select(proxy.index(row, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        selected << proxy.index(row, 0).data(JobTableModel::JobIdRole).toString();
    }
    selection.setCurrentIndex(proxy.index(105, 0), QItemSelectionModel::NoUpdate);

    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy proxyReset(&proxy, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    OtherConnection other(test.url());
    for (int i = 0; i < 50; ++i)
        other.queue.setPriority(ids.at(i * 200 + 3), 7);  // notified, as the engine does
    QTRY_COMPARE_WITH_TIMEOUT(rowWithPriority(model, 7), 50, 2000);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(proxyReset.size(), 0);
    QCOMPARE(inserted.size(), 0);
    QVERIFY(changed.size() >= 50);
    QVERIFY(changed.size() <= 100);  // one per changed row (a poll may see a row once more)
    QStringList stillSelected;
    for (const QModelIndex &index : selection.selectedRows())
        stillSelected << index.data(JobTableModel::JobIdRole).toString();
    stillSelected.sort();
    selected.sort();
    QCOMPARE(stillSelected, selected);
    QCOMPARE(selection.currentIndex().row(), 105);
}

void TestJobTableModel::proxyFiltersByStatusesAndText()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString hamlet = queue.enqueue(play(QStringLiteral("hamlet.txt")));
    const QString faust = queue.enqueue(play(QStringLiteral("faust.txt")));
    const QString earnest = queue.enqueue(play(QStringLiteral("earnest.txt")));
    queue.pause(faust);
    queue.cancel(earnest);
    Session session(test.url());
    QVERIFY(session.open().ok);
    JobTableModel model(&session);
    QTRY_VERIFY(model.isLoaded());
    JobFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(proxy.rowCount(), 3);
    proxy.setStatusFilter({JobStatus::Queued, JobStatus::Paused});
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setTextFilter(QStringLiteral("FAU"));
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, 0).data(JobTableModel::JobIdRole).toString(), faust);
    proxy.setStatusFilter({});
    proxy.setTextFilter(earnest.left(8));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setTextFilter({});
    // A status change moves a row in or out of the filtered view without a reset.
    proxy.setStatusFilter({JobStatus::Paused});
    QCOMPARE(proxy.rowCount(), 1);
    queue.pause(hamlet);
    QTRY_COMPARE_WITH_TIMEOUT(proxy.rowCount(), 2, 1000);
    proxy.sort(JobTableModel::FileColumn, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, JobTableModel::FileColumn).data().toString(), QStringLiteral("faust.txt"));
}

void TestJobTableModel::burstIsCoalesced()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a.txt")));
    Session session(test.url());
    QVERIFY(session.open().ok);
    JobTableModel model(&session);
    QTRY_VERIFY(model.isLoaded());
    model.setPollInterval(0);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    for (int i = 1; i <= 20; ++i)
        queue.setPriority(id, i);  // 20 notifications within a few milliseconds
    QTRY_COMPARE_WITH_TIMEOUT(model.jobRow(0).priority, 20, 1000);
    QVERIFY2(changed.size() <= 2, qPrintable(QString::number(changed.size())));
}

void TestJobTableModel::starNotificationRereadsRecentChanges()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a.txt")));
    Session session(test.url());
    QVERIFY(session.open().ok);
    JobTableModel model(&session);
    QTRY_VERIFY(model.isLoaded());
    model.setPollInterval(0);  // only the notification can bring the change
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    OtherConnection other(test.url());
    QString added;
    silently([&] {
        other.queue.setPriority(id, 6);
        added = other.queue.enqueue(play(QStringLiteral("b.txt")));
    });
    JobNotifier::instance()->publish({QStringLiteral("*")});
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 2, 1000);
    QCOMPARE(model.jobRow(model.rowOfJob(id)).priority, 6);
    QCOMPARE(reset.size(), 0);
}

QTEST_MAIN(TestJobTableModel)
#include "tst_jobtablemodel.moc"

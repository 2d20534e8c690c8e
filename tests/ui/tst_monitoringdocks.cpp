#include "engine/database.h"
#include "engine/jobqueue.h"
#include "models/activitymodel.h"
#include "models/jobtablemodel.h"
#include "testdatabase.h"
#include "ui/activitydock.h"
#include "ui/mainwindow.h"
#include "session/session.h"
#include "ui/metricsdock.h"
#include "ui/workerspanel.h"
#ifdef CALLBOARD_HAVE_WORKERPOOL
#include "engine/parsejobhandler.h"
#include "engine/workerpool.h"
#endif

#include <QAbstractItemModelTester>
#include <QAction>
#include <QDir>
#include <QLabel>
#include <QSettings>
#include <QStandardPaths>
#include <QScopeGuard>
#include <QTest>
#include <QHostInfo>
#include <QProcess>
#include <QTreeView>
#include <QTreeWidget>

#include <csignal>

using namespace Engine;

class TestMonitoringDocks final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init() { QSettings().clear(); }
    void metricsShowDepthCounts_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }
    void metricsShowDepthCounts();
    void activityDockShowsEvents();
    void bannerFollowsConnectionSignals();
    void workersPanelListsAnotherProcess_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }
    void workersPanelListsAnotherProcess();
};

namespace {

QTreeWidgetItem *itemOfPid(QTreeWidget *list, qint64 pid)
{
    for (int i = 0; i < list->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = list->topLevelItem(i);
        if (item->text(WorkersPanel::PidColumn) == QString::number(pid))
            return item;
    }
    return nullptr;
}

QString stateOfPid(QTreeWidget *list, qint64 pid)
{
    const QTreeWidgetItem *item = itemOfPid(list, pid);
    return item ? item->text(WorkersPanel::StateColumn) : QStringLiteral("(not listed)");
}

} // namespace

void TestMonitoringDocks::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("CallboardTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_monitoringdocks"));
}

void TestMonitoringDocks::metricsShowDepthCounts()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    EnqueueInput input;
    input.rawText = QByteArrayLiteral("HAMLET. To be.\n");
    QStringList ids;
    for (int i = 0; i < 3; ++i) {
        input.filename = QStringLiteral("play%1.txt").arg(i);
        ids << queue.enqueue(input);
    }
    queue.pause(ids.at(0));

    MainWindow window(test.url(), nullptr);
    window.show();
    QAction *toggle = window.findChild<QAction *>(QStringLiteral("view.metrics"));
    QVERIFY(toggle);
    toggle->trigger();
    QVERIFY(window.metricsDock()->isVisible());
    window.metricsDock()->setInterval(200);
    window.metricsDock()->refresh();
    QLabel *queued = window.metricsDock()->figureLabel(QStringLiteral("depth.queued"));
    QLabel *paused = window.metricsDock()->figureLabel(QStringLiteral("depth.paused"));
    QVERIFY(queued && paused);
    QTRY_COMPARE_WITH_TIMEOUT(queued->text(), QStringLiteral("2"), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(paused->text(), QStringLiteral("1"), 10000);
    QCOMPARE(window.metricsDock()->figureLabel(QStringLiteral("ready"))->text(),
             QStringLiteral("2 / 0"));

    if (qEnvironmentVariableIsSet("CALLBOARD_SCREENSHOT")) {
        window.activityDock()->show();
        window.resize(1500, 900);
        QTRY_VERIFY(window.activityDock()->model()->rowCount() > 0);
        QTest::qWait(300);
        window.grab().save(qEnvironmentVariable("CALLBOARD_SCREENSHOT"));
    }
}

void TestMonitoringDocks::activityDockShowsEvents()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    MainWindow window(test.url(), nullptr);
    QAbstractItemModelTester tester(window.activityDock()->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    window.session()->setPollInterval(200);
    QCOMPARE(window.activityDock()->model()->rowCount(), 0);
    ScopedConnection other(test.url(), QStringLiteral("other"));
    JobQueue queue(other.database());
    EnqueueInput input;
    input.filename = QStringLiteral("hamlet.txt");
    input.rawText = QByteArrayLiteral("HAMLET. To be.\n");
    const QString id = queue.enqueue(input);
    queue.pause(id, QStringLiteral("tester"));
    QTRY_COMPARE_WITH_TIMEOUT(window.activityDock()->model()->rowCount(), 1, 3000);
    QCOMPARE(window.activityDock()->view()->model()->rowCount(), 1);
}

void TestMonitoringDocks::bannerFollowsConnectionSignals()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
#ifdef CALLBOARD_HAVE_WORKERPOOL
    auto options = WorkerPoolOptions::fromEnvironment(test.url());
    options.handler = parsePlayHandler;
    options.workers = 0;
    WorkerPool pool(options);
    MainWindow window(test.url(), &pool);
    window.show();
    QVERIFY(window.connectionBanner()->isHidden());
    emit pool.connectionProblem(QStringLiteral("server closed the connection"));
    QVERIFY(window.connectionBanner()->isVisible());
    QVERIFY(window.connectionBanner()->text().contains(QStringLiteral("server closed")));
#else
    MainWindow window(test.url(), nullptr);
    window.show();
    window.showConnectionProblem(QStringLiteral("server closed the connection"));
    QVERIFY(window.connectionBanner()->isVisible());
#endif
    // The next successful refresh of the job table hides it again.
    window.jobModel()->refresh();
    QTRY_VERIFY(window.connectionBanner()->isHidden());
    window.showConnectionProblem(QStringLiteral("again"));
    QVERIFY(window.connectionBanner()->isVisible());
    window.clearConnectionProblem();
    QVERIFY(window.connectionBanner()->isHidden());
}

// Issue 13 item 7: a real worker process on the same database is listed by what it records
// itself — idle (with no job ever: nothing else would show it), then active with its job, then,
// killed with SIGKILL, lost.
void TestMonitoringDocks::workersPanelListsAnotherProcess()
{
    OPEN_TEST_DATABASE(test);
    QProcess worker;
    worker.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CALLBOARD_CHUNK_DELAY_MS"), QStringLiteral("300"));
    worker.setProcessEnvironment(env);
    worker.start(QStringLiteral(CALLBOARD_BINARY),
                 {QStringLiteral("--db"), test.urlString(), QStringLiteral("worker"),
                  QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--lock-seconds"),
                  QStringLiteral("1"), QStringLiteral("--heartbeat-seconds"), QStringLiteral("0.2")});
    QVERIFY(worker.waitForStarted());
    const auto killWorker = qScopeGuard([&worker] {
        worker.kill();
        worker.waitForFinished();
    });
    const qint64 pid = worker.processId();

    MainWindow window(test.url(), nullptr);
    window.show();
    QTreeWidget *list = window.workersPanel()->list();
    QTRY_COMPARE_WITH_TIMEOUT(stateOfPid(list, pid), QStringLiteral("idle"), 20000);
    const QTreeWidgetItem *item = itemOfPid(list, pid);
    QCOMPARE(item->text(WorkersPanel::HostColumn), QHostInfo::localHostName());
    QCOMPARE(item->text(WorkersPanel::VersionColumn), QStringLiteral(CALLBOARD_VERSION));
    QVERIFY(!item->text(WorkersPanel::StartedColumn).isEmpty());
    QVERIFY(!item->text(WorkersPanel::HeartbeatColumn).isEmpty());
    QVERIFY(item->text(WorkersPanel::WorkerColumn).endsWith(QStringLiteral("-%1").arg(pid)));

    JobQueue queue(test.db());
    EnqueueInput input;
    input.filename = QStringLiteral("slow.txt");
    input.rawText = QByteArrayLiteral("HAMLET. To be.\n\nHORATIO. Or not.\n\n");
    input.rawText = input.rawText.repeated(40);
    input.config = {{QStringLiteral("chunkSize"), 2}};
    queue.enqueue(input);
    QTRY_COMPARE_WITH_TIMEOUT(stateOfPid(list, pid), QStringLiteral("active"), 10000);
    item = itemOfPid(list, pid);
    QCOMPARE(item->childCount(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(itemOfPid(list, pid)->child(0)->text(WorkersPanel::JobsColumn),
                              QStringLiteral("slow.txt"), 5000);

    ::kill(pid_t(pid), SIGKILL);
    QVERIFY(worker.waitForFinished(5000));
    QTRY_COMPARE_WITH_TIMEOUT(stateOfPid(list, pid), QStringLiteral("lost"), 10000);
}

QTEST_MAIN(TestMonitoringDocks)
#include "tst_monitoringdocks.moc"

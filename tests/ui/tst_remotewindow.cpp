#include "delayproxy.h"
#include "engine/database.h"
#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "engine/parsejobhandler.h"
#include "engine/workerpool.h"
#include "lagprobe.h"
#include "partitionproxy.h"
#include "models/jobtablemodel.h"
#include "session/session.h"
#include "testdatabase.h"
#include "ui/jobactions.h"
#include "ui/mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QEventLoop>
#include <QLabel>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTest>

#include <atomic>
#include <functional>
#include <memory>

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

/// Another worker on the same server (not behind the proxy): once a second it enqueues, changes
/// priorities and runs a job, so the window always has something to follow.
class QueueChanger final
{
public:
    QueueChanger(const DatabaseUrl &url, QStringList ids)
        : m_thread(QThread::create([this, url, ids] { run(url, ids); }))
    {
        m_thread->start();
    }
    ~QueueChanger()
    {
        m_stop = true;
        m_thread->wait();
    }
    int rounds() const { return m_rounds; }

private:
    void run(const DatabaseUrl &url, const QStringList &ids)
    {
        ScopedConnection connection(url, QStringLiteral("changer"));
        JobQueue queue(connection.database());
        while (!m_stop) {
            queue.enqueue(play(QStringLiteral("new-%1.txt").arg(m_rounds)));
            for (int i = 0; i < 5; ++i) {
                const QString &id = ids.at(QRandomGenerator::global()->bounded(int(ids.size())));
                try {
                    queue.setPriority(id, QRandomGenerator::global()->bounded(10));
                } catch (const JobError &) {
                    // completed meanwhile
                }
            }
            if (const auto job = queue.claimNext(QStringLiteral("changer-1-1")))
                queue.complete(job->id, QStringLiteral("changer-1-1"));
            ++m_rounds;
            for (int slept = 0; slept < 1000 && !m_stop; slept += 50)
                QThread::msleep(50);
        }
    }

    std::atomic<bool> m_stop{false};
    std::atomic<int> m_rounds{0};
    std::unique_ptr<QThread> m_thread;
};

/// Whether the window's table says what the server says, job by job.
QString differenceFromServer(JobQueue &queue, const JobTableModel &model)
{
    const QList<Job> jobs = queue.jobs();
    if (jobs.size() != model.rowCount())
        return QStringLiteral("%1 jobs on the server, %2 rows").arg(jobs.size()).arg(model.rowCount());
    for (const Job &job : jobs) {
        const int row = model.rowOfJob(job.id);
        if (row < 0)
            return QStringLiteral("job %1 missing").arg(job.id);
        const JobRow &shown = model.jobRow(row);
        if (shown.status != job.status || shown.priority != job.priority)
            return QStringLiteral("job %1 differs").arg(job.id);
    }
    return {};
}

/// Runs the event loop until done() or the timeout, as the application would: QTRY_ and qWait
/// sleep between rounds of events, which the probe would count as lag and as blocked time.
bool runUntil(const std::function<bool()> &done, int timeoutMs)
{
    QEventLoop loop;
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    check.start(20);
    if (!done())
        loop.exec();
    return done();
}

} // namespace

class TestRemoteWindow final : public QObject
{
    Q_OBJECT

private slots:
    void windowStaysResponsiveAt100MsRoundTrip();
    void oneListenerPerProcessAndEveryConnectionNamed();
    void bannerSaysWhenTheDatabaseStopsAnswering();
};

void TestRemoteWindow::windowStaysResponsiveAt100MsRoundTrip()
{
    TestDatabase test(QStringLiteral("postgres"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    JobQueue queue(test.db());
    QList<EnqueueInput> inputs;
    for (int i = 0; i < 200; ++i)
        inputs << play(QStringLiteral("play-%1.txt").arg(i));
    const QStringList ids = queue.enqueueMany(inputs);
    // Lowest priority: the changer's claims never take it.
    const QString target = queue.enqueue(play(QStringLiteral("target.txt"), -5));

    // A database in another region: 50 ms each way.
    DelayProxy proxy(test.url().host, quint16(test.url().port), 50);
    QVERIFY(proxy.start());
    DatabaseUrl remote = test.url();
    remote.host = QStringLiteral("127.0.0.1");
    remote.port = proxy.port();

    auto window = std::make_unique<MainWindow>(remote, nullptr);
    window->resize(1200, 800);
    window->show();
    QVERIFY2(window->isConnected(), qPrintable(window->connectionError()));
    JobTableModel *model = window->jobModel();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 201, 20000);

    LagProbe probe;
    probe.start();
    auto changer = std::make_unique<QueueChanger>(test.url(), ids);
    QVERIFY(runUntil([&] { return changer->rounds() >= 3; }, 10000));

    // An action on the slow link: acknowledged at once, applied when the server answers.
    window->selectJobs({target});
    QAction *pause = window->findChild<QAction *>(QStringLiteral("job.pause"));
    QVERIFY(pause && pause->isEnabled());
    QSignalSpy answered(window->jobActions(), &JobActions::commandFinished);
    pause->trigger();
    const QModelIndex status = model->index(model->rowOfJob(target), JobTableModel::StatusColumn);
    QVERIFY2(status.data().toString().contains(QStringLiteral("pausing")),
             qPrintable(status.data().toString()));
    QVERIFY(runUntil([&] { return answered.size() == 1; }, 5000));
    QCOMPARE(model->jobRow(model->rowOfJob(target)).status, JobStatus::Paused);
    QVERIFY(!model->index(model->rowOfJob(target), JobTableModel::StatusColumn)
                 .data().toString().contains(QStringLiteral("pausing")));

    // The status bar shows the measured round trip.
    QVERIFY(runUntil([&] { return window->session()->roundTripMs() >= 90; }, 5000));
    auto *roundTrip = window->findChild<QLabel *>(QStringLiteral("roundTripLabel"));
    QVERIFY(roundTrip && roundTrip->text().contains(QStringLiteral("ms")));

    QVERIFY(runUntil([&] { return changer->rounds() >= 8; }, 15000));
    probe.stop();
    changer.reset();

    QCOMPARE(queue.job(target)->status, JobStatus::Paused);
    QString difference;
    QTRY_VERIFY2_WITH_TIMEOUT((difference = differenceFromServer(queue, *model)).isEmpty(),
                              qPrintable(difference), 10000);

    qInfo("event-loop lag at 100 ms round trip: p50 %.1f ms, p99 %.1f ms, max %.1f ms "
          "(%lld samples); GUI thread busy %.1f %%, blocked %.1f %%",
          probe.lagPercentileMs(50), probe.lagPercentileMs(99), probe.maxLagMs(),
          qlonglong(probe.samples()), 100 * probe.busyShare(), 100 * probe.blockedShare());
    QVERIFY2(probe.lagPercentileMs(99) < 50, qPrintable(QString::number(probe.lagPercentileMs(99))));
    // Synchronous statements at this round trip kept the old window blocked 98 % of the time.
    // Busy time off the CPU also counts preemption (2 cores shared with the server, the proxy
    // and the changer): gui_lag_bench measures against the 5 % target; this catches a return
    // of statements on the GUI thread without failing on a busy machine.
    QVERIFY2(probe.blockedShare() < 0.2, qPrintable(QString::number(probe.blockedShare())));
}

void TestRemoteWindow::oneListenerPerProcessAndEveryConnectionNamed()
{
    TestDatabase test(QStringLiteral("postgres"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    // As the application runs it: the window's session listens, the pool hears through it.
    auto options = WorkerPoolOptions::fromEnvironment(test.url());
    options.handler = parsePlayHandler;
    options.workers = 1;
    options.listen = false;
    WorkerPool pool(options);
    MainWindow window(test.url(), &pool);
    QVERIFY2(window.isConnected(), qPrintable(window.connectionError()));
    QVERIFY_OK(pool.start());

    auto names = [&] {
        QSqlQuery query(test.db());
        query.exec(QStringLiteral("SELECT application_name FROM pg_stat_activity "
                                  "WHERE datname = current_database() AND pid <> pg_backend_pid()"));
        QStringList result;
        while (query.next())
            result << query.value(0).toString();
        return result;
    };
    QTRY_VERIFY_WITH_TIMEOUT(names().contains(QStringLiteral("callboard window")), 5000);
    const QStringList seen = names();
    QCOMPARE(seen.count(QStringLiteral("callboard listener")), 1);
    for (const QString &name : seen)
        QVERIFY2(name.startsWith(QStringLiteral("callboard ")), qPrintable(seen.join(QLatin1Char(','))));
    pool.stop();
}

void TestRemoteWindow::bannerSaysWhenTheDatabaseStopsAnswering()
{
    TestDatabase test(QStringLiteral("postgres"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    PartitionProxy proxy(test.url().host, quint16(test.url().port));
    QVERIFY(proxy.start());
    DatabaseUrl remote = test.url();
    remote.host = QStringLiteral("127.0.0.1");
    remote.port = proxy.port();
    MainWindow window(remote, nullptr);
    window.show();
    QVERIFY2(window.isConnected(), qPrintable(window.connectionError()));
    window.session()->setSilenceLimit(3000);
    QTRY_VERIFY(window.jobModel()->isLoaded());
    QVERIFY(window.connectionBanner()->isHidden());

    // A partition answers nothing and closes nothing: the window says so within seconds (the
    // kernel would take a minute), and its event loop keeps running meanwhile.
    proxy.partition();
    QTRY_VERIFY_WITH_TIMEOUT(window.connectionBanner()->isVisible(), 10000);
    QVERIFY2(window.connectionBanner()->text().contains(QStringLiteral("not answered")),
             qPrintable(window.connectionBanner()->text()));
    proxy.heal();
    QTRY_VERIFY_WITH_TIMEOUT(window.connectionBanner()->isHidden(), 10000);
}

int main(int argc, char **argv)
{
    // Measures the GUI thread's busy and blocked time (LagProbe); otherwise QTEST_MAIN.
    TimedApplication<QApplication> app(argc, argv);
    app.setAttribute(Qt::AA_Use96Dpi, true);
    QStandardPaths::setTestModeEnabled(true);  // the window's settings are not the user's
    TestRemoteWindow test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "tst_remotewindow.moc"

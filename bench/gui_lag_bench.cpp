// The window over a large PostgreSQL queue that keeps changing: 100,000 jobs, 1 % of them
// changed per second (as 10 batches of 100, each announced as a worker pool in this process
// announces its changes), measured with the database local and through a proxy that delays each
// direction by 50 ms (a database in another region). Prints the GUI event loop's lag (a 10 ms
// timer: how late it fires) at p50/p99/max and the share of the GUI thread's time spent busy,
// and busy off the CPU (blocked in a system call: waiting for the database).
// Targets (issue 12): lag p99 < 50 ms and blocked < 5 %, local and at 100 ms round trip.
//
//   gui_lag_bench --pg postgres://user@host:port/db [--jobs N] [--per-second N] [--seconds N]
//   (or CALLBOARD_TEST_PG_URL; a database "callboard_gui_bench" is created there, and dropped)
#include "delayproxy.h"
#include "engine/database.h"
#include "engine/jobnotifier.h"
#include "engine/jobqueue.h"
#include "engine/migrations.h"
#include "lagprobe.h"
#include "models/jobtablemodel.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTextStream>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>

using namespace Engine;

namespace {

void runFor(int ms, const std::function<bool()> &done = {})
{
    QEventLoop loop;
    QTimer check;
    if (done) {
        QObject::connect(&check, &QTimer::timeout, &loop, [&] {
            if (done())
                loop.quit();
        });
        check.start(50);
    }
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

/// Changes perSecond jobs a second, in ten batches, from a connection of its own.
class Changer final
{
public:
    Changer(const DatabaseUrl &url, const QStringList &ids, int perSecond)
        : m_thread(QThread::create([this, url, ids, perSecond] { run(url, ids, perSecond); }))
    {
        m_thread->start();
    }
    ~Changer()
    {
        m_stop = true;
        m_thread->wait();
    }
    qint64 changed() const { return m_changed; }

private:
    void run(const DatabaseUrl &url, const QStringList &ids, int perSecond)
    {
        ScopedConnection connection(url, QStringLiteral("bench-changer"));
        QSqlQuery update(connection.database());
        update.prepare(QStringLiteral(
            R"(UPDATE "ParseJob" SET "priority" = ("priority" + 1) % 10,
                      "progress" = ("progress" + 1)::int % 100, "updatedAt" = LOCALTIMESTAMP(3)
               WHERE "id" = ANY(string_to_array(:ids, ',')))"));
        const int perBatch = qMax(1, perSecond / 10);
        QElapsedTimer clock;
        clock.start();
        for (qint64 batch = 0; !m_stop; ++batch) {
            QStringList chosen;
            for (int i = 0; i < perBatch; ++i)
                chosen << ids.at(QRandomGenerator::global()->bounded(int(ids.size())));
            update.bindValue(QStringLiteral(":ids"), chosen.join(QLatin1Char(',')));
            if (update.exec())
                m_changed += update.numRowsAffected();
            JobNotifier::instance()->publish(chosen);
            const qint64 next = (batch + 1) * 100;
            if (clock.elapsed() < next)
                QThread::msleep(next - clock.elapsed());
        }
    }

    std::atomic<bool> m_stop{false};
    std::atomic<qint64> m_changed{0};
    std::unique_ptr<QThread> m_thread;
};

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    TimedApplication<QApplication> app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);  // the window's settings are not the user's
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("pg"), QStringLiteral("PostgreSQL server URL."),
                      QStringLiteral("url"), qEnvironmentVariable("CALLBOARD_TEST_PG_URL")});
    parser.addOption({QStringLiteral("jobs"), QStringLiteral("Jobs in the queue."),
                      QStringLiteral("n"), QStringLiteral("100000")});
    parser.addOption({QStringLiteral("per-second"), QStringLiteral("Jobs changed per second."),
                      QStringLiteral("n"), QStringLiteral("1000")});
    parser.addOption({QStringLiteral("seconds"), QStringLiteral("Seconds measured per setting."),
                      QStringLiteral("n"), QStringLiteral("10")});
    parser.process(app);
    QTextStream out(stdout);
    const int jobs = parser.value(QStringLiteral("jobs")).toInt();
    const int perSecond = parser.value(QStringLiteral("per-second")).toInt();
    const int seconds = parser.value(QStringLiteral("seconds")).toInt();

    const auto admin = DatabaseUrl::parse(parser.value(QStringLiteral("pg")));
    if (!admin || !admin->isPostgres()) {
        out << "a PostgreSQL URL is needed (--pg or CALLBOARD_TEST_PG_URL): "
            << (admin ? QString() : admin.error().message) << Qt::endl;
        return 2;
    }
    DatabaseUrl url = *admin;
    url.database = QStringLiteral("callboard_gui_bench");
    {
        ScopedConnection connection(*admin, QStringLiteral("bench-admin"));
        QSqlQuery query(connection.database());
        query.exec(QStringLiteral("DROP DATABASE IF EXISTS callboard_gui_bench"));
        if (!query.exec(QStringLiteral("CREATE DATABASE callboard_gui_bench"))) {
            out << "cannot create the bench database: " << connection.error() << Qt::endl;
            return 1;
        }
    }

    QStringList ids;
    {
        ScopedConnection connection(url, QStringLiteral("bench-fill"));
        const auto migrated = connection.isOpen() ? Migrations::migrate(connection.database())
                                                  : Expected<void>();
        if (!connection.isOpen() || !migrated) {
            out << "cannot open the bench database: " << connection.error()
                << (migrated ? QString() : migrated.error().message) << Qt::endl;
            return 1;
        }
        JobQueue queue(connection.database());
        JobNotifier::instance()->blockSignals(true);  // filling is not what we measure
        QElapsedTimer timer;
        timer.start();
        for (int done = 0; done < jobs;) {
            QList<EnqueueInput> batch;
            for (int i = 0; i < 1000 && done < jobs; ++i, ++done) {
                EnqueueInput input;
                input.filename = QStringLiteral("play-%1.txt").arg(done, 6, 10, QLatin1Char('0'));
                input.rawText = QByteArrayLiteral("HAMLET. To be, or not to be.\n");
                input.priority = done % 7;
                batch << input;
            }
            ids << queue.enqueueMany(batch, QStringLiteral("bench"));
        }
        JobNotifier::instance()->blockSignals(false);
        out << "filled " << ids.size() << " jobs in " << timer.elapsed() << " ms" << Qt::endl;
    }

    for (const int delayEachWay : {0, 50}) {
        std::unique_ptr<DelayProxy> proxy;
        DatabaseUrl windowUrl = url;
        if (delayEachWay > 0) {
            proxy = std::make_unique<DelayProxy>(url.host, quint16(url.port), delayEachWay);
            if (!proxy->start()) {
                out << "the delay proxy did not start" << Qt::endl;
                return 1;
            }
            windowUrl.host = QStringLiteral("127.0.0.1");
            windowUrl.port = proxy->port();
        }
        const QString setting = delayEachWay > 0
            ? QStringLiteral("%1 ms round trip").arg(2 * delayEachWay)
            : QStringLiteral("local");
        QElapsedTimer timer;
        timer.start();
        auto window = std::make_unique<MainWindow>(windowUrl, nullptr);
        window->resize(1200, 800);
        window->show();
        if (!window->isConnected()) {
            out << setting << ": the window did not connect: " << window->connectionError() << Qt::endl;
            return 1;
        }
        runFor(300000, [&] { return window->jobModel()->rowCount() >= ids.size(); });
        out << setting << ": window open with " << window->jobModel()->rowCount() << " jobs after "
            << timer.elapsed() << " ms" << Qt::endl;
        runFor(1000);  // the first batch's repaint, before measuring

        LagProbe probe;
        auto changer = std::make_unique<Changer>(url, ids, perSecond);
        probe.start();
        runFor(seconds * 1000);
        probe.stop();
        const qint64 changed = changer->changed();
        changer.reset();
        out << setting << ": " << changed << " job changes in " << seconds << " s; event-loop lag p50 "
            << QString::number(probe.lagPercentileMs(50), 'f', 1) << " ms, p99 "
            << QString::number(probe.lagPercentileMs(99), 'f', 1) << " ms, max "
            << QString::number(probe.maxLagMs(), 'f', 1) << " ms; GUI thread busy "
            << QString::number(100 * probe.busyShare(), 'f', 1) << " %, blocked "
            << QString::number(100 * probe.blockedShare(), 'f', 1) << " %" << Qt::endl;
        if (proxy)
            out << setting << ": " << proxy->roundTrips() << " round trips through the proxy"
                << Qt::endl;
        window.reset();
    }
    {
        ScopedConnection connection(*admin, QStringLiteral("bench-admin"));
        QSqlQuery(connection.database()).exec(QStringLiteral("DROP DATABASE IF EXISTS callboard_gui_bench"));
    }
    return 0;
}

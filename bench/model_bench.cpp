// Loads 100,000 jobs from a SQLite queue into JobTableModel (behind the window's sorted proxy),
// changes 1,000 of them from a second connection, and prints how long the load and the update
// took and the resident memory. Targets (issue 5): update < 16 ms, RSS < 300 MB.
//
//   model_bench [--jobs N] [--changes N] [--db /path/queue.db]   (an existing file is reused)
#include "engine/database.h"
#include "engine/jobnotifier.h"
#include "engine/jobqueue.h"
#include "engine/migrations.h"
#include "models/jobfilterproxymodel.h"
#include "models/jobtablemodel.h"
#include "session/session.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QGuiApplication>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>

using namespace Engine;

namespace {

double rssMb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    }
    return -1;
}

int countJobs(QSqlDatabase db)
{
    QSqlQuery query(db);
    query.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")"));
    return query.next() ? query.value(0).toInt() : 0;
}

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("jobs"), QStringLiteral("Jobs in the table."), QStringLiteral("n"),
                      QStringLiteral("100000")});
    parser.addOption({QStringLiteral("changes"), QStringLiteral("Jobs changed."), QStringLiteral("n"),
                      QStringLiteral("1000")});
    parser.addOption({QStringLiteral("db"), QStringLiteral("SQLite file to use (kept)."),
                      QStringLiteral("path")});
    parser.process(app);
    const int jobs = parser.value(QStringLiteral("jobs")).toInt();
    const int changes = parser.value(QStringLiteral("changes")).toInt();
    QTextStream out(stdout);

    QTemporaryDir dir;
    DatabaseUrl url;
    url.sqlitePath = parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db"))
                                                          : dir.filePath(QStringLiteral("bench.db"));
    const auto opened = Database::open(url, QStringLiteral("bench"));
    const auto migrated = opened ? Migrations::migrate(*opened) : Expected<void>(opened.error());
    if (!migrated) {
        out << "cannot open " << url.sqlitePath << ": " << migrated.error().message << Qt::endl;
        return 1;
    }
    QSqlDatabase db = *opened;
    JobQueue queue(db);
    JobNotifier::instance()->blockSignals(true);  // filling is not what we measure
    QElapsedTimer timer;
    timer.start();
    const int existing = countJobs(db);
    for (int done = existing; done < jobs;) {
        QList<EnqueueInput> batch;
        for (int i = 0; i < 1000 && done < jobs; ++i, ++done) {
            EnqueueInput input;
            input.filename = QStringLiteral("play-%1.txt").arg(done, 6, 10, QLatin1Char('0'));
            input.rawText = QByteArrayLiteral("HAMLET. To be, or not to be.\n");
            input.priority = done % 7;
            batch << input;
        }
        queue.enqueueMany(batch, QStringLiteral("bench"));
    }
    JobNotifier::instance()->blockSignals(false);
    out << "filled " << countJobs(db) << " jobs (" << jobs - qMin(existing, jobs) << " new) in "
        << timer.elapsed() << " ms" << Qt::endl;
    const double rssBefore = rssMb();

    // The window's path: the session reads on its own thread, the model applies batches.
    Session session(url);
    timer.restart();
    if (const Session::OpenResult opened = session.open(); !opened.ok) {
        out << "cannot open the session: " << opened.error << Qt::endl;
        return 1;
    }
    session.setPollInterval(0);
    JobTableModel model(&session);
    QSignalSpy loaded(&model, &JobTableModel::loaded);
    loaded.wait(120000);
    const qint64 loadMs = timer.elapsed();
    JobFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    timer.restart();
    proxy.sort(JobTableModel::CreatedColumn);
    const qint64 sortMs = timer.elapsed();
    const double rssLoaded = rssMb();

    // Past the feed's re-read overlap, so that a refresh sees only what changes next.
    QThread::msleep(2500);
    const QDateTime beforeChanges = queue.databaseNow();
    // Change `changes` jobs from a second connection, as a worker or another desktop would.
    QStringList ids;
    for (int row = 0; row < model.rowCount() && ids.size() < changes; row += qMax(1, model.rowCount() / changes))
        ids << model.jobRow(row).id;
    {
        ScopedConnection other(url, QStringLiteral("other"));
        JobNotifier::instance()->blockSignals(true);
        QSqlDatabase otherDb = other.database();
        otherDb.transaction();
        QSqlQuery update(otherDb);
        update.prepare(QStringLiteral(
            R"(UPDATE "ParseJob" SET "priority" = "priority" + 1, "progress" = 50,
               "updatedAt" = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE "id" = :id)"));
        for (const QString &id : std::as_const(ids)) {
            update.bindValue(QStringLiteral(":id"), id);
            update.exec();
        }
        otherDb.commit();
        JobNotifier::instance()->blockSignals(false);
    }

    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    // The read alone (what the feed's query costs, on the session thread), then the whole
    // refresh (asked, read, applied).
    Engine::JobFilter filter;
    filter.changedSince = beforeChanges;
    timer.restart();
    const int reread = int(queue.jobs(filter).size());
    const qint64 readMs = timer.elapsed();
    QElapsedTimer refreshTimer;
    qint64 firstChangeNs = -1;
    qint64 lastChangeNs = -1;
    QObject::connect(&model, &QAbstractItemModel::dataChanged, &model, [&] {
        lastChangeNs = refreshTimer.nsecsElapsed();
        if (firstChangeNs < 0)
            firstChangeNs = lastChangeNs;
    });
    refreshTimer.start();
    model.refresh();
    QSignalSpy feed(&session, &Session::jobsChanged);
    feed.wait(30000);
    const qint64 refreshMs = refreshTimer.elapsed();

    out << "jobs in model:        " << model.rowCount() << Qt::endl;
    out << "load:                 " << loadMs << " ms (+ proxy sort " << sortMs << " ms)" << Qt::endl;
    out << "changed rows:         " << ids.size() << " (re-read " << reread << ", dataChanged "
        << changed.size() << ", modelReset " << reset.size() << ")" << Qt::endl;
    out << "update (ask+read+apply): " << refreshMs << " ms (the read on the session thread; "
        << "the same read alone " << readMs << " ms)" << Qt::endl;
    out << "model apply:          " << QString::number((lastChangeNs - firstChangeNs) / 1e6, 'f', 2)
        << " ms (first to last dataChanged, proxy included)" << Qt::endl;
    out << "RSS:                  " << QString::number(rssLoaded, 'f', 1) << " MB with the model ("
        << QString::number(rssBefore, 'f', 1) << " MB before loading)" << Qt::endl;
    return reset.isEmpty() ? 0 : 1;
}

// Renders the real window to PNGs for docs/screenshots (scripts/screenshots.sh runs it):
// a queue staged with jobs in every state — real plays parsed chunk by chunk by the real parse
// pipeline, one failed, one retrying, one paused, two running on "other machines", some queued
// and cancelled — then the main window with a timeline, the playbook preview, the connection
// dialog and a drop in progress, in each language asked for.
//
//   callboard_screenshots OUTDIR [PLAYS_DIR] [--lang en,de]
#include "engine/database.h"
#include "engine/jobnotifier.h"
#include "engine/jobqueue.h"
#include "engine/migrations.h"
#include "engine/parse/parserun.h"
#include "models/jobeventmodel.h"
#include "models/jobtablemodel.h"
#include "ui/connectiondialog.h"
#include "ui/jobdetailpane.h"
#include "ui/languagesupport.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QDir>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QMimeData>
#include <QRadioButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTreeView>

using namespace Engine;

namespace {

void settle(int ms = 150)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

QByteArray readPlay(const QString &dir, const QString &name)
{
    QFile file(QDir(dir).filePath(name));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

EnqueueInput input(const QString &name, const QByteArray &text, int priority = 0, int maxRetries = 3)
{
    EnqueueInput in;
    in.filename = name;
    in.rawText = text;
    in.priority = priority;
    in.maxRetries = maxRetries;
    in.config = QJsonObject{{QStringLiteral("chunkSize"), 400}};
    return in;
}

/// Claims the only claimable job and parses `chunks` chunks of it (all when -1), as a worker.
QString work(JobQueue &queue, const QString &worker, int chunks, bool complete)
{
    auto job = queue.claimNext(worker);
    if (!job)
        qFatal("nothing to claim");
    ParseError error;
    auto run = ParseRun::begin(job->rawText, job->config, &error);
    if (!run)
        qFatal("parse: %s", qPrintable(error.message));
    int done = 0;
    while (!run->finished() && (chunks < 0 || done < chunks)) {
        ChunkReport report;
        if (!run->runNextChunk(&report, &error))
            qFatal("parse: %s", qPrintable(error.message));
        ++done;
        ProgressUpdate update;
        update.completedChunks = run->completedChunks();
        update.totalChunks = run->totalChunks();
        update.progress = 100.0 * run->completedChunks() / qMax(1, run->totalChunks());
        update.currentState = run->currentState();
        update.chunkResults = run->takeChunkResults();
        update.chunkDetails = QJsonObject{{QStringLiteral("chunk"), report.index},
                                          {QStringLiteral("ms"), report.elapsedMs},
                                          {QStringLiteral("speeches"), report.speeches}};
        queue.updateProgress(job->id, worker, update);
    }
    if (complete)
        queue.complete(job->id, worker, run->playbook());
    return job->id;
}

struct Staged
{
    QString completed;
    QString failed;
};

Staged stage(JobQueue &queue, const QString &plays)
{
    Staged staged;
    const QString here = QStringLiteral("stagehand-4711");
    // Completed, parsed for real.
    for (const char *name : {"hamlet.txt", "earnest.txt", "dolls-house.txt", "tartuffe.txt"}) {
        queue.enqueue(input(QLatin1String(name), readPlay(plays, QLatin1String(name)), 5));
        const QString id = work(queue, here + QStringLiteral("-1"), -1, true);
        if (QLatin1String(name) == QLatin1String("hamlet.txt"))
            staged.completed = id;
    }
    // Failed at once (no retries left) and retrying with backoff.
    queue.enqueue(input(QStringLiteral("cast-list.txt"), "Dramatis personae\n", 0, 0));
    auto job = queue.claimNext(here + QStringLiteral("-2"));
    queue.handleFailure(job->id, job->workerId,
                        QStringLiteral("no speeches found: this does not look like a play"), true);
    staged.failed = job->id;
    queue.enqueue(input(QStringLiteral("playboy.txt"), readPlay(plays, QStringLiteral("playboy.txt")), 1));
    job = queue.claimNext(here + QStringLiteral("-2"));
    queue.handleFailure(job->id, job->workerId,
                        QStringLiteral("LLM server answered 503 Service Unavailable"));
    // Paused half way.
    queue.enqueue(input(QStringLiteral("pygmalion.txt"), readPlay(plays, QStringLiteral("pygmalion.txt"))));
    const QString paused = work(queue, here + QStringLiteral("-1"), 3, false);
    queue.pause(paused);
    queue.honourControlRequest(paused, here + QStringLiteral("-1"));
    // Running on two other machines.
    queue.enqueue(input(QStringLiteral("faust.txt"), readPlay(plays, QStringLiteral("faust.txt")), 3));
    work(queue, QStringLiteral("render-02-2231-1"), 4, false);
    queue.enqueue(input(QStringLiteral("hamlet-second-quarto.txt"), readPlay(plays, QStringLiteral("hamlet.txt")), 2));
    const QString pausing = work(queue, QStringLiteral("render-03-907-2"), 2, false);
    queue.pause(pausing);  // a request: the worker stops at its next chunk
    // Cancelled and queued.
    const QString cancelled = queue.enqueue(input(QStringLiteral("the-seagull.txt"), "MASHA. I am in mourning for my life.\n"));
    queue.cancel(cancelled);
    queue.enqueue(input(QStringLiteral("the-cherry-orchard.txt"), "LOPAKHIN. The train's in, thank God.\n", 1));
    queue.enqueue(input(QStringLiteral("an-ideal-husband.txt"), "MABEL CHILTERN. Well, Tommy?\n"));
    queue.enqueue(input(QStringLiteral("ghosts.txt"), "REGINA. What do you want?\n", -1));
    return staged;
}

void save(QWidget *widget, const QString &path)
{
    settle();
    if (!widget->grab().save(path))
        qWarning("could not write %s", qPrintable(path));
    else
        qInfo("wrote %s", qPrintable(path));
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);  // never the user's settings
    QCoreApplication::setOrganizationName(QStringLiteral("CallboardScreenshots"));
    QCoreApplication::setApplicationName(QStringLiteral("callboard"));
    QStringList args = app.arguments().mid(1);
    QStringList languages{QStringLiteral("en"), QStringLiteral("de")};
    const int langAt = int(args.indexOf(QStringLiteral("--lang")));
    if (langAt >= 0 && langAt + 1 < args.size()) {
        languages = args.at(langAt + 1).split(QLatin1Char(','));
        args.remove(langAt, 2);
    }
    if (args.isEmpty()) {
        qWarning("usage: callboard_screenshots OUTDIR [PLAYS_DIR] [--lang en,de]");
        return 2;
    }
    const QString outDir = args.at(0);
    const QString plays = args.value(1, QStringLiteral(CALLBOARD_PLAYS_DIR));
    QDir().mkpath(outDir);

    QTemporaryDir dir;
    DatabaseUrl url;
    url.sqlitePath = dir.filePath(QStringLiteral("callboard.db"));
    const auto opened = Database::open(url, QStringLiteral("stage"));
    if (!opened)
        qFatal("%s", qPrintable(opened.error().message));
    QSqlDatabase db = *opened;
    if (const auto migrated = Migrations::migrate(db); !migrated)
        qFatal("%s", qPrintable(migrated.error().message));
    JobQueue queue(db);
    const Staged staged = stage(queue, plays);

    for (const QString &lang : std::as_const(languages)) {
        QSettings().clear();
        LanguageSupport::install(lang);
        auto window = std::make_unique<MainWindow>(url, nullptr);
        window->resize(1440, 900);
        window->show();
        settle(400);
        window->jobView()->sortByColumn(JobTableModel::StatusColumn, Qt::AscendingOrder);
        window->selectJobs({staged.completed});
        window->detailPane()->tabs()->setCurrentIndex(1);
        window->detailPane()->eventModel()->refresh();
        save(window.get(), QStringLiteral("%1/main-%2.png").arg(outDir, lang));

        window->detailPane()->tabs()->setCurrentIndex(2);
        save(window.get(), QStringLiteral("%1/playbook-%2.png").arg(outDir, lang));

        window->selectJobs({staged.failed});
        window->detailPane()->tabs()->setCurrentIndex(0);
        save(window.get(), QStringLiteral("%1/failed-job-%2.png").arg(outDir, lang));

        // A drag of two plays hovering over the window.
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(QDir(plays).filePath(QStringLiteral("faust.txt"))),
                      QUrl::fromLocalFile(QDir(plays).filePath(QStringLiteral("earnest.txt")))});
        QDragEnterEvent enter(window->rect().center(), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        QCoreApplication::sendEvent(window.get(), &enter);
        save(window.get(), QStringLiteral("%1/drop-%2.png").arg(outDir, lang));
        QDragLeaveEvent leave;
        QCoreApplication::sendEvent(window.get(), &leave);

        ConnectionDialog dialog(window.get());
        DatabaseUrl pg;
        pg.kind = DatabaseUrl::Kind::Postgres;
        pg.host = QStringLiteral("127.0.0.1");
        pg.port = 5433;
        pg.database = QStringLiteral("callboard");
        pg.user = QStringLiteral("editor");
        pg.password = QStringLiteral("secret");
        pg.sslMode = QStringLiteral("prefer");
        const QString testUrl = qEnvironmentVariable("CALLBOARD_SCREENSHOT_PG_URL");
        if (const auto parsed = DatabaseUrl::parse(testUrl); !testUrl.isEmpty() && parsed)
            pg = *parsed;
        dialog.setUrl(pg);
        dialog.show();
        QEventLoop loop;
        QObject::connect(&dialog, &ConnectionDialog::testFinished, &loop, &QEventLoop::quit);
        dialog.testConnection();
        if (dialog.isTesting())
            loop.exec();
        save(&dialog, QStringLiteral("%1/connection-%2.png").arg(outDir, lang));
        dialog.close();
        window->close();
    }
    return 0;
}

#include "engine/database.h"
#include "engine/jobnotifier.h"
#include "engine/jobqueue.h"
#include "engine/migrations.h"
#include "models/jobeventmodel.h"
#include "models/jobfilterproxymodel.h"
#include "models/jobtablemodel.h"
#include "testdatabase.h"
#include "ui/addplaysdialog.h"
#include "ui/jobactions.h"
#include "ui/jobdetailpane.h"
#include "ui/mainwindow.h"
#include "models/playbookmodel.h"

#ifdef CALLBOARD_HAVE_WORKERPOOL
#include "engine/parsejobhandler.h"
#include "engine/workerpool.h"
#endif

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QSettings>
#include <QSqlQuery>
#include <QStatusBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>
#include <QSpinBox>
#include <QPushButton>
#include <QTabWidget>
#include <QJsonDocument>
#include <QJsonObject>
#include <QFileInfo>
#include <QLabel>
#include <QDir>
#include <QThread>

#include <atomic>

using namespace Engine;

namespace {

const QString kHamlet = QStringLiteral(CALLBOARD_PLAYS_DIR "/hamlet.txt");

EnqueueInput play(const QString &name, int priority = 0)
{
    EnqueueInput input;
    input.filename = name;
    input.rawText = QByteArrayLiteral("HAMLET. To be, or not to be.\nHORATIO. My lord.\n");
    input.priority = priority;
    return input;
}

struct Messages
{
    QStringList titles;
    QStringList texts;
};

void drop(QWidget *target, const QStringList &paths)
{
    QList<QUrl> urls;
    for (const QString &path : paths)
        urls << QUrl::fromLocalFile(path);
    QMimeData mime;
    mime.setUrls(urls);
    const QPoint pos = target->rect().center();
    QDragEnterEvent enter(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(target, &enter);
    QVERIFY(enter.isAccepted());
    QVERIFY(target->findChild<QWidget *>(QStringLiteral("dropOverlay"))->isVisible());
    QDropEvent dropEvent(QPointF(pos), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(target, &dropEvent);
    QVERIFY(dropEvent.isAccepted());
    QVERIFY(!target->findChild<QWidget *>(QStringLiteral("dropOverlay"))->isVisible());
}

/// The Add Plays dialog a drop opened, once its files are read and checked.
AddPlaysDialog *addPlaysDialog(MainWindow &window)
{
    if (!QTest::qWaitFor([&] { return window.addPlaysDialog() && window.addPlaysDialog()->isReady(); },
                         10000))
        return nullptr;
    return window.addPlaysDialog();
}

QAction *action(MainWindow &window, const char *name)
{
    auto *found = window.findChild<QAction *>(QLatin1String(name));
    if (!found)
        qFatal("no action %s", name);
    return found;
}

/// Triggers a job action and waits for the server's answer (commands are asynchronous).
void triggerAndWait(MainWindow &window, const char *name)
{
    QSignalSpy answered(window.jobActions(), &JobActions::commandFinished);
    action(window, name)->trigger();
    if (!answered.wait(5000))
        qWarning("no answer to %s", name);
}

std::unique_ptr<MainWindow> makeWindow(const TestDatabase &test, Messages *messages = nullptr)
{
    auto window = std::make_unique<MainWindow>(test.url(), nullptr);
    if (messages) {
        window->setMessageHandler([messages](const QString &title, const QString &text) {
            messages->titles << title;
            messages->texts << text;
        });
    }
    window->resize(1200, 800);
    window->show();
    return window;
}

} // namespace

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

class TestMainWindow final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    BACKENDS(dropPlayFileAddsQueuedRow)
    BACKENDS(dropBinaryFileShowsMessageAndNoRow)
    void dropFolderEnqueuesGoodFilesAndListsTheRest();
    BACKENDS(pauseResumeCancelRetryPriority)
    BACKENDS(actionsDisabledForStatesThatRefuse)
    BACKENDS(startOverClearsTheCheckpointAfterAsking)
    BACKENDS(refusedActionSaysWhy)
    void changeBySecondConnectionAppears_data();
    void changeBySecondConnectionAppears();
    void selectionKeptWhileRowsChange();
    void settingsRoundTrip();
    void titleShowsDatabaseWithoutPassword();
    void embeddedWorkersParseADroppedPlay();
    BACKENDS(pruneRemovesOldFinishedJobsOnly)
    void pruneWithNothingToDeleteSaysSo();
    void damagedFileIsSaidAndCopiedAside();
    void walDeletedUnderTheWindowIsSaidAndReopened();
    void closingWithRunningPlaysAsks_data();
    void closingWithRunningPlaysAsks();
};

void TestMainWindow::pruneWithNothingToDeleteSaysSo()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    JobQueue(test.db()).enqueue(play(QStringLiteral("queued.txt")));
    auto window = makeWindow(test);
    window->setPruneDaysPrompt([] { return std::optional<int>(0); });
    int asked = 0;
    window->setPruneConfirmation([&](const MainWindow::PrunePreview &) {
        ++asked;
        return std::optional<bool>(true);
    });
    action(*window, "app.prune")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(window->statusBar()->currentMessage().contains(QStringLiteral("Nothing to prune")),
                             10000);
    QCOMPARE(asked, 0);
    QCOMPARE(window->jobModel()->rowCount(), 1);
}

void TestMainWindow::damagedFileIsSaidAndCopiedAside()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("queue.db"));
    const auto url = DatabaseUrl::parse(QStringLiteral("sqlite://") + path);
    QVERIFY(url);
    {
        ScopedConnection setup(*url, QStringLiteral("setup"));
        QVERIFY_OK(Engine::Migrations::migrate(setup.database()));
        JobQueue queue(setup.database());
        for (int i = 0; i < 40; ++i)
            queue.enqueue(play(QStringLiteral("play-%1.txt").arg(i)));
    }
    QFile file(path);
    QVERIFY(file.size() > 4 * 4096);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.seek(2 * 4096));
    file.write(QByteArray(3 * 4096, char(0x5a)));  // pages 3–5: the tables' b-trees
    file.close();
    const QByteArray damaged = [&] {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }();

    MainWindow window(*url, nullptr);
    window.show();
    QVERIFY(!window.isConnected());
    QVERIFY(window.connectionBanner()->isVisible());
    const QString text = window.connectionBanner()->text();
    QVERIFY2(text.contains(QStringLiteral("damaged")), qPrintable(text));
    const QStringList copies = QDir(dir.path()).entryList({QStringLiteral("queue.db.damaged-*")});
    QCOMPARE(copies.size(), 1);
    QVERIFY2(text.contains(copies.first()), qPrintable(text));
    QFile copy(dir.filePath(copies.first()));
    QVERIFY(copy.open(QIODevice::ReadOnly));
    QCOMPARE(copy.readAll(), damaged);  // the copy is the damaged file as it was
    QCOMPARE(window.jobModel()->rowCount(), 0);
}

void TestMainWindow::walDeletedUnderTheWindowIsSaidAndReopened()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    JobQueue(test.db()).enqueue(play(QStringLiteral("one.txt")));
    auto window = makeWindow(test);
    QSignalSpy reopen(window.get(), &MainWindow::reconnectRequested);
    QTRY_COMPARE(window->jobModel()->rowCount(), 1);
    QVERIFY(window->connectionBanner()->isHidden());
    // What another process does once it believes it is alone: checkpoint, delete the WAL.
    const QString wal = test.url().sqlitePath + QStringLiteral("-wal");
    QVERIFY(QFileInfo::exists(wal));
    QVERIFY(QFile::remove(wal));
    QVERIFY(reopen.wait(5000));
    QVERIFY(reopen.first().first().toString().contains(QStringLiteral("write-ahead log")));
    QVERIFY(window->connectionBanner()->isVisible());
    QTest::qWait(2500);
    QCOMPARE(reopen.size(), 1);  // asked once, not on every check
}

void TestMainWindow::closingWithRunningPlaysAsks_data()
{
    QTest::addColumn<int>("choice");
    QTest::addColumn<QString>("statusAfter");
    QTest::newRow("cancel") << int(MainWindow::CloseChoice::Cancel) << QStringLiteral("running");
    QTest::newRow("pause") << int(MainWindow::CloseChoice::PauseAndQuit) << QStringLiteral("paused");
    QTest::newRow("release") << int(MainWindow::CloseChoice::ReleaseAndQuit) << QStringLiteral("queued");
    QTest::newRow("wait") << int(MainWindow::CloseChoice::WaitThenQuit) << QStringLiteral("completed");
}

void TestMainWindow::closingWithRunningPlaysAsks()
{
#ifndef CALLBOARD_HAVE_WORKERPOOL
    QSKIP("the engine has no WorkerPool yet");
#else
    QFETCH(int, choice);
    QFETCH(QString, statusAfter);
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("long-play.txt")));
    // A play of 40 chunks of 50 ms: long enough to be running when the window closes.
    std::atomic<bool> finishNow{false};
    auto options = WorkerPoolOptions::fromEnvironment(test.url());
    options.workers = 1;
    options.pollMs = 100;
    options.handler = [&finishNow](JobContext &context) {
        for (int chunk = context.job().completedChunks; chunk < 40; ++chunk) {
            if (!finishNow)
                QThread::msleep(50);
            ProgressUpdate update;
            update.completedChunks = chunk + 1;
            update.totalChunks = 40;
            update.progress = 100.0 * (chunk + 1) / 40;
            if (!context.reportProgress(update))
                return JobOutcome::stopped();
        }
        return JobOutcome::completed(QJsonObject{{QStringLiteral("title"), QStringLiteral("Long")}});
    };
    WorkerPool pool(options);
    QVERIFY_OK(pool.start());
    auto window = std::make_unique<MainWindow>(test.url(), &pool);
    window->show();
    QTRY_VERIFY(window->jobModel()->rowOfJob(id) >= 0);  // the session's first batch is in
    QTRY_COMPARE_WITH_TIMEOUT(queue.job(id)->status, JobStatus::Running, 5000);
    QTRY_VERIFY(!pool.workers().isEmpty() && !pool.workers().first().jobId.isEmpty());

    QStringList askedRunning;
    window->setClosePrompt([&](const QStringList &running, int) {
        askedRunning = running;
        return MainWindow::CloseChoice(choice);
    });
    const bool closed = window->close();
    QCOMPARE(askedRunning, QStringList{QStringLiteral("long-play.txt")});  // names the play
    if (MainWindow::CloseChoice(choice) == MainWindow::CloseChoice::Cancel) {
        QVERIFY(!closed);
        QVERIFY(window->isVisible());
        pool.stop();
        return;
    }
    if (MainWindow::CloseChoice(choice) == MainWindow::CloseChoice::WaitThenQuit) {
        QVERIFY(!closed);  // stays open until the play is done
        QCOMPARE(pool.workerCount(), 0);  // no new play starts
        finishNow = true;
        QTRY_VERIFY_WITH_TIMEOUT(!window->isVisible(), 10000);
    } else {
        QVERIFY(closed);
    }
    window.reset();
    pool.stop();  // what the session does after the window is gone
    QCOMPARE(statusName(queue.job(id)->status), statusAfter);

    // The next start says what became of the play.
    Messages messages;
    auto next = std::make_unique<MainWindow>(test.url(), nullptr);
    next->setMessageHandler([&](const QString &title, const QString &text) {
        messages.titles << title;
        messages.texts << text;
    });
    QTest::qWait(50);
    if (statusAfter == QLatin1String("completed")) {
        QVERIFY(messages.texts.isEmpty());
    } else {
        QTRY_COMPARE(messages.texts.size(), 1);
        QVERIFY2(messages.texts.first().contains(QStringLiteral("long-play.txt")),
                 qPrintable(messages.texts.first()));
        QVERIFY2(messages.texts.first().contains(statusAfter == QLatin1String("paused")
                                                     ? QStringLiteral("paused")
                                                     : QStringLiteral("back to the queue")),
                 qPrintable(messages.texts.first()));
        QCOMPARE(next->selectedJobIds(), QStringList{id});
    }
#endif
}

void TestMainWindow::pruneRemovesOldFinishedJobsOnly()
{
    OPEN_TEST_DATABASE(test);
    Engine::JobQueue queue(test.db());
    auto input = [](const QString &name) {
        Engine::EnqueueInput in;
        in.filename = name;
        in.rawText = QByteArrayLiteral("A. line\n");
        return in;
    };
    const QString oldDone = queue.enqueue(input(QStringLiteral("old-done.txt")));
    const QString oldQueued = queue.enqueue(input(QStringLiteral("old-queued.txt")));
    const QString recentDone = queue.enqueue(input(QStringLiteral("recent-done.txt")));
    for (const QString &id : {oldDone, recentDone}) {
        QCOMPARE(queue.claimNext(QStringLiteral("w"))->id, id == oldDone ? oldDone : recentDone);
        queue.setPriority(oldQueued, -1); // keep the queued job last in line
        QVERIFY(queue.complete(id, QStringLiteral("w")));
    }
    QSqlQuery age(test.db());
    QVERIFY(age.exec(QStringLiteral(R"(UPDATE "ParseJob" SET "updatedAt" = '2020-01-01T00:00:00.000Z'
        WHERE "id" IN ('%1', '%2'))").arg(oldDone, oldQueued)));

    auto window = makeWindow(test);
    window->setPruneDaysPrompt([] { return std::optional<int>(30); });
    // Asked first, with what would go; cancelling deletes nothing.
    QList<MainWindow::PrunePreview> previews;
    std::optional<bool> answer;
    window->setPruneConfirmation([&](const MainWindow::PrunePreview &preview) {
        previews << preview;
        return answer;
    });
    action(*window, "app.prune")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(previews.size(), 1, 10000);
    QCOMPARE(previews.first().days, 30);
    QCOMPARE(previews.first().jobs, 1);
    QVERIFY(previews.first().events >= 1);  // claimed, completed
    QTRY_VERIFY(window->statusBar()->currentMessage().contains(QStringLiteral("nothing was deleted")));
    QVERIFY(queue.job(oldDone).has_value());

    answer = false;  // delete, keep the playbooks
    action(*window, "app.prune")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!queue.job(oldDone).has_value(), 10000);
    QCOMPARE(previews.size(), 2);
    QVERIFY(queue.job(oldQueued).has_value()); // in progress: never pruned, however old
    QVERIFY(queue.job(recentDone).has_value());
    QTRY_VERIFY(window->statusBar()->currentMessage().contains(QStringLiteral("Pruned 1")));
}

void TestMainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("CallboardTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
}

void TestMainWindow::init()
{
    QSettings().clear();
}

void TestMainWindow::dropPlayFileAddsQueuedRow()
{
    OPEN_TEST_DATABASE(test);
    Messages messages;
    auto window = makeWindow(test, &messages);
    QTreeView *view = window->jobView();
    QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(window->jobModel()->rowCount(), 0);
    drop(window.get(), {kHamlet});
    AddPlaysDialog *dialog = addPlaysDialog(*window);
    QVERIFY(dialog);
    QCOMPARE(dialog->list()->topLevelItemCount(), 1);
    dialog->accept();
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 1, 5000);
    const JobRow &row = window->jobModel()->jobRow(0);
    QCOMPARE(row.filename, QStringLiteral("hamlet.txt"));
    QCOMPARE(row.sourcePath, QFileInfo(kHamlet).absoluteFilePath());
    QCOMPARE(row.status, JobStatus::Queued);
    QCOMPARE(view->model()->rowCount(), 1);
    QVERIFY(messages.texts.isEmpty());
}

void TestMainWindow::dropBinaryFileShowsMessageAndNoRow()
{
    OPEN_TEST_DATABASE(test);
    Messages messages;
    auto window = makeWindow(test, &messages);
    QTemporaryDir dir;
    const QString binary = dir.filePath(QStringLiteral("cover.png"));
    QFile file(binary);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
    file.close();
    const QString renamed = dir.filePath(QStringLiteral("cover.txt"));  // named like a play
    QVERIFY(QFile::copy(binary, renamed));
    drop(window.get(), {binary, renamed});
    AddPlaysDialog *dialog = addPlaysDialog(*window);
    QVERIFY(dialog);
    QCOMPARE(dialog->list()->topLevelItemCount(), 2);
    for (int row = 0; row < 2; ++row) {
        const QTreeWidgetItem *item = dialog->list()->topLevelItem(row);
        // Listed with the reason, and nothing to tick.
        QVERIFY(!(item->flags() & Qt::ItemIsUserCheckable));
        QVERIFY(!(item->flags() & Qt::ItemIsEnabled));
    }
    QVERIFY2(dialog->list()->topLevelItem(0)->text(AddPlaysDialog::NoteColumn)
                 .contains(QStringLiteral("not plain text")),
             qPrintable(dialog->list()->topLevelItem(0)->text(AddPlaysDialog::NoteColumn)));
    QVERIFY(dialog->list()->topLevelItem(1)->text(AddPlaysDialog::NoteColumn)
                .contains(QStringLiteral("binary")));
    QVERIFY(dialog->inputs().isEmpty());
    QVERIFY(!dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled());
    dialog->reject();
    QTRY_VERIFY(!window->addPlaysDialog());
    QCOMPARE(window->jobModel()->rowCount(), 0);
    QVERIFY(messages.texts.isEmpty());
}

void TestMainWindow::dropFolderEnqueuesGoodFilesAndListsTheRest()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    Messages messages;
    auto window = makeWindow(test, &messages);
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("act/deeper")));
    auto write = [&](const QString &name, const QByteArray &data) {
        QFile f(dir.filePath(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(data);
    };
    write(QStringLiteral("one.txt"), "HAMLET. One.\n");
    write(QStringLiteral("act/two.txt"), "HAMLET. Two.\n");
    write(QStringLiteral("act/deeper/three.txt"), "HAMLET. Three.\n");
    write(QStringLiteral("act/empty.txt"), "");
    write(QStringLiteral("act/latin1.txt"), "Faust: Habe nun, ach! Philosophie,\xe4\n");
    drop(window.get(), {dir.path()});
    AddPlaysDialog *dialog = addPlaysDialog(*window);
    QVERIFY(dialog);
    QCOMPARE(dialog->list()->topLevelItemCount(), 5);
    dialog->accept();
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 3, 5000);
    QStringList names;
    for (int row = 0; row < 3; ++row)
        names << window->jobModel()->jobRow(row).filename;
    names.sort();
    QCOMPARE(names, (QStringList{QStringLiteral("one.txt"), QStringLiteral("three.txt"),
                                 QStringLiteral("two.txt")}));
    QVERIFY(messages.texts.isEmpty());
}

void TestMainWindow::pauseResumeCancelRetryPriority()
{
    OPEN_TEST_DATABASE(test);
    ScopedConnection other(test.url(), QStringLiteral("worker"));
    JobQueue workerQueue(other.database());
    const QString runningId = workerQueue.enqueue(play(QStringLiteral("running.txt"), 5));
    const QString queuedId = workerQueue.enqueue(play(QStringLiteral("queued.txt")));
    QVERIFY(workerQueue.claimNext(QStringLiteral("elsewhere-1-1")));  // the priority 5 job
    JobQueue check(test.db());
    QCOMPARE(check.job(runningId)->status, JobStatus::Running);

    auto window = makeWindow(test);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 2, 2000);
    int confirmations = 0;
    bool answer = true;
    QString question;
    window->jobActions()->setConfirmHandler([&](const QString &text) {
        ++confirmations;
        question = text;
        return answer;
    });

    // Running job: pause is a request to its worker.
    window->selectJobs({runningId});
    QCOMPARE(window->selectedJobIds(), QStringList{runningId});
    QVERIFY(action(*window, "job.pause")->isEnabled());
    QVERIFY(!action(*window, "job.resume")->isEnabled());
    triggerAndWait(*window, "job.pause");
    QCOMPARE(check.job(runningId)->status, JobStatus::Running);
    QCOMPARE(check.job(runningId)->controlRequest, QStringLiteral("pause"));
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->jobRow(window->jobModel()->rowOfJob(runningId)).controlRequest,
                              QStringLiteral("pause"), 1000);

    // Queued job: pause applies at once; resume puts it back in the queue.
    window->selectJobs({queuedId});
    triggerAndWait(*window, "job.pause");
    QCOMPARE(check.job(queuedId)->status, JobStatus::Paused);
    QTRY_VERIFY_WITH_TIMEOUT(action(*window, "job.resume")->isEnabled(), 1000);
    QVERIFY(!action(*window, "job.pause")->isEnabled());
    triggerAndWait(*window, "job.resume");
    QCOMPARE(check.job(queuedId)->status, JobStatus::Queued);

    // Priority up / down.
    triggerAndWait(*window, "job.priorityUp");
    QCOMPARE(check.job(queuedId)->priority, 1);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->jobRow(window->jobModel()->rowOfJob(queuedId)).priority, 1, 1000);
    triggerAndWait(*window, "job.priorityUp");
    triggerAndWait(*window, "job.priorityDown");
    QCOMPARE(check.job(queuedId)->priority, 1);
    window->jobActions()->setPriorityPrompt([](int current) { return std::optional<int>(current + 40); });
    triggerAndWait(*window, "job.setPriority");
    QCOMPARE(check.job(queuedId)->priority, 41);

    // Cancel asks first; "no" changes nothing.
    answer = false;
    action(*window, "job.cancel")->trigger();
    QCOMPARE(confirmations, 1);
    QVERIFY2(question.contains(QStringLiteral("queued.txt")), qPrintable(question));  // names the play
    QCOMPARE(check.job(queuedId)->status, JobStatus::Queued);
    answer = true;
    triggerAndWait(*window, "job.cancel");
    QCOMPARE(confirmations, 2);
    QCOMPARE(check.job(queuedId)->status, JobStatus::Cancelled);

    // Retry brings a cancelled job back.
    QTRY_VERIFY_WITH_TIMEOUT(action(*window, "job.retry")->isEnabled(), 1000);
    triggerAndWait(*window, "job.retry");
    QCOMPARE(check.job(queuedId)->status, JobStatus::Queued);

    // Both at once: cancel the running (a request) and the queued job.
    window->selectJobs({runningId, queuedId});
    triggerAndWait(*window, "job.cancel");
    QCOMPARE(check.job(queuedId)->status, JobStatus::Cancelled);
    QCOMPARE(check.job(runningId)->controlRequest, QStringLiteral("cancel"));
}

// Issue #13: the seed's restart has a window action: it asks (naming the play), then clears the
// checkpoint and progress and queues the job, with an event naming who did it.
void TestMainWindow::startOverClearsTheCheckpointAfterAsking()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("half-done.txt")));
    QVERIFY(queue.claimNext(QStringLiteral("w-1-1")));
    ProgressUpdate update;
    update.completedChunks = 3;
    update.totalChunks = 10;
    update.progress = 30;
    update.currentState = {{QStringLiteral("format"), QStringLiteral("test")}};
    QVERIFY(queue.updateProgress(id, QStringLiteral("w-1-1"), update).owned);
    queue.handleFailure(id, QStringLiteral("w-1-1"), QStringLiteral("not a play"), true);
    QCOMPARE(queue.job(id)->status, JobStatus::Failed);

    auto window = makeWindow(test);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 1, 2000);
    QString question;
    bool answer = false;
    window->jobActions()->setConfirmHandler([&](const QString &text) {
        question = text;
        return answer;
    });
    window->selectJobs({id});
    QTRY_VERIFY_WITH_TIMEOUT(action(*window, "job.restart")->isEnabled(), 1000);
    action(*window, "job.restart")->trigger();
    QVERIFY2(question.contains(QStringLiteral("half-done.txt")), qPrintable(question));
    QCOMPARE(queue.job(id)->status, JobStatus::Failed); // "no" changes nothing
    answer = true;
    triggerAndWait(*window, "job.restart");
    const auto job = queue.job(id, true);
    QCOMPARE(job->status, JobStatus::Queued);
    QCOMPARE(job->completedChunks, 0);
    QVERIFY(job->currentState.isEmpty());
    QCOMPARE(job->retryCount, 0);
    const QList<JobEvent> events = queue.events(id);
    QCOMPARE(events.constLast().event, QStringLiteral("restarted"));
    QCOMPARE(events.constLast().details.value(QStringLiteral("actor")).toString(), QStringLiteral("user"));
    // A running job is not started over behind its worker's back.
    QVERIFY(queue.claimNext(QStringLiteral("w-1-1")));
    QTRY_VERIFY_WITH_TIMEOUT(!action(*window, "job.restart")->isEnabled(), 5000);
}

void TestMainWindow::actionsDisabledForStatesThatRefuse()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString done = queue.enqueue(play(QStringLiteral("done.txt"), 9));
    auto job = queue.claimNext(QStringLiteral("w-1-1"));
    QVERIFY(job && job->id == done);
    QVERIFY(queue.complete(done, QStringLiteral("w-1-1")));
    const QString cancelled = queue.enqueue(play(QStringLiteral("cancelled.txt")));
    queue.cancel(cancelled);

    auto window = makeWindow(test);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 2, 2000);
    // Nothing selected: nothing to act on.
    for (const char *name : {"job.pause", "job.resume", "job.cancel", "job.retry", "job.priorityUp",
                             "job.priorityDown", "job.setPriority"})
        QVERIFY2(!action(*window, name)->isEnabled(), name);
    QVERIFY(action(*window, "job.add")->isEnabled());

    window->selectJobs({done});
    for (const char *name : {"job.pause", "job.resume", "job.cancel", "job.retry", "job.priorityUp",
                             "job.priorityDown", "job.setPriority"})
        QVERIFY2(!action(*window, name)->isEnabled(), name);

    window->selectJobs({cancelled});
    QVERIFY(action(*window, "job.retry")->isEnabled());
    QVERIFY(!action(*window, "job.pause")->isEnabled());
    QVERIFY(!action(*window, "job.resume")->isEnabled());
    QVERIFY(!action(*window, "job.cancel")->isEnabled());
    QVERIFY(action(*window, "job.priorityUp")->isEnabled());

    // Shortcuts are set, and the objectNames are stable.
    QCOMPARE(action(*window, "job.pause")->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_P));
    QVERIFY(!action(*window, "job.cancel")->shortcut().isEmpty());
}

void TestMainWindow::refusedActionSaysWhy()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("a.txt")));
    auto window = makeWindow(test);
    window->jobModel()->setPollInterval(0);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 1, 2000);
    window->selectJobs({id});
    QVERIFY(action(*window, "job.pause")->isEnabled());
    // The job completes elsewhere before the table knows (no notification reaches the window).
    ScopedConnection other(test.url(), QStringLiteral("other"));
    JobQueue otherQueue(other.database());
    const bool was = JobNotifier::instance()->blockSignals(true);
    QVERIFY(otherQueue.claimNext(QStringLiteral("w-9-1")));
    QVERIFY(otherQueue.complete(id, QStringLiteral("w-9-1")));
    JobNotifier::instance()->blockSignals(was);
    triggerAndWait(*window, "job.pause");
    const QString message = window->statusBar()->currentMessage();
    QVERIFY2(message.contains(QStringLiteral("a.txt")) && message.contains(QStringLiteral("refused")),
             qPrintable(message));
    QCOMPARE(window->jobModel()->jobRow(0).status, JobStatus::Completed);
    QVERIFY(!action(*window, "job.pause")->isEnabled());
}

void TestMainWindow::changeBySecondConnectionAppears_data()
{
    TestDatabase::addBackendColumn();
    TestDatabase::addBackendRows();
}

void TestMainWindow::changeBySecondConnectionAppears()
{
    OPEN_TEST_DATABASE(test);
    auto window = makeWindow(test);
    ScopedConnection other(test.url(), QStringLiteral("other"));
    JobQueue otherQueue(other.database());
    // As another process: no in-process notification.
    const bool was = JobNotifier::instance()->blockSignals(true);
    const QString id = otherQueue.enqueue(play(QStringLiteral("remote.txt")));
    JobNotifier::instance()->blockSignals(was);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 1, 1000);
    window->selectJobs({id});
    QTRY_COMPARE_WITH_TIMEOUT(window->detailPane()->eventModel()->rowCount(), 1, 1000);
    JobNotifier::instance()->blockSignals(true);
    otherQueue.pause(id);
    JobNotifier::instance()->blockSignals(was);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->jobRow(0).status, JobStatus::Paused, 1000);
    // The timeline of the selected job gains the event too.
    QTRY_COMPARE_WITH_TIMEOUT(window->detailPane()->eventModel()->rowCount(), 2, 1500);
}

void TestMainWindow::selectionKeptWhileRowsChange()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    JobQueue queue(test.db());
    QList<EnqueueInput> inputs;
    for (int i = 0; i < 200; ++i)
        inputs << play(QStringLiteral("p%1.txt").arg(i, 3, 10, QLatin1Char('0')));
    const QStringList ids = queue.enqueueMany(inputs);
    auto window = makeWindow(test);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 200, 2000);
    window->jobView()->sortByColumn(JobTableModel::PriorityColumn, Qt::DescendingOrder);
    window->selectJobs({ids.at(10), ids.at(11)});
    QSignalSpy reset(window->jobView()->model(), &QAbstractItemModel::modelReset);
    for (int i = 100; i < 150; ++i)
        queue.setPriority(ids.at(i), 3);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->jobRow(window->jobModel()->rowOfJob(ids.at(149))).priority,
                              3, 2000);
    QCOMPARE(reset.size(), 0);
    QStringList selected = window->selectedJobIds();
    selected.sort();
    QStringList expected{ids.at(10), ids.at(11)};
    expected.sort();
    QCOMPARE(selected, expected);
    QCOMPARE(window->detailPane()->jobId(), ids.at(10));
}

void TestMainWindow::settingsRoundTrip()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    QByteArray header;
    {
        auto window = makeWindow(test);
        QHeaderView *h = window->jobView()->header();
        h->setSectionHidden(JobTableModel::WorkerColumn, true);
        h->moveSection(JobTableModel::PriorityColumn, 0);
        h->resizeSection(JobTableModel::FileColumn, 333);
        window->jobView()->sortByColumn(JobTableModel::PriorityColumn, Qt::DescendingOrder);
        QListWidget *statuses = window->statusFilterList();
        statuses->item(1)->setSelected(true);  // Queued
        statuses->item(3)->setSelected(true);  // Paused
        window->textFilterEdit()->setText(QStringLiteral("hamlet"));
        QCOMPARE(window->proxyModel()->statusFilter(),
                 (QList<JobStatus>{JobStatus::Queued, JobStatus::Paused}));
        header = h->saveState();
        window->close();  // saves
    }
    QVERIFY(!QSettings().value(QStringLiteral("JobTable/HeaderState/v2")).toByteArray().isEmpty());
    auto window = makeWindow(test);
    QHeaderView *h = window->jobView()->header();
    QCOMPARE(h->saveState(), header);
    QVERIFY(h->isSectionHidden(JobTableModel::WorkerColumn));
    QCOMPARE(h->visualIndex(JobTableModel::PriorityColumn), 0);
    QCOMPARE(h->sectionSize(JobTableModel::FileColumn), 333);
    QCOMPARE(window->proxyModel()->statusFilter(),
             (QList<JobStatus>{JobStatus::Queued, JobStatus::Paused}));
    QCOMPARE(window->proxyModel()->textFilter(), QStringLiteral("hamlet"));
    QCOMPARE(window->textFilterEdit()->text(), QStringLiteral("hamlet"));
    QVERIFY(window->statusFilterList()->item(3)->isSelected());
    QVERIFY(!window->statusFilterList()->item(0)->isSelected());

    // A header saved by another layout (wrong column count) falls back to the defaults.
    window->close();
    QSettings().setValue(QStringLiteral("JobTable/HeaderState/v2"), QByteArray("garbage"));
    auto third = makeWindow(test);
    QVERIFY(!third->jobView()->header()->isSectionHidden(JobTableModel::WorkerColumn));
}

void TestMainWindow::titleShowsDatabaseWithoutPassword()
{
    auto url = DatabaseUrl::parse(QStringLiteral("postgres://someone:s3cret@127.0.0.1:1/nothing"));
    QVERIFY(url);
    url->connectTimeoutSeconds = 1;
    MainWindow window(*url, nullptr);
    QVERIFY(!window.isConnected());
    QVERIFY(window.windowTitle().contains(QStringLiteral("127.0.0.1")));
    QVERIFY(!window.windowTitle().contains(QStringLiteral("s3cret")));
    QVERIFY(!window.connectionError().contains(QStringLiteral("s3cret")));
    window.saveSettings();
    QSettings settings;
    for (const QString &key : settings.allKeys())
        QVERIFY(!settings.value(key).toString().contains(QStringLiteral("s3cret")));
}

void TestMainWindow::embeddedWorkersParseADroppedPlay()
{
#ifndef CALLBOARD_HAVE_WORKERPOOL
    QSKIP("the engine has no WorkerPool yet");
#else
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    auto options = WorkerPoolOptions::fromEnvironment(test.url());
    options.handler = parsePlayHandler;
    options.workers = 1;
    options.pollMs = 200;
    WorkerPool pool(options);
    QVERIFY_OK(pool.start());
    Messages messages;
    auto window = std::make_unique<MainWindow>(test.url(), &pool);
    window->setMessageHandler([&](const QString &, const QString &text) { messages.texts << text; });
    window->show();
    auto *count = window->findChild<QSpinBox *>(QStringLiteral("workerCount"));
    QVERIFY(count && count->isEnabled());
    QCOMPARE(count->value(), 1);
    drop(window.get(), {kHamlet});
    AddPlaysDialog *dialog = addPlaysDialog(*window);
    QVERIFY(dialog);
    dialog->accept();
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->jobRow(0).status, JobStatus::Completed, 60000);
    QCOMPARE(window->jobModel()->jobRow(0).progress, 100.0);
    auto *list = window->findChild<QTreeWidget *>(QStringLiteral("workerList"));
    // This window's pool comes first, with its one worker under it.
    QVERIFY(list->topLevelItem(0)->text(0).contains(QStringLiteral("(this window)")));
    QVERIFY(list->topLevelItem(0)->text(0).startsWith(pool.workerIdPrefix()));
    QCOMPARE(list->topLevelItem(0)->childCount(), 1);

    // The playbook preview of the completed job.
    window->selectJobs({window->jobModel()->jobRow(0).id});
    window->detailPane()->tabs()->setCurrentIndex(2);
    QTRY_VERIFY_WITH_TIMEOUT(window->detailPane()->playbookModel()->characterCount() > 10, 2000);
    QTemporaryDir dir;
    const QString exported = dir.filePath(QStringLiteral("hamlet.json"));
    window->detailPane()->setSaveFileProvider([&](const QString &) { return exported; });
    window->detailPane()->findChild<QPushButton *>(QStringLiteral("exportJson"))->click();
    QFile file(exported);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(QJsonDocument::fromJson(file.readAll()).object().contains(QStringLiteral("acts")));

    count->setValue(0);
    QTRY_COMPARE_WITH_TIMEOUT(pool.workerCount(), 0, 2000);
    QCOMPARE(QSettings().value(QStringLiteral("Workers/Count")).toInt(), 0);
    window.reset();
    pool.stop();
#endif
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"

// Adding plays in the window (issue 13, item 10): the Add Plays dialog on dropped files and
// folders (filter, options remembered, duplicates, Latin-1), pasted text, and what the window
// shows and offers for finished jobs (Remove, Retry only where it can help, the next attempt of
// a retrying job, the error on screen). Real window offscreen, real databases.
#include "engine/jobqueue.h"
#include "models/jobtablemodel.h"
#include "testdatabase.h"
#include "ui/addplaysdialog.h"
#include "ui/jobactions.h"
#include "ui/jobdetailpane.h"
#include "ui/mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

using namespace Engine;

namespace {

const QByteArray kHamletText = "HAMLET. To be, or not to be.\nHORATIO. My lord.\n";

EnqueueInput play(const QString &name, const QString &sourcePath = {})
{
    EnqueueInput input;
    input.filename = name;
    input.rawText = kHamletText;
    input.sourcePath = sourcePath;
    return input;
}

void write(const QString &path, const QByteArray &data)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(data);
}

std::unique_ptr<MainWindow> makeWindow(const TestDatabase &test)
{
    auto window = std::make_unique<MainWindow>(test.url(), nullptr);
    window->setMessageHandler([](const QString &title, const QString &text) {
        qWarning() << "message:" << title << text;
    });
    window->resize(1360, 860);
    window->show();
    return window;
}

AddPlaysDialog *readyDialog(MainWindow &window)
{
    if (!QTest::qWaitFor(
            [&] { return window.addPlaysDialog() && window.addPlaysDialog()->isReady(); }, 10000))
        return nullptr;
    return window.addPlaysDialog();
}

QTreeWidgetItem *rowNamed(AddPlaysDialog *dialog, const QString &name)
{
    const QList<QTreeWidgetItem *> found =
        dialog->list()->findItems(name, Qt::MatchExactly, AddPlaysDialog::PlayColumn);
    return found.size() == 1 ? found.first() : nullptr;
}

bool ticked(QTreeWidgetItem *item)
{
    return item && item->checkState(AddPlaysDialog::PlayColumn) == Qt::Checked;
}

QString note(QTreeWidgetItem *item)
{
    return item ? item->text(AddPlaysDialog::NoteColumn) : QStringLiteral("(no row)");
}

QAction *action(MainWindow &window, const char *name)
{
    auto *found = window.findChild<QAction *>(QLatin1String(name));
    if (!found)
        qFatal("no action %s", name);
    return found;
}

QString statusText(MainWindow &window, const QString &id)
{
    const int row = window.jobModel()->rowOfJob(id);
    return window.jobModel()->index(row, JobTableModel::StatusColumn).data().toString();
}

/// Claims and completes a job with a playbook.
void complete(JobQueue &queue, const QString &id)
{
    QVERIFY(queue.claim(id, QStringLiteral("w-1")));
    QVERIFY(queue.complete(id, QStringLiteral("w-1"),
                           QJsonObject{{QStringLiteral("title"), QStringLiteral("Hamlet")}}));
}

qint64 count(QSqlDatabase db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

} // namespace

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

class TestAddPlays final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void folderIsListedWithPlaysTicked();
    void optionsAreUsedAndRemembered();
    BACKENDS(playAlreadyInTheQueueIsWarned)
    void latin1FileIsConvertedOnRequest();
    void pastedTextBecomesAJobNamedAfterItsFirstLine();
    void droppedTextOpensTheDialog();
    BACKENDS(retryIsDisabledForAPermanentFailure)
    BACKENDS(removeAsksAndKeepsOrDeletesThePlaybook)
    void retryingJobShowsItsNextAttempt();
    void errorColumnIsOnScreen();
};

void TestAddPlays::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("CallboardTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_addplays"));
}

void TestAddPlays::init()
{
    QSettings().clear();
}

void TestAddPlays::folderIsListedWithPlaysTicked()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    QTemporaryDir dir;
    write(dir.filePath(QStringLiteral("hamlet.txt")), kHamletText);
    write(dir.filePath(QStringLiteral("act2/macbeth.md")), "MACBETH. Is this a dagger.\n");
    write(dir.filePath(QStringLiteral("cast.json")), "{\"cast\": [\"Hamlet\"]}\n");
    write(dir.filePath(QStringLiteral("tools/split.py")), "print('hello')\n");
    write(dir.filePath(QStringLiteral("cover.png")), QByteArray("\x89PNG\r\n\x1a\n\0\0", 10));
    write(dir.filePath(QStringLiteral("empty.txt")), "");
    write(dir.filePath(QStringLiteral(".hidden.txt")), kHamletText);
    write(dir.filePath(QStringLiteral("README.md")), "# The plays of this folder\n");

    auto window = makeWindow(test);
    window->addPlays({dir.path()});
    AddPlaysDialog *dialog = readyDialog(*window);
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->list()->topLevelItemCount(), 7);  // the hidden file is left out
    QVERIFY(ticked(rowNamed(dialog, QStringLiteral("hamlet.txt"))));
    QVERIFY(ticked(rowNamed(dialog, QStringLiteral("macbeth.md"))));
    QTreeWidgetItem *json = rowNamed(dialog, QStringLiteral("cast.json"));
    QVERIFY(json && !ticked(json));
    QVERIFY(json->flags() & Qt::ItemIsUserCheckable);  // a person may know better
    QVERIFY2(note(json).contains(QStringLiteral("not a play")), qPrintable(note(json)));
    QTreeWidgetItem *readme = rowNamed(dialog, QStringLiteral("README.md"));
    QVERIFY2(readme && !ticked(readme), qPrintable(note(readme)));
    QTreeWidgetItem *script = rowNamed(dialog, QStringLiteral("split.py"));
    QVERIFY(script && !ticked(script));
    QVERIFY2(note(script).contains(QStringLiteral("script")), qPrintable(note(script)));
    for (const QString &name : {QStringLiteral("cover.png"), QStringLiteral("empty.txt")}) {
        QTreeWidgetItem *item = rowNamed(dialog, name);
        QVERIFY2(item && !(item->flags() & Qt::ItemIsUserCheckable), qPrintable(name));
        QVERIFY2(!note(item).isEmpty(), qPrintable(name));
    }
    QVERIFY2(dialog->findChild<QLabel *>(QStringLiteral("addPlaysSummary"))
                 ->text().contains(QStringLiteral("2 of 7")),
             qPrintable(dialog->findChild<QLabel *>(QStringLiteral("addPlaysSummary"))->text()));

    dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 2, 5000);
    QVERIFY(!window->addPlaysDialog());
    JobQueue queue(test.db());
    QStringList sources;
    for (const Job &job : queue.jobs())
        sources << job.sourcePath;
    sources.sort();
    QCOMPARE(sources, (QStringList{QDir(dir.path()).absoluteFilePath(QStringLiteral("act2/macbeth.md")),
                                   QDir(dir.path()).absoluteFilePath(QStringLiteral("hamlet.txt"))}));
    // The window shows where a play came from.
    const int row = window->jobModel()->rowOfJob(queue.jobs().first().id);
    QVERIFY(window->jobModel()
                ->index(row, JobTableModel::FileColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(dir.path()));
}

void TestAddPlays::optionsAreUsedAndRemembered()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    QTemporaryDir dir;
    write(dir.filePath(QStringLiteral("hamlet.txt")), kHamletText);
    auto window = makeWindow(test);
    window->setOpenFilesProvider([&] { return QStringList{dir.filePath(QStringLiteral("hamlet.txt"))}; });
    action(*window, "job.add")->trigger();  // Add Files… opens the same dialog
    AddPlaysDialog *dialog = readyDialog(*window);
    QVERIFY(dialog);
    // Defaults on a first use: what the command line uses.
    QCOMPARE(dialog->findChild<QSpinBox *>(QStringLiteral("priority"))->value(), 0);
    QCOMPARE(dialog->findChild<QSpinBox *>(QStringLiteral("chunkSize"))->value(), 200);
    QCOMPARE(dialog->findChild<QSpinBox *>(QStringLiteral("maxRetries"))->value(), 3);
    dialog->findChild<QSpinBox *>(QStringLiteral("priority"))->setValue(7);
    dialog->findChild<QSpinBox *>(QStringLiteral("chunkSize"))->setValue(50);
    dialog->findChild<QSpinBox *>(QStringLiteral("maxRetries"))->setValue(5);
    auto *provider = dialog->findChild<QComboBox *>(QStringLiteral("provider"));
    provider->setCurrentIndex(provider->findData(QStringLiteral("openai")));
    dialog->accept();
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 1, 5000);
    const Job job = JobQueue(test.db()).jobs().first();
    QCOMPARE(job.priority, 7);
    QCOMPARE(job.maxRetries, 5);
    QCOMPARE(job.config.value(QStringLiteral("chunkSize")).toInt(), 50);
    QCOMPARE(job.config.value(QStringLiteral("provider")).toString(), QStringLiteral("openai"));

    // The next dialog starts from the same choices; a cancelled one does not change them.
    window->addPlays({dir.filePath(QStringLiteral("hamlet.txt"))});
    dialog = readyDialog(*window);
    QVERIFY(dialog);
    QCOMPARE(dialog->findChild<QSpinBox *>(QStringLiteral("priority"))->value(), 7);
    QCOMPARE(dialog->findChild<QSpinBox *>(QStringLiteral("chunkSize"))->value(), 50);
    QCOMPARE(dialog->findChild<QSpinBox *>(QStringLiteral("maxRetries"))->value(), 5);
    QCOMPARE(dialog->findChild<QComboBox *>(QStringLiteral("provider"))->currentData().toString(),
             QStringLiteral("openai"));
    dialog->findChild<QSpinBox *>(QStringLiteral("priority"))->setValue(-3);
    dialog->reject();
    QCOMPARE(QSettings().value(QStringLiteral("AddPlays/Priority")).toInt(), 7);
}

void TestAddPlays::playAlreadyInTheQueueIsWarned()
{
    OPEN_TEST_DATABASE(test);
    QTemporaryDir dir;
    const QString first = dir.filePath(QStringLiteral("a/hamlet.txt"));
    const QString copy = dir.filePath(QStringLiteral("b/hamlet.txt"));
    const QString edited = dir.filePath(QStringLiteral("c/notes.txt"));
    const QString fresh = dir.filePath(QStringLiteral("d/macbeth.txt"));
    write(first, kHamletText);
    write(copy, kHamletText);
    write(edited, "A newer text of the notes.\n");
    write(fresh, "MACBETH. Is this a dagger.\n");
    JobQueue queue(test.db());
    queue.enqueue(play(QStringLiteral("hamlet.txt"), QFileInfo(first).absoluteFilePath()));
    EnqueueInput old = play(QStringLiteral("notes.txt"), QFileInfo(edited).absoluteFilePath());
    old.rawText = "An older text of the notes.\n";
    queue.enqueue(old);

    auto window = makeWindow(test);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 2, 5000);
    window->addPlays({first, copy, edited, fresh});
    AddPlaysDialog *dialog = readyDialog(*window);
    QVERIFY(dialog);
    QCOMPARE(dialog->list()->topLevelItemCount(), 4);
    QTreeWidgetItem *same = dialog->list()->topLevelItem(0);
    QTreeWidgetItem *sameText = dialog->list()->topLevelItem(1);
    QTreeWidgetItem *sameFile = dialog->list()->topLevelItem(2);
    QTreeWidgetItem *newPlay = dialog->list()->topLevelItem(3);
    QVERIFY2(note(same).contains(QStringLiteral("already in the queue"))
                 && note(same).contains(QStringLiteral("same file")),
             qPrintable(note(same)));
    QVERIFY2(note(sameText).contains(QStringLiteral("same text")), qPrintable(note(sameText)));
    QVERIFY2(note(sameFile).contains(QStringLiteral("other text")), qPrintable(note(sameFile)));
    for (QTreeWidgetItem *item : {same, sameText, sameFile}) {
        QVERIFY(!ticked(item));
        QVERIFY(!item->icon(AddPlaysDialog::NoteColumn).isNull());
        QVERIFY(item->flags() & Qt::ItemIsUserCheckable);  // may still be added on purpose
    }
    QVERIFY(ticked(newPlay));
    QVERIFY(note(newPlay).isEmpty());
    QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("addPlaysSummary"))
                ->text()
                .contains(QStringLiteral("already in the queue")));
    // Ticked on purpose, a duplicate is added.
    same->setCheckState(AddPlaysDialog::PlayColumn, Qt::Checked);
    dialog->accept();
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 4, 5000);
}

void TestAddPlays::latin1FileIsConvertedOnRequest()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("faust.txt"));
    const QByteArray latin1 = "FAUST. Habe nun, ach! Philosophie \x96 und leider auch "
                              "Theologie, \x93" "durchaus studiert\x94. M\xe4" "nner.\n";
    write(path, latin1);
    auto window = makeWindow(test);
    window->addPlays({path});
    AddPlaysDialog *dialog = readyDialog(*window);
    QVERIFY(dialog);
    QTreeWidgetItem *item = rowNamed(dialog, QStringLiteral("faust.txt"));
    QVERIFY(item);
    QVERIFY(!ticked(item));  // offered, not done behind the person's back
    QVERIFY2(note(item).contains(QStringLiteral("Latin-1")) && note(item).contains(QStringLiteral("UTF-8")),
             qPrintable(note(item)));
    QVERIFY(dialog->inputs().isEmpty());
    item->setCheckState(AddPlaysDialog::PlayColumn, Qt::Checked);
    dialog->accept();
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 1, 5000);
    const QString id = window->jobModel()->jobRow(0).id;
    QCOMPARE(JobQueue(test.db()).job(id, true)->rawText,
             QStringLiteral("FAUST. Habe nun, ach! Philosophie \u2013 und leider auch Theologie, "
                            "\u201cdurchaus studiert\u201d. M\u00e4nner.\n"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), latin1);  // the file on disk is not changed
}

void TestAddPlays::pastedTextBecomesAJobNamedAfterItsFirstLine()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    auto window = makeWindow(test);
    QGuiApplication::clipboard()->setText(
        QStringLiteral("\n   \n  THE TEMPEST  \n\nACT I\nPROSPERO. Be collected.\nMIRANDA. O, woe.\n"));
    QApplication::setActiveWindow(window.get());
    QVERIFY(QTest::qWaitForWindowActive(window.get()));
    window->jobView()->setFocus();
    QCOMPARE(action(*window, "app.paste")->shortcut(), QKeySequence(QKeySequence::Paste));
    QTest::keySequence(window->jobView(), QKeySequence::Paste);  // Ctrl+V
    AddPlaysDialog *dialog = readyDialog(*window);
    QVERIFY(dialog);
    QCOMPARE(dialog->list()->topLevelItemCount(), 1);
    QVERIFY(ticked(dialog->list()->topLevelItem(0)));
    QCOMPARE(dialog->list()->topLevelItem(0)->text(AddPlaysDialog::PlayColumn),
             QStringLiteral("THE TEMPEST"));
    dialog->accept();
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 1, 5000);
    QCOMPARE(window->jobModel()->jobRow(0).filename, QStringLiteral("THE TEMPEST"));
    const std::optional<Job> job = JobQueue(test.db()).job(window->jobModel()->jobRow(0).id, true);
    QVERIFY(job->rawText.contains(QStringLiteral("PROSPERO. Be collected.")));
    QVERIFY(job->sourcePath.isEmpty());

    // An empty clipboard adds nothing.
    QGuiApplication::clipboard()->setText(QStringLiteral("  \n "));
    action(*window, "app.paste")->trigger();
    QTest::qWait(100);
    QVERIFY(!window->addPlaysDialog());
}

void TestAddPlays::droppedTextOpensTheDialog()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    auto window = makeWindow(test);
    QMimeData mime;
    mime.setText(QStringLiteral("Twelfth Night\nORSINO. If music be the food of love, play on.\n"));
    const QPoint pos = window->rect().center();
    QDragEnterEvent enter(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(pos), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window.get(), &drop);
    QVERIFY(drop.isAccepted());
    AddPlaysDialog *dialog = readyDialog(*window);
    QVERIFY(dialog);
    QCOMPARE(dialog->inputs().size(), 1);
    QCOMPARE(dialog->inputs().first().filename, QStringLiteral("Twelfth Night"));
    dialog->reject();
}

void TestAddPlays::retryIsDisabledForAPermanentFailure()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString notAPlay = queue.enqueue(play(QStringLiteral("readme.txt")));
    EnqueueInput flakyInput = play(QStringLiteral("flaky.txt"));
    flakyInput.maxRetries = 0;
    const QString flaky = queue.enqueue(flakyInput);
    QVERIFY(queue.claim(notAPlay, QStringLiteral("w-1")));
    queue.handleFailure(notAPlay, QStringLiteral("w-1"), QStringLiteral("readme.txt is not a play"),
                        true);
    QVERIFY(queue.claim(flaky, QStringLiteral("w-1")));
    queue.handleFailure(flaky, QStringLiteral("w-1"), QStringLiteral("timeout"));

    auto window = makeWindow(test);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 2, 5000);
    window->selectJobs({notAPlay});
    QVERIFY(!action(*window, "job.retry")->isEnabled());
    QVERIFY(action(*window, "job.restart")->isEnabled());  // other settings may still help
    QVERIFY2(statusText(*window, notAPlay).contains(QStringLiteral("permanent")),
             qPrintable(statusText(*window, notAPlay)));
    QTRY_VERIFY(window->detailPane()->findChild<QLabel *>(QStringLiteral("field2"))
                    ->text()
                    .contains(QStringLiteral("a retry cannot fix")));
    window->selectJobs({flaky});
    QVERIFY(action(*window, "job.retry")->isEnabled());
    QVERIFY(!statusText(*window, flaky).contains(QStringLiteral("permanent")));
    // Both selected: Retry acts on the one it can help.
    window->selectJobs({notAPlay, flaky});
    QVERIFY(action(*window, "job.retry")->isEnabled());
    QSignalSpy answered(window->jobActions(), &JobActions::commandFinished);
    action(*window, "job.retry")->trigger();
    QVERIFY(answered.wait(5000));
    QCOMPARE(queue.job(flaky)->status, JobStatus::Queued);
    QCOMPARE(queue.job(notAPlay)->status, JobStatus::Failed);
}

void TestAddPlays::removeAsksAndKeepsOrDeletesThePlaybook()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString keep = queue.enqueue(play(QStringLiteral("keep-playbook.txt")));
    const QString drop = queue.enqueue(play(QStringLiteral("drop-playbook.txt")));
    const QString waiting = queue.enqueue(play(QStringLiteral("waiting.txt")));
    complete(queue, keep);
    complete(queue, drop);

    auto window = makeWindow(test);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 3, 5000);
    QStringList askedNames;
    int askedPlaybooks = -1;
    std::optional<bool> answer;
    window->jobActions()->setRemoveConfirmation([&](const QStringList &names, int playbooks) {
        askedNames = names;
        askedPlaybooks = playbooks;
        return answer;
    });

    window->selectJobs({waiting});
    QVERIFY(!action(*window, "job.remove")->isEnabled());  // queued: cancel it first

    window->selectJobs({keep, waiting});
    QVERIFY(action(*window, "job.remove")->isEnabled());
    answer = std::nullopt;  // the person says no
    action(*window, "job.remove")->trigger();
    QCOMPARE(askedNames, QStringList{QStringLiteral("keep-playbook.txt")});  // named, not "1 job"
    QCOMPARE(askedPlaybooks, 1);
    QTest::qWait(200);
    QCOMPARE(window->jobModel()->rowCount(), 3);

    QSignalSpy answered(window->jobActions(), &JobActions::commandFinished);
    answer = false;  // remove, keep the playbook
    action(*window, "job.remove")->trigger();
    QVERIFY(answered.wait(5000));
    QCOMPARE(window->jobModel()->rowOfJob(keep), -1);
    QVERIFY(window->jobModel()->rowOfJob(waiting) >= 0);
    QVERIFY(!queue.job(keep));
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "jobId" = '%1')")
                                  .arg(keep)), 0);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardPlaybook"
                                                WHERE "jobId" = '%1')").arg(keep)), 1);

    window->selectJobs({drop});
    answer = true;  // and its playbook
    action(*window, "job.remove")->trigger();
    QVERIFY(answered.wait(5000));
    QCOMPARE(window->jobModel()->rowOfJob(drop), -1);
    QCOMPARE(count(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardPlaybook"
                                                WHERE "jobId" = '%1')").arg(drop)), 0);
    QCOMPARE(window->jobModel()->rowCount(), 1);
}

void TestAddPlays::retryingJobShowsItsNextAttempt()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    QueueOptions options;
    options.backoffBaseMs = 90000;  // long enough to read while the test looks
    options.backoffMaxMs = 90000;
    JobQueue queue(test.db(), options);
    const QString id = queue.enqueue(play(QStringLiteral("flaky.txt")));
    QVERIFY(queue.claim(id, QStringLiteral("w-1")));
    QCOMPARE(queue.handleFailure(id, QStringLiteral("w-1"), QStringLiteral("timeout")),
             FailureOutcome::Retrying);

    auto window = makeWindow(test);
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 1, 5000);
    const QString first = statusText(*window, id);
    QVERIFY2(first.contains(QStringLiteral("next in")) && first.contains(QStringLiteral("min")),
             qPrintable(first));
    // It counts down without any change in the database.
    QTRY_VERIFY_WITH_TIMEOUT(statusText(*window, id) != first, 3000);
    QVERIFY(statusText(*window, id).contains(QStringLiteral("next in")));
    window->selectJobs({id});
    QTRY_VERIFY(window->detailPane()->findChild<QLabel *>(QStringLiteral("field2"))
                    ->text()
                    .contains(QStringLiteral("next attempt at")));
}

void TestAddPlays::errorColumnIsOnScreen()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play(QStringLiteral("readme.txt")));
    QVERIFY(queue.claim(id, QStringLiteral("w-1")));
    queue.handleFailure(id, QStringLiteral("w-1"), QStringLiteral("readme.txt is not a play"), true);
    auto window = makeWindow(test);  // the default size on a large screen
    QTRY_COMPARE_WITH_TIMEOUT(window->jobModel()->rowCount(), 1, 5000);
    QTreeView *view = window->jobView();
    const int x = view->header()->sectionViewportPosition(JobTableModel::ErrorColumn);
    QVERIFY2(x >= 0 && x + 150 <= view->viewport()->width(),
             qPrintable(QStringLiteral("the error column starts at %1 of %2 px")
                            .arg(x)
                            .arg(view->viewport()->width())));
    const QModelIndex error = view->model()->index(0, JobTableModel::ErrorColumn);
    QCOMPARE(error.data().toString(), QStringLiteral("readme.txt is not a play"));
}

QTEST_MAIN(TestAddPlays)
#include "tst_addplays.moc"

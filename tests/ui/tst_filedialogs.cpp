// Every file dialog of the window, opened on the folder that holds the embedded queue while
// other processes write to it. A dialog that reads the files it lists (Qt's default icon
// provider sniffs file types) opens and closes descriptors of queue.db, -wal and -shm, which
// drops the window's SQLite locks: the next writer then checkpoints and deletes the WAL under
// the window (a malformed or split queue). Two assertions: no descriptor of a live database
// file is opened while a dialog lists the folder (seen through inotify, since nothing else opens
// them then), and after writers ran beside the dialog the file passes integrity_check and the
// window shows every job.
#include "engine/database.h"
#include "engine/jobqueue.h"
#include "engine/migrations.h"
#include "models/jobtablemodel.h"
#include "testdatabase.h"
#include "ui/connectiondialog.h"
#include "ui/jobdetailpane.h"
#include "ui/filedialogs.h"
#include "ui/addplaysdialog.h"
#include "ui/mainwindow.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileSystemModel>
#include <QJsonObject>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTabWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <sys/inotify.h>
#include <unistd.h>

#include <functional>

using namespace Engine;

namespace {

const QString kPlay = QStringLiteral(CALLBOARD_PLAYS_DIR "/earnest.txt");

/// Counts the opens of the queue's files in one folder (inotify reports every process's opens;
/// the test makes sure no other process touches the folder while it counts).
class OpenWatch final
{
public:
    explicit OpenWatch(const QString &folder)
        : m_fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC))
    {
        inotify_add_watch(m_fd, QFile::encodeName(folder).constData(), IN_OPEN);
    }
    ~OpenWatch() { ::close(m_fd); }

    /// The queue files opened since the last call.
    QStringList takeOpenedQueueFiles()
    {
        QStringList opened;
        alignas(inotify_event) char buffer[16384];
        for (;;) {
            const ssize_t n = ::read(m_fd, buffer, sizeof buffer);
            if (n <= 0)
                break;
            for (ssize_t at = 0; at < n;) {
                const auto *event = reinterpret_cast<const inotify_event *>(buffer + at);
                const QString name = event->len ? QString::fromLocal8Bit(event->name) : QString();
                if (name.startsWith(QLatin1String("queue.db")))
                    opened << name;
                at += ssize_t(sizeof(inotify_event)) + event->len;
            }
        }
        return opened;
    }

private:
    int m_fd;
};

/// Runs check on the file dialog once it is open and has listed its folder, then closes it.
void whenDialogListed(const QString &folder, const std::function<void(QFileDialog *)> &check)
{
    auto *poll = new QTimer;
    poll->setInterval(20);
    QObject::connect(poll, &QTimer::timeout, [poll, folder, check] {
        auto *dialog = qobject_cast<QFileDialog *>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        auto *model = dialog->findChild<QFileSystemModel *>();
        if (!model)
            return;
        // What a person does who looks for a file: every file shown ("All files").
        if (dialog->property("testFilterSet").isNull()) {
            dialog->setProperty("testFilterSet", true);
            dialog->setNameFilter(QStringLiteral("*"));
        }
        const QModelIndex db = model->index(QDir(folder).filePath(QStringLiteral("queue.db")));
        if (!db.isValid() || !dialog->isVisible())
            return;
        poll->stop();
        poll->deleteLater();
        check(dialog);
        dialog->reject();
    });
    poll->start();
}

/// What a person sees while a dialog is open: the list painted (icons asked for) and the type
/// column filled, for a while.
void lookAt(QFileDialog *dialog, int ms)
{
    dialog->setViewMode(QFileDialog::Detail);
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms) {
        dialog->grab();
        QTest::qWait(50);
    }
}

bool enqueueFromShell(const QString &dbUrl, QString *output)
{
    QProcess process;
    process.start(QStringLiteral(CALLBOARD_BINARY),
                  {QStringLiteral("--db"), dbUrl, QStringLiteral("enqueue"), kPlay});
    const bool ok = process.waitForFinished(30000) && process.exitCode() == 0;
    *output = QString::fromUtf8(process.readAllStandardError());
    return ok;
}

QString integrity(const DatabaseUrl &url)
{
    ScopedConnection connection(url, QStringLiteral("integrity"));
    QSqlQuery check(connection.database());
    if (!check.exec(QStringLiteral("PRAGMA integrity_check")) || !check.next())
        return QStringLiteral("integrity_check failed to run");
    return check.value(0).toString();
}

int jobCount(const DatabaseUrl &url)
{
    ScopedConnection connection(url, QStringLiteral("count"));
    QSqlQuery count(connection.database());
    count.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")"));
    return count.next() ? count.value(0).toInt() : -1;
}

} // namespace

class TestFileDialogs final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void dialogsNeverOpenTheQueueFiles_data();
    void dialogsNeverOpenTheQueueFiles();
    void droppedQueueFileIsRefusedUnread();
    void addPlaysDialogListsQueueFilesUnread();

private:
    /// Opens the named dialog of the window and returns once it was closed again.
    void openDialog(MainWindow &window, const QString &which);
};

void TestFileDialogs::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("CallboardTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_filedialogs"));
}

void TestFileDialogs::init()
{
    QSettings().clear();
}

void TestFileDialogs::openDialog(MainWindow &window, const QString &which)
{
    if (which == QLatin1String("add")) {
        window.findChild<QAction *>(QStringLiteral("job.add"))->trigger();
    } else if (which == QLatin1String("export")) {
        window.detailPane()->findChild<QTabWidget *>()->setCurrentIndex(2);  // the playbook
        auto *button = window.findChild<QPushButton *>(QStringLiteral("exportJson"));
        QTRY_VERIFY(button->isEnabled());
        button->click();
    } else {
        // File → Connect to Database… → Browse…: the dialog opens in the database's folder.
        QTimer::singleShot(0, &window, [] {
            auto *dialog = qobject_cast<ConnectionDialog *>(QApplication::activeModalWidget());
            QVERIFY(dialog);
            dialog->findChild<QAbstractButton *>(QStringLiteral("browseButton"))->click();
            dialog->reject();
        });
        window.findChild<QAction *>(QStringLiteral("app.connect"))->trigger();
    }
}

void TestFileDialogs::dialogsNeverOpenTheQueueFiles_data()
{
    QTest::addColumn<QString>("which");
    QTest::newRow("Add Files…") << QStringLiteral("add");
    QTest::newRow("Connect → Browse…") << QStringLiteral("browse");
    QTest::newRow("Export JSON…") << QStringLiteral("export");
}

void TestFileDialogs::dialogsNeverOpenTheQueueFiles()
{
    QFETCH(QString, which);
    QTemporaryDir dir;
    const QString dbPath = dir.filePath(QStringLiteral("queue.db"));
    const auto url = DatabaseUrl::parse(QStringLiteral("sqlite://") + dbPath);
    QVERIFY2(url, qPrintable(url.error().message));
    const QString urlText = url->toUrlString();
    {
        // A completed job with a playbook, so that Export is offered.
        ScopedConnection setup(*url, QStringLiteral("setup"));
        QVERIFY2(setup.isOpen(), qPrintable(setup.error()));
        QVERIFY_OK(Engine::Migrations::migrate(setup.database()));
        JobQueue queue(setup.database());
        EnqueueInput input;
        input.filename = QStringLiteral("done.txt");
        input.rawText = QByteArrayLiteral("HAMLET. To be.\n");
        const QString id = queue.enqueue(input);
        QVERIFY(queue.claimNext(QStringLiteral("w")));
        QVERIFY(queue.complete(id, QStringLiteral("w"),
                               QJsonObject{{QStringLiteral("title"), QStringLiteral("Done")}}));
    }
    // The dialogs open where a person would have them: the current folder (Add Files, Export)
    // or the database's own (Browse) — here all three hold the live queue.
    const QString previous = QDir::currentPath();
    QDir::setCurrent(dir.path());
    auto restore = qScopeGuard([previous] { QDir::setCurrent(previous); });

    MainWindow window(*url, nullptr);
    window.resize(1000, 700);
    window.show();
    QVERIFY(window.isConnected());
    QTRY_COMPARE(window.jobModel()->rowCount(), 1);
    window.selectJobs({window.jobModel()->jobRow(0).id});

    // Runs: the first counts opens with nobody else on the file; each run after it enqueues
    // from the shell while the dialog is open, as an editor would beside the window.
    const int runs = qEnvironmentVariableIntValue("CALLBOARD_DIALOG_RUNS") > 0
                         ? qEnvironmentVariableIntValue("CALLBOARD_DIALOG_RUNS")
                         : 3;
    OpenWatch watch(dir.path());
    int enqueued = 0;
    for (int run = 0; run < runs; ++run) {
        QStringList opened;
        bool shellOk = true;
        QString shellError;
        // From before the dialog is made (its constructor already lists a folder) ...
        watch.takeOpenedQueueFiles();
        whenDialogListed(dir.path(), [&, run](QFileDialog *dialog) {
            QVERIFY2(dialog->testOption(QFileDialog::DontUseNativeDialog), "a platform dialog");
            lookAt(dialog, 600);
            opened = watch.takeOpenedQueueFiles();
            if (run > 0) {
                shellOk = enqueueFromShell(urlText, &shellError);
                lookAt(dialog, 300);
            }
        });
        openDialog(window, which);
        if (run == 0)
            opened << watch.takeOpenedQueueFiles();  // ... until it is gone, with nobody else about
        QVERIFY2(opened.isEmpty(),
                 qPrintable(QStringLiteral("the dialog opened %1").arg(opened.join(", "))));
        QVERIFY2(shellOk, qPrintable(shellError));
        if (run > 0)
            ++enqueued;
        // After each dialog, the window's own connection still sees what the shell wrote.
        QTRY_COMPARE_WITH_TIMEOUT(window.jobModel()->rowCount(), 1 + enqueued, 10000);
    }
    QCOMPARE(integrity(*url), QStringLiteral("ok"));
    QCOMPARE(jobCount(*url), 1 + enqueued);
    QVERIFY(window.connectionBanner()->isHidden());
}

void TestFileDialogs::droppedQueueFileIsRefusedUnread()
{
    QTemporaryDir dir;
    const QString dbPath = dir.filePath(QStringLiteral("queue.db"));
    const auto url = DatabaseUrl::parse(QStringLiteral("sqlite://") + dbPath);
    QVERIFY(url);
    MainWindow window(*url, nullptr);
    QStringList titles, texts;
    window.setMessageHandler([&](const QString &title, const QString &text) {
        titles << title;
        texts << text;
    });
    QVERIFY(window.isConnected());
    // The whole folder, as a person might drop it: the database is listed and refused unread.
    QSignalSpy finished(window.enqueuer(), &FileEnqueuer::finished);
    window.enqueuePaths({dir.path()});
    QVERIFY(finished.wait(10000));
    // A read of the file as a play would open it outside SQLite (and call it binary).
    QVERIFY2(!texts.isEmpty(), "no rejection listed");
    QVERIFY2(texts.first().contains(QStringLiteral("queue database itself")), qPrintable(texts.first()));
    QVERIFY(!texts.first().contains(QStringLiteral("binary")));
    QCOMPARE(window.jobModel()->rowCount(), 0);
}

void TestFileDialogs::addPlaysDialogListsQueueFilesUnread()
{
    QTemporaryDir dir;
    const QString dbPath = dir.filePath(QStringLiteral("queue.db"));
    const auto url = DatabaseUrl::parse(QStringLiteral("sqlite://") + dbPath);
    QVERIFY(url);
    MainWindow window(*url, nullptr);
    QVERIFY(window.isConnected());
    QFile play(dir.filePath(QStringLiteral("hamlet.txt")));
    QVERIFY(play.open(QIODevice::WriteOnly));
    play.write("HAMLET. To be, or not to be.\n");
    play.close();
    QVERIFY(QFileInfo::exists(dbPath + QStringLiteral("-wal")));
    OpenWatch watch(dir.path());
    watch.takeOpenedQueueFiles();
    // The folder as a person drops it: the dialog reads the play and only names the rest.
    window.addPlays({dir.path()});
    QTRY_VERIFY_WITH_TIMEOUT(window.addPlaysDialog() && window.addPlaysDialog()->isReady(), 10000);
    AddPlaysDialog *dialog = window.addPlaysDialog();
    QStringList refused;
    bool playTicked = false;
    for (const PlayCandidate &candidate : dialog->candidates()) {
        if (candidate.name.startsWith(QLatin1String("queue.db"))) {
            QVERIFY(!candidate.isSelectable());
            refused << candidate.name;
        } else if (candidate.name == QLatin1String("hamlet.txt")) {
            playTicked = candidate.isTickedByDefault();
        }
    }
    QVERIFY(playTicked);
    QVERIFY2(refused.contains(QStringLiteral("queue.db"))
                 && refused.contains(QStringLiteral("queue.db-wal")),
             qPrintable(refused.join(", ")));
    const QStringList opened = watch.takeOpenedQueueFiles();
    QVERIFY2(opened.isEmpty(), qPrintable(QStringLiteral("the scan opened %1").arg(opened.join(", "))));
    dialog->reject();
}

QTEST_MAIN(TestFileDialogs)
#include "tst_filedialogs.moc"

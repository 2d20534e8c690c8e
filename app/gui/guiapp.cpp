#include "app/gui/guiapp.h"

#include "engine/database.h"
#include "engine/shutdownsignals.h"
#include "models/jobpresentation.h"
#include "ui/connectiondialog.h"
#include "ui/languagesupport.h"
#include "ui/mainwindow.h"
#include "ui/passwordstore.h"

#ifdef CALLBOARD_HAVE_WORKERPOOL
#include "engine/parsejobhandler.h"
#include "engine/workerpool.h"
#endif
#ifdef CALLBOARD_HAVE_POSTGRESLISTENER
#include "engine/postgreslistener.h"
#endif

#include <QApplication>
#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QtConcurrent>
#include <QSettings>
#include <QStatusBar>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace {

constexpr int kDefaultWorkers = 2;

bool probeWithProgress(const Engine::DatabaseUrl &url, QWidget *parent, QString *error);

/// One connection's window, pool and listener; replaced as a whole when the person connects
/// to another database.
class GuiSession final : public QObject
{
public:
    GuiSession(int workers)
        : m_workers(workers)
    {
    }

    ~GuiSession() override { close(); }

    bool open(const Engine::DatabaseUrl &url)
    {
        close();
        Engine::WorkerPool *pool = nullptr;
#ifdef CALLBOARD_HAVE_WORKERPOOL
        auto options = Engine::WorkerPoolOptions::fromEnvironment(url);
        if (m_workers >= 0)
            options.workers = m_workers;
        // The window's session holds the process's one LISTEN; the pool hears through it.
        options.listen = false;
        options.handler = Engine::parsePlayHandler;
        m_pool = std::make_unique<Engine::WorkerPool>(options);
        pool = m_pool.get();
#endif
        // The window checks the database first (an embedded file for damage): the workers
        // start only on a database the window could open.
        m_window = std::make_unique<MainWindow>(url, pool);
#ifdef CALLBOARD_HAVE_WORKERPOOL
        if (m_window->isConnected()) {
            if (const auto started = m_pool->start(); !started)
                qWarning("The worker pool did not start: %s",
                         qPrintable(started.error().message));
        }
#endif
        QObject::connect(m_window.get(), &MainWindow::connectionRequested, this,
                         [this](const Engine::DatabaseUrl &next) {
                             // Let the dialog's slot return before the window goes away.
                             QMetaObject::invokeMethod(this, [this, next] { reopen(next); },
                                                       Qt::QueuedConnection);
                         });
        QObject::connect(m_window.get(), &MainWindow::reconnectRequested, this,
                         [this, url](const QString &reason) {
                             qWarning("Reopening %s: %s", qPrintable(url.displayString()),
                                      qPrintable(reason));
                             QMetaObject::invokeMethod(
                                 this,
                                 [this, url, reason] {
                                     reopen(url);
                                     if (m_window && m_window->isConnected())
                                         m_window->statusBar()->showMessage(
                                             QCoreApplication::translate(
                                                 "GuiApp", "Reopened the queue database: %1")
                                                 .arg(reason),
                                             30000);
                                 },
                                 Qt::QueuedConnection);
                         });
        if (m_window->isConnected())
            ConnectionDialog::remember(url);
        m_window->show();
        return m_window->isConnected();
    }

    void reopen(const Engine::DatabaseUrl &url)
    {
        QString error;
        if (!probeWithProgress(url, m_window.get(), &error)) {
            QMessageBox::warning(m_window.get(),
                                 QCoreApplication::translate("GuiApp", "Not Connected"), error);
            return;  // keep the window on the database that works
        }
        if (m_window)
            m_window->saveSettings();
        // The count chosen in the window carries over to the new database.
        m_workers = QSettings().value(QStringLiteral("Workers/Count"), m_workers).toInt();
        if (!open(url))
            QMessageBox::warning(m_window.get(), QCoreApplication::translate("GuiApp", "Not Connected"),
                                 m_window->connectionError());
    }

    MainWindow *window() const { return m_window.get(); }

    void close()
    {
        if (m_window) {
            m_window->saveSettings();
            m_window.reset();
        }
#ifdef CALLBOARD_HAVE_WORKERPOOL
        if (m_pool) {
            m_pool->stop();
            m_pool.reset();
        }
#endif
    }

private:
    int m_workers;
    std::unique_ptr<MainWindow> m_window;
#ifdef CALLBOARD_HAVE_WORKERPOOL
    std::unique_ptr<Engine::WorkerPool> m_pool;
#endif
};

/// Connects once off the GUI thread (a slow or unreachable server must not freeze anything),
/// with a cancellable progress dialog when it takes a moment. False + message on failure.
bool probeWithProgress(const Engine::DatabaseUrl &url, QWidget *parent, QString *error)
{
    QFutureWatcher<ConnectionDialog::TestResult> watcher;
    QProgressDialog progress(QCoreApplication::translate("GuiApp", "Connecting to %1…")
                                 .arg(url.displayString()),
                             QCoreApplication::translate("GuiApp", "Cancel"), 0, 0, parent);
    progress.setWindowTitle(QStringLiteral("Callboard"));
    progress.setMinimumDuration(300);
    progress.setWindowModality(Qt::ApplicationModal);
    QEventLoop loop;
    QObject::connect(&watcher, &QFutureWatcher<ConnectionDialog::TestResult>::finished, &loop,
                     &QEventLoop::quit);
    QObject::connect(&progress, &QProgressDialog::canceled, &loop, &QEventLoop::quit);
    watcher.setFuture(QtConcurrent::run([url] { return ConnectionDialog::probe(url); }));
    if (!watcher.isFinished())
        loop.exec();
    if (!watcher.isFinished()) {
        // Cancelled: the probe ends by itself within the connect timeout; nobody waits for it.
        *error = QCoreApplication::translate("GuiApp", "Connecting was cancelled.");
        watcher.disconnect();
        return false;
    }
    const ConnectionDialog::TestResult result = watcher.result();
    if (!result.ok)
        *error = result.message;
    return result.ok;
}

/// The default embedded database stands for "nothing chosen": reopen the last connection then.
Engine::DatabaseUrl startUrl(const Engine::DatabaseUrl &url)
{
    const Engine::DatabaseUrl fallback = Engine::DatabaseUrl::defaultUrl();
    const bool isDefault = !url.isPostgres() && url.sqlitePath == fallback.sqlitePath;
    if (!isDefault || qEnvironmentVariableIsSet("CALLBOARD_DB"))
        return url;
    const QString last = QSettings().value(QStringLiteral("Connection/Last")).toString();
    if (last.isEmpty())
        return url;
    const auto parsed = Engine::DatabaseUrl::parse(last);
    return parsed ? *parsed : url;
}

} // namespace

int runGui(int argc, char **argv, const Engine::DatabaseUrl &url, const QString &lang, int workers)
{
    // Without a display Qt aborts (SIGABRT, a core dump) with a message about platform plugins;
    // a person on a server or over SSH wants to know what to do instead.
    bool platformChosen = qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
    for (int i = 1; i < argc && !platformChosen; ++i)
        platformChosen = qstrcmp(argv[i], "-platform") == 0 || qstrcmp(argv[i], "--platform") == 0;
    if (!platformChosen && qEnvironmentVariableIsEmpty("DISPLAY")
        && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
        fprintf(stderr, "callboard: the window needs a desktop session (no DISPLAY or "
                        "WAYLAND_DISPLAY is set). Headless commands work anywhere: see "
                        "'callboard --help'; for a virtual display run 'xvfb-run callboard'.\n");
        return 1;
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("callboard"));
    QApplication::setApplicationDisplayName(QStringLiteral("Callboard"));
    QApplication::setOrganizationName(QStringLiteral("TheatrePlayBuddy"));
    QApplication::setApplicationVersion(QStringLiteral(CALLBOARD_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("callboard"));
    QApplication::setWindowIcon(JobPresentation::icon(QStringLiteral("callboard")));
    LanguageSupport::install(lang);

    // --workers, else WORKER_COUNT (applied by WorkerPoolOptions), else the count last chosen in
    // the window, else 2.
    if (workers < 0 && !qEnvironmentVariableIsSet("WORKER_COUNT"))
        workers = QSettings().value(QStringLiteral("Workers/Count"), kDefaultWorkers).toInt();

    Engine::DatabaseUrl target = startUrl(url);
    if (target.isPostgres() && target.password.isEmpty() && !target.user.isEmpty()) {
        // The password is never in QSettings: the keychain, else ask the person.
        QString password;
        bool done = false;
        PasswordStore::read(PasswordStore::key(target), &app,
                            [&](std::optional<QString> value, const QString &) {
                                if (value)
                                    password = *value;
                                done = true;
                            });
        while (!done)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        target.password = password;
    }

    // A server that does not answer gets the connection dialog, not a frozen start.
    QString error;
    while (target.isPostgres() && !probeWithProgress(target, nullptr, &error)) {
        ConnectionDialog dialog;
        dialog.setUrl(target);
        dialog.testConnection();
        if (dialog.exec() != QDialog::Accepted)
            return 1;
        if (const auto chosen = dialog.url())
            target = *chosen;
    }

    GuiSession session(workers);
    session.open(target);
    // SIGTERM / SIGINT: close like the window's close button (settings saved, the pool released
    // its jobs to the queue); a second signal does not wait.
    Engine::installShutdownSignals(&app, [&session](int count) {
        if (count > 1)
            std::_Exit(130);
        if (MainWindow *window = session.window())
            window->closeWithoutAsking();  // nobody is there to answer a question
        QApplication::closeAllWindows();
        QApplication::quit();
    });
    const int code = QApplication::exec();
    session.close();
    return code;
}

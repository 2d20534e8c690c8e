#include "ui/mainwindow.h"

#include "engine/playbookquality.h"
#include "engine/sqlitefile.h"
#include "models/jobfilterproxymodel.h"
#include "models/jobpresentation.h"
#include "models/jobtablemodel.h"
#include "session/session.h"
#include "ui/addplaysdialog.h"
#include "ui/connectiondialog.h"
#include "ui/filedialogs.h"
#include "ui/fileenqueuer.h"
#include "ui/jobactions.h"
#include "ui/jobdetailpane.h"
#include "ui/playscanner.h"
#include "ui/progressbardelegate.h"
#include "ui/reviewbadgedelegate.h"
#include "ui/workerspanel.h"
#include "ui/metricsdock.h"
#include "ui/activitydock.h"

#ifdef CALLBOARD_HAVE_WORKERPOOL
#include "engine/workerpool.h"
#endif

#include <QAction>
#include <QCheckBox>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QInputDialog>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QProgressBar>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>


using Engine::JobStatus;

namespace {

const QString kGeometryKey = QStringLiteral("MainWindow/Geometry");
const QString kStateKey = QStringLiteral("MainWindow/State");
const QString kSplittersKey = QStringLiteral("MainWindow/Splitters");
// v2: the Last error column moved beside Progress; an older saved order would hide it again.
const QString kHeaderKey = QStringLiteral("JobTable/HeaderState/v2");
const QString kStatusFilterKey = QStringLiteral("JobTable/StatusFilter");
const QString kTextFilterKey = QStringLiteral("JobTable/TextFilter");
const QString kWorkerCountKey = QStringLiteral("Workers/Count");
constexpr int kStatusRole = Qt::UserRole + 1;  // -1 for "All"
constexpr int kMaxListedRejections = 25;

QStringList localPaths(const QMimeData *mime)
{
    QStringList paths;
    if (!mime || !mime->hasUrls())
        return paths;
    for (const QUrl &url : mime->urls()) {
        if (url.isLocalFile())
            paths << url.toLocalFile();
    }
    return paths;
}

} // namespace

MainWindow::MainWindow(const Engine::DatabaseUrl &url, Engine::WorkerPool *pool, QWidget *parent)
    : QMainWindow(parent)
    , m_url(url)
    , m_pool(pool)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(JobPresentation::icon(QStringLiteral("callboard")));
    setWindowTitle(tr("%1 — Callboard").arg(url.displayString()));
    setAcceptDrops(true);

    // The window's one door to the queue. Opening is the one wait on the GUI thread (the
    // window must know whether it works before it shows); everything after is asynchronous.
    m_session = std::make_unique<Session>(url);
    const Session::OpenResult opened = m_session->open();
    m_damaged = opened.damaged;
    m_connectionError = opened.error;

    m_model = new JobTableModel(m_session.get(), this);
    m_proxy = new JobFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);

    m_view = new QTreeView;
    m_view->setObjectName(QStringLiteral("jobTable"));
    m_view->setModel(m_proxy);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setAllColumnsShowFocus(true);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(JobTableModel::CreatedColumn, Qt::AscendingOrder);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setItemDelegateForColumn(JobTableModel::ProgressColumn, new ProgressBarDelegate(m_view));
    m_view->setItemDelegateForColumn(JobTableModel::StatusColumn, new ReviewBadgeDelegate(m_view));
    m_needsReviewAction = new QAction(tr("Needs &Review Only"), this);
    m_needsReviewAction->setObjectName(QStringLiteral("view.needsReview"));
    m_needsReviewAction->setCheckable(true);
    m_needsReviewAction->setToolTip(tr("Show only completed plays whose confidence is under %1 % "
                                       "or that have quality warnings")
                                        .arg(qRound(Engine::PlaybookQuality::ReviewThreshold * 100)));
    m_needsReviewAction->setStatusTip(m_needsReviewAction->toolTip());
    connect(m_needsReviewAction, &QAction::toggled, m_proxy, &JobFilterProxyModel::setNeedsReviewOnly);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->header()->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->header()->setSectionsMovable(true);
    m_view->header()->setStretchLastSection(true);
    m_view->header()->setFirstSectionMovable(true);
    applyDefaultHeader();

    m_actions = new JobActions(m_model, this);
    m_detail = new JobDetailPane(m_session.get(), this);
    m_workers = new WorkersPanel(m_session.get(), m_model, m_pool, this);
    m_enqueuer = new FileEnqueuer(m_session.get(), this);

    createStatusList();

    auto *filterBox = new QWidget;
    auto *filterLayout = new QVBoxLayout(filterBox);
    filterLayout->setContentsMargins(0, 0, 0, 0);
    auto *statusTitle = new QLabel(tr("<b>Status</b>"));
    filterLayout->addWidget(statusTitle);
    filterLayout->addWidget(m_statusList);
    auto *workersBox = new QWidget;
    auto *workersLayout = new QVBoxLayout(workersBox);
    workersLayout->setContentsMargins(0, 0, 0, 0);
    workersLayout->addWidget(new QLabel(tr("<b>Workers</b>")));
    workersLayout->addWidget(m_workers);

    m_sideSplitter = new QSplitter(Qt::Vertical);
    m_sideSplitter->setObjectName(QStringLiteral("sideSplitter"));
    m_sideSplitter->addWidget(filterBox);
    m_sideSplitter->addWidget(workersBox);
    m_sideSplitter->setStretchFactor(1, 1);

    m_tableSplitter = new QSplitter(Qt::Vertical);
    m_tableSplitter->setObjectName(QStringLiteral("tableSplitter"));
    m_tableSplitter->addWidget(m_view);
    m_tableSplitter->addWidget(m_detail);
    m_tableSplitter->setStretchFactor(0, 3);
    m_tableSplitter->setStretchFactor(1, 2);

    m_mainSplitter = new QSplitter(Qt::Horizontal);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->addWidget(m_sideSplitter);
    m_mainSplitter->addWidget(m_tableSplitter);
    m_mainSplitter->setStretchFactor(1, 1);
    m_mainSplitter->setSizes({310, 1000});

    m_banner = new QLabel;
    m_banner->setObjectName(QStringLiteral("connectionBanner"));
    m_banner->setWordWrap(true);
    m_banner->setTextFormat(Qt::PlainText);
    m_banner->setMargin(6);
    m_banner->setStyleSheet(QStringLiteral(
        "QLabel#connectionBanner { background: #fdecea; color: #b71c1c;"
        " border: 1px solid #e57373; border-radius: 4px; font-weight: bold; }"));
    m_banner->hide();
    auto *central = new QWidget;
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(2);
    centralLayout->addWidget(m_banner);
    centralLayout->addWidget(m_mainSplitter, 1);
    setCentralWidget(central);

    m_metricsDock = new MetricsDock(m_session.get(), this);
    m_activityDock = new ActivityDock(m_session.get(), this);
    addDockWidget(Qt::RightDockWidgetArea, m_metricsDock);
    addDockWidget(Qt::BottomDockWidgetArea, m_activityDock);
    m_metricsDock->hide();
    m_activityDock->hide();

    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("textFilter"));
    m_search->setPlaceholderText(tr("Filter by file, job or worker…"));
    m_search->setClearButtonEnabled(true);
    m_search->setMaximumWidth(280);

    createMenus();

    m_countsLabel = new QLabel;
    m_countsLabel->setObjectName(QStringLiteral("countsLabel"));
    m_dbLabel = new QLabel;
    m_dbLabel->setObjectName(QStringLiteral("databaseLabel"));
    m_enqueueProgress = new QProgressBar;
    m_enqueueProgress->setObjectName(QStringLiteral("enqueueProgress"));
    m_enqueueProgress->setMaximumWidth(220);
    m_enqueueProgress->setFormat(tr("Enqueuing %v of %m"));
    m_enqueueProgress->hide();
    m_enqueueCancel = new QToolButton;
    m_enqueueCancel->setObjectName(QStringLiteral("enqueueCancel"));
    m_enqueueCancel->setIcon(JobPresentation::icon(QStringLiteral("job-cancel"),
                                                   QStringLiteral("process-stop")));
    m_enqueueCancel->setToolTip(tr("Stop enqueuing"));
    m_enqueueCancel->setAutoRaise(true);
    m_enqueueCancel->hide();
    statusBar()->addPermanentWidget(m_enqueueProgress);
    statusBar()->addPermanentWidget(m_enqueueCancel);
    statusBar()->addPermanentWidget(m_countsLabel);
    statusBar()->addPermanentWidget(m_dbLabel);
    m_roundTripLabel = new QLabel;
    m_roundTripLabel->setObjectName(QStringLiteral("roundTripLabel"));
    m_roundTripLabel->setToolTip(tr("Time the database takes to answer the window (round trip)"));
    statusBar()->addPermanentWidget(m_roundTripLabel);
    m_sslLabel = new QLabel;
    m_sslLabel->setObjectName(QStringLiteral("sslModeLabel"));
    if (url.isPostgres()) {
        m_sslLabel->setText(tr("SSL: %1").arg(url.sslMode.isEmpty() ? tr("default (prefer)")
                                                                     : url.sslMode));
        statusBar()->addPermanentWidget(m_sslLabel);
    } else {
        m_sslLabel->hide();
    }
    m_dbLabel->setText(isConnected() ? url.displayString()
                                     : tr("Not connected: %1").arg(m_connectionError));

    // A child of the window, not of the splitter (a splitter turns children into panes).
    m_dropOverlay = new QLabel(this);
    m_dropOverlay->setObjectName(QStringLiteral("dropOverlay"));
    m_dropOverlay->setAlignment(Qt::AlignCenter);
    m_dropOverlay->setWordWrap(true);
    m_dropOverlay->setText(
        tr("<p style='font-size:18pt'><b>Drop to add plays</b></p>"
           "<p>Play files, folders (searched recursively) or text: you choose what to enqueue "
           "and how.</p>"));
    m_dropOverlay->setStyleSheet(QStringLiteral(
        "QLabel#dropOverlay { background: rgba(227, 242, 253, 235); color: #0d47a1;"
        " border: 3px dashed #1e88e5; border-radius: 12px; }"));
    m_dropOverlay->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_dropOverlay->hide();

    m_showMessage = [this](const QString &title, const QString &text) {
        QMessageBox box(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
        box.setTextFormat(Qt::PlainText);
        box.exec();
    };
    m_openFiles = [this] {
        return FileDialogs::getOpenFileNames(this, tr("Add Play Files"), QString(),
                                             tr("Text files (*.txt *.text *.md);;All files (*)"));
    };
    m_confirmPrune = [this](const PrunePreview &preview) -> std::optional<bool> {
        QMessageBox box(QMessageBox::Warning, tr("Prune Finished Jobs"),
                        tr("Delete %n finished job(s) (completed, failed or cancelled more than "
                           "%1 day(s) ago) and their %2 event(s)? This cannot be undone.",
                           nullptr, int(preview.jobs))
                            .arg(preview.days)
                            .arg(preview.events),
                        QMessageBox::Cancel, this);
        QPushButton *remove = box.addButton(tr("Delete"), QMessageBox::DestructiveRole);
        box.setDefaultButton(QMessageBox::Cancel);
        if (preview.playbooks > 0) {
            box.setInformativeText(tr("Their %n playbook(s) are kept unless you tick the box; a "
                                      "kept playbook can no longer be reached from the window.",
                                      nullptr, int(preview.playbooks)));
            box.setCheckBox(new QCheckBox(tr("Also delete their %n playbook(s)", nullptr,
                                             int(preview.playbooks))));
        }
        box.exec();
        if (box.clickedButton() != remove)
            return std::nullopt;
        return box.checkBox() && box.checkBox()->isChecked();
    };
    m_closePrompt = [this](const QStringList &running, int queued) {
        QMessageBox box(QMessageBox::Question, tr("Quit Callboard"), QString(),
                        QMessageBox::Cancel, this);
        box.setDefaultButton(QMessageBox::Cancel);
        QHash<QAbstractButton *, CloseChoice> choices;
        if (!running.isEmpty()) {
            box.setText(tr("This window is parsing %n play(s): %1.", nullptr, int(running.size()))
                            .arg(running.mid(0, 5).join(QStringLiteral(", "))));
            box.setInformativeText(
                tr("Wait: no new play is started, and Callboard quits when these are done.\n"
                   "Pause: they stop at their next chunk and stay paused until you resume them.\n"
                   "Release: they go back to the queue and go on from their checkpoint when a "
                   "worker takes them (here the next time Callboard runs, or another worker on "
                   "this database)."));
            choices.insert(box.addButton(tr("Wait, Then Quit"), QMessageBox::AcceptRole),
                           CloseChoice::WaitThenQuit);
            choices.insert(box.addButton(tr("Pause and Quit"), QMessageBox::AcceptRole),
                           CloseChoice::PauseAndQuit);
            choices.insert(box.addButton(tr("Release and Quit"), QMessageBox::DestructiveRole),
                           CloseChoice::ReleaseAndQuit);
        } else {
            box.setText(tr("%n play(s) are waiting in the queue.", nullptr, queued));
            box.setInformativeText(tr("They stay queued: Callboard parses them the next time it "
                                      "runs, or another worker on this database takes them."));
            choices.insert(box.addButton(tr("Quit"), QMessageBox::AcceptRole), CloseChoice::Quit);
        }
        box.exec();
        return choices.value(box.clickedButton(), CloseChoice::Cancel);
    };
    m_pruneDays = [this]() -> std::optional<int> {
        bool ok = false;
        const int days = QInputDialog::getInt(this, tr("Prune Finished Jobs"),
                                              tr("Delete finished jobs older than (days):"), 30,
                                              0, 3650, 1, &ok);
        return ok ? std::optional<int>(days) : std::nullopt;
    };

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::onSelectionChanged);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &MainWindow::onSelectionChanged);
    connect(m_view, &QTreeView::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu menu(this);
        menu.addActions(m_actions->jobActions().mid(0, 6));
        menu.addSeparator();
        menu.addActions(m_actions->jobActions().mid(6));
        menu.addSeparator();
        menu.addAction(m_actions->add());
        menu.exec(m_view->viewport()->mapToGlobal(pos));
    });
    connect(m_view->header(), &QHeaderView::customContextMenuRequested, this,
            &MainWindow::showHeaderMenu);
    connect(m_model, &JobTableModel::countsChanged, this, &MainWindow::updateCounts);
    connect(m_model, &JobTableModel::jobsUpdated, this, &MainWindow::onJobsUpdated);
    connect(m_model, &JobTableModel::errorOccurred, this, [this](const QString &message) {
        if (Engine::SqliteFile::isDamageError(message) && !m_url.isPostgres())
            onDatabaseError(message);
        else
            showStatusMessage(message);
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] { m_actions->updateEnabled(); });
    connect(m_actions, &JobActions::message, this, &MainWindow::showStatusMessage);
    connect(m_detail, &JobDetailPane::message, this, &MainWindow::showStatusMessage);
    connect(m_search, &QLineEdit::textChanged, m_proxy, &JobFilterProxyModel::setTextFilter);
    connect(m_statusList, &QListWidget::itemSelectionChanged, this,
            &MainWindow::applyStatusSelection);
    connect(m_actions->add(), &QAction::triggered, this, [this] {
        const QStringList files = m_openFiles();
        if (!files.isEmpty())
            addPlays(files);
    });
    connect(m_enqueuer, &FileEnqueuer::progress, this, [this](int done, int total) {
        m_enqueueProgress->setRange(0, total);
        m_enqueueProgress->setValue(done);
    });
    connect(m_enqueuer, &FileEnqueuer::finished, this, &MainWindow::onEnqueueFinished);
    connect(m_enqueueCancel, &QToolButton::clicked, m_enqueuer, &FileEnqueuer::cancel);
    connect(m_model, &JobTableModel::refreshSucceeded, this, &MainWindow::clearConnectionProblem);
    connect(m_session.get(), &Session::connectionLost, this, &MainWindow::showConnectionProblem);
    connect(m_session.get(), &Session::connectionRestored, this,
            &MainWindow::clearConnectionProblem);
    connect(m_session.get(), &Session::roundTripMeasured, this, [this](int ms) {
        m_roundTripLabel->setText(tr("Round trip: %1 ms").arg(ms));
    });
    connect(m_metricsDock, &MetricsDock::jobActivated, this, [this](const QString &id) {
        selectJobs({id});
    });
    connect(m_activityDock, &ActivityDock::jobActivated, this, [this](const QString &id) {
        selectJobs({id});
    });
#ifdef CALLBOARD_HAVE_WORKERPOOL
    if (m_pool) {
        connect(m_pool, &Engine::WorkerPool::connectionProblem, this,
                &MainWindow::onDatabaseError);
        connect(m_pool, &Engine::WorkerPool::workersChanged, this, [this] {
            if (m_closeChoice == CloseChoice::WaitThenQuit && runningHere().isEmpty())
                close();
        });
    }
#endif
    connect(m_workers, &WorkersPanel::workerCountChanged, this, [](int count) {
        QSettings().setValue(kWorkerCountKey, count);
    });

    updateCounts();
    restoreSettings();
    if (m_damaged) {
        m_banner->setText(m_connectionError);
        m_banner->show();
    } else if (!isConnected()) {
        showStatusMessage(tr("Could not open the queue database: %1").arg(m_connectionError));
    }
    if (!url.isPostgres() && isConnected()) {
        m_fileCheck.setInterval(2000);
        connect(&m_fileCheck, &QTimer::timeout, this, &MainWindow::checkDatabaseFile);
        m_fileCheck.start();
    }
    QTimer::singleShot(0, this, &MainWindow::reportLastClose);
}

MainWindow::~MainWindow()
{
    // Models hold queries on the connection: delete them before removing it.
    delete m_enqueuer;
    m_enqueuer = nullptr;
    delete m_detail;
    m_detail = nullptr;
    delete m_activityDock;
    m_activityDock = nullptr;
    delete m_metricsDock;
    m_metricsDock = nullptr;
    m_view->setModel(nullptr);
    delete m_workers;
    m_workers = nullptr;
    delete m_actions;
    m_actions = nullptr;
    delete m_proxy;
    m_proxy = nullptr;
    delete m_model;
    m_model = nullptr;
    // Last: nothing above may ask the session anything once it is gone.
    m_session.reset();
}

bool MainWindow::isConnected() const
{
    return m_session->isOpen();
}

void MainWindow::createMenus()
{
    auto *connectAction = new QAction(JobPresentation::icon(QStringLiteral("database"),
                                                            QStringLiteral("network-server-database")),
                                      tr("&Connect to Database…"), this);
    connectAction->setObjectName(QStringLiteral("app.connect"));
    connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    connectAction->setToolTip(tr("Open another queue database (SQLite file or PostgreSQL)"));
    connect(connectAction, &QAction::triggered, this, &MainWindow::openConnectionDialog);
    auto *quitAction = new QAction(tr("&Quit"), this);
    quitAction->setObjectName(QStringLiteral("app.quit"));
    quitAction->setShortcut(QKeySequence::Quit);
    quitAction->setMenuRole(QAction::QuitRole);
    connect(quitAction, &QAction::triggered, this, &MainWindow::close);
    auto *aboutAction = new QAction(tr("&About Callboard"), this);
    aboutAction->setObjectName(QStringLiteral("app.about"));
    aboutAction->setMenuRole(QAction::AboutRole);
    connect(aboutAction, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About Callboard"),
                           tr("<h3>Callboard %1</h3><p>Watches and controls the play-import "
                              "jobs of Theatre Play Buddy.</p>")
                               .arg(QStringLiteral(CALLBOARD_VERSION)));
    });

    auto *pruneAction = new QAction(tr("&Prune Finished Jobs…"), this);
    pruneAction->setObjectName(QStringLiteral("app.prune"));
    pruneAction->setToolTip(tr("Delete completed, failed and cancelled jobs older than a number "
                               "of days, with their events (playbooks are kept)"));
    connect(pruneAction, &QAction::triggered, this, [this] {
        if (const std::optional<int> days = m_pruneDays())
            pruneFinishedJobs(*days);
    });

    auto *pasteAction = new QAction(JobPresentation::icon(QStringLiteral("job-add"),
                                                          QStringLiteral("edit-paste")),
                                    tr("&Paste as Play"), this);
    pasteAction->setObjectName(QStringLiteral("app.paste"));
    // A focused text field keeps its own Ctrl+V (it claims the shortcut first).
    pasteAction->setShortcut(QKeySequence::Paste);
    pasteAction->setToolTip(tr("Enqueue the text on the clipboard as a play, named after its "
                               "first line (or the files on it)"));
    connect(pasteAction, &QAction::triggered, this, &MainWindow::paste);
    addAction(pasteAction);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_actions->add());
    file->addAction(pasteAction);
    file->addAction(connectAction);
    file->addSeparator();
    file->addAction(pruneAction);
    file->addSeparator();
    file->addAction(quitAction);
    QMenu *jobs = menuBar()->addMenu(tr("&Jobs"));
    const QList<QAction *> actions = m_actions->jobActions();
    jobs->addActions(actions.mid(0, 6));
    jobs->addSeparator();
    jobs->addActions(actions.mid(6));
    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *metricsAction = m_metricsDock->toggleViewAction();
    metricsAction->setObjectName(QStringLiteral("view.metrics"));
    metricsAction->setText(tr("&Queue Metrics"));
    metricsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    QAction *activityAction = m_activityDock->toggleViewAction();
    activityAction->setObjectName(QStringLiteral("view.activity"));
    activityAction->setText(tr("&Activity"));
    activityAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    view->addAction(metricsAction);
    view->addAction(activityAction);
    view->addSeparator();
    view->addAction(m_needsReviewAction);
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(aboutAction);

    QToolBar *toolbar = addToolBar(tr("Jobs"));
    toolbar->setObjectName(QStringLiteral("jobsToolBar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->setIconSize(QSize(22, 22));
    toolbar->addAction(m_actions->add());
    toolbar->addSeparator();
    toolbar->addActions(actions.mid(0, 4));
    toolbar->addSeparator();
    toolbar->addAction(m_actions->priorityUp());
    toolbar->addAction(m_actions->priorityDown());
    auto *spacer = new QWidget;
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolbar->addWidget(spacer);
    toolbar->addWidget(m_search);
    toolbar->addAction(m_needsReviewAction);
    toolbar->addAction(connectAction);
    // Only the most used actions carry a text beside the icon, so the toolbar fits 1024 px.
    for (QAction *action : {m_actions->priorityUp(), m_actions->priorityDown(), connectAction}) {
        if (auto *button = qobject_cast<QToolButton *>(toolbar->widgetForAction(action)))
            button->setToolButtonStyle(Qt::ToolButtonIconOnly);
    }
}

void MainWindow::createStatusList()
{
    m_statusList = new QListWidget;
    m_statusList->setObjectName(QStringLiteral("statusFilter"));
    m_statusList->setSelectionMode(QAbstractItemView::MultiSelection);
    m_statusList->setIconSize(QSize(16, 16));
    auto *all = new QListWidgetItem(JobPresentation::icon(QStringLiteral("workers")), tr("All"));
    all->setData(kStatusRole, -1);
    m_statusList->addItem(all);
    for (JobStatus status : Engine::allJobStatuses()) {
        auto *item = new QListWidgetItem(JobPresentation::statusIcon(status),
                                         JobPresentation::statusText(status));
        item->setData(kStatusRole, int(status));
        m_statusList->addItem(item);
    }
    m_statusList->setMaximumHeight(m_statusList->sizeHintForRow(0) * 8 + 8);
}

void MainWindow::updateCounts()
{
    const QHash<JobStatus, int> counts = m_model->countsByStatus();
    const int total = m_model->rowCount();
    m_statusList->item(0)->setText(tr("All (%1)").arg(total));
    QStringList parts;
    for (int i = 1; i < m_statusList->count(); ++i) {
        const auto status = JobStatus(m_statusList->item(i)->data(kStatusRole).toInt());
        const int n = counts.value(status);
        m_statusList->item(i)->setText(
            tr("%1 (%2)").arg(JobPresentation::statusText(status)).arg(n));
        if (n > 0)
            parts << tr("%1 %2").arg(n).arg(JobPresentation::statusText(status).toLower());
    }
    m_countsLabel->setText(tr("%n job(s)", nullptr, total)
                           + (parts.isEmpty() ? QString() : QStringLiteral(": ") + parts.join(QStringLiteral(", "))));
}

void MainWindow::applyStatusSelection()
{
    if (m_updatingStatusList)
        return;
    m_updatingStatusList = true;
    QList<JobStatus> statuses;
    QListWidgetItem *all = m_statusList->item(0);
    const bool allJustSelected = all->isSelected()
                                 && m_statusList->currentItem() == all;
    if (allJustSelected) {
        for (int i = 1; i < m_statusList->count(); ++i)
            m_statusList->item(i)->setSelected(false);
    } else {
        for (int i = 1; i < m_statusList->count(); ++i) {
            if (m_statusList->item(i)->isSelected())
                statuses << JobStatus(m_statusList->item(i)->data(kStatusRole).toInt());
        }
        all->setSelected(statuses.isEmpty());
    }
    m_updatingStatusList = false;
    m_proxy->setStatusFilter(statuses);
}

QStringList MainWindow::selectedJobIds() const
{
    QStringList ids;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        ids << index.data(JobTableModel::JobIdRole).toString();
    return ids;
}

void MainWindow::selectJobs(const QStringList &ids)
{
    QItemSelection selection;
    QModelIndex first;
    for (const QString &id : ids) {
        const int row = m_model->rowOfJob(id);
        if (row < 0)
            continue;
        const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
        if (!index.isValid())
            continue;
        if (!first.isValid())
            first = index;
        selection.select(index, index);
    }
    m_view->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect
                                                    | QItemSelectionModel::Rows);
    if (first.isValid()) {
        m_view->selectionModel()->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
        m_view->scrollTo(first);
    }
}

void MainWindow::onSelectionChanged()
{
    const QStringList ids = selectedJobIds();
    m_actions->setSelectedJobs(ids);
    QString current = m_view->currentIndex().data(JobTableModel::JobIdRole).toString();
    if (!ids.contains(current))
        current = ids.value(0);
    m_detail->setJobId(current);
}

void MainWindow::onJobsUpdated(const QStringList &ids)
{
    m_actions->updateEnabled();
    if (!m_detail->jobId().isEmpty() && ids.contains(m_detail->jobId()))
        m_detail->refresh();
}

void MainWindow::showConnectionProblem(const QString &message)
{
    m_banner->setText(tr("Connection to the queue database lost: %1").arg(message));
    m_banner->show();
}

void MainWindow::clearConnectionProblem()
{
    m_banner->hide();
}

void MainWindow::onDatabaseError(const QString &message)
{
    if (m_url.isPostgres() || !Engine::SqliteFile::isDamageError(message)) {
        showConnectionProblem(message);
        return;
    }
    m_banner->setText(tr("The queue file %1 cannot be read safely: %2. Callboard stops working on "
                         "it and opens it again, checking it first.")
                          .arg(QDir::toNativeSeparators(m_url.sqlitePath), message));
    m_banner->show();
    if (!m_reconnectAsked) {
        m_reconnectAsked = true;
        emit reconnectRequested(message);
    }
}

void MainWindow::checkDatabaseFile()
{
    const QString problem = Engine::SqliteFile::detectSplit(m_url);
    if (problem.isEmpty())
        return;
    m_banner->setText(problem);
    m_banner->show();
    if (!m_reconnectAsked) {
        m_reconnectAsked = true;
        emit reconnectRequested(problem);
    }
}

void MainWindow::pruneFinishedJobs(int days)
{
    // Counting may take a moment on a large table: the session counts, then the window asks.
    Engine::PruneOptions options;
    options.olderThanSeconds = qint64(days) * 86400;
    options.dryRun = true;
    options.withPlaybooks = true;  // counted to be offered, deleted only if chosen
    m_session->prune(options, this, [this, days](const SessionReply<Engine::PruneResult> &reply) {
        if (!reply.ok()) {
            showStatusMessage(tr("Could not prune: %1").arg(reply.error));
            return;
        }
        const PrunePreview preview{days, reply.value.jobs, reply.value.events,
                                   reply.value.playbooks};
        if (preview.jobs == 0) {
            showStatusMessage(tr("Nothing to prune: no finished job is older than %n day(s).",
                                 nullptr, days));
            return;
        }
        if (const std::optional<bool> withPlaybooks = m_confirmPrune(preview))
            deletePrunable(days, *withPlaybooks);
        else
            showStatusMessage(tr("Pruning cancelled: nothing was deleted."));
    });
}

void MainWindow::deletePrunable(int days, bool withPlaybooks)
{
    // Pruning a large table takes a while: the session runs it in short batches on a
    // connection of its own.
    showStatusMessage(tr("Pruning finished jobs older than %n day(s)…", nullptr, days));
    Engine::PruneOptions options;
    options.olderThanSeconds = qint64(days) * 86400;
    options.withPlaybooks = withPlaybooks;
    m_session->prune(options, this,
                     [this, days, withPlaybooks](const SessionReply<Engine::PruneResult> &reply) {
                         if (!reply.ok()) {
                             showStatusMessage(tr("Could not prune: %1").arg(reply.error));
                             return;
                         }
                         showStatusMessage(
                             tr("Pruned %n finished job(s) older than %1 day(s).", nullptr,
                                int(reply.value.jobs))
                                 .arg(days)
                             + (withPlaybooks ? QLatin1Char(' ')
                                                    + tr("%n playbook(s) deleted with them.",
                                                         nullptr, int(reply.value.playbooks))
                                              : QString()));
                     });
}

void MainWindow::showStatusMessage(const QString &text)
{
    statusBar()->showMessage(text, 10000);
}

void MainWindow::enqueuePaths(const QStringList &paths)
{
    if (paths.isEmpty())
        return;
    if (m_enqueuer->isRunning()) {
        m_pendingPaths << paths;
        return;
    }
    m_enqueueProgress->setRange(0, 0);
    m_enqueueProgress->show();
    m_enqueueCancel->show();
    showStatusMessage(tr("Enqueuing %n item(s)…", nullptr, int(paths.size())));
    m_enqueuer->start(paths);
}

AddPlaysDialog *MainWindow::addPlaysDialog() const
{
    return m_addPlays;
}

void MainWindow::addPlays(const QStringList &paths)
{
    if (!paths.isEmpty())
        showAddPlays(new AddPlaysDialog(m_session.get(), paths, this));
}

void MainWindow::addText(const QString &text)
{
    const PlayCandidate candidate = PlayScanner::fromText(text);
    if (!candidate.isSelectable()) {
        showStatusMessage(tr("The pasted text is empty: nothing to enqueue."));
        return;
    }
    showAddPlays(new AddPlaysDialog(m_session.get(), candidate, this));
}

void MainWindow::paste()
{
    const QMimeData *mime = QGuiApplication::clipboard()->mimeData();
    if (const QStringList paths = localPaths(mime); !paths.isEmpty())
        addPlays(paths);
    else if (mime && mime->hasText())
        addText(mime->text());
    else
        showStatusMessage(tr("The clipboard holds no text or files to enqueue."));
}

void MainWindow::showAddPlays(AddPlaysDialog *dialog)
{
    // One at a time: a second drop while one is open would hide behind it.
    if (m_addPlays)
        m_addPlays->reject();
    m_addPlays = dialog;
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { enqueueChosen(dialog->inputs()); });
    dialog->open();
}

void MainWindow::enqueueChosen(const QList<Engine::EnqueueInput> &inputs)
{
    if (inputs.isEmpty())
        return;
    // The dialog has checked every text already: the batch goes in whole or not at all.
    showStatusMessage(tr("Enqueuing %n play(s)…", nullptr, int(inputs.size())));
    m_session->enqueue(inputs, QStringLiteral("desktop"), this,
                       [this](const SessionReply<QStringList> &reply) {
                           if (!reply.ok()) {
                               m_showMessage(tr("Enqueue Failed"),
                                             tr("The queue database refused the plays: %1")
                                                 .arg(reply.error));
                               return;
                           }
                           m_model->refreshJobs(reply.value);
                           showStatusMessage(tr("%n play(s) enqueued.", nullptr,
                                                int(reply.value.size())));
                       });
}

void MainWindow::onEnqueueFinished(const FileEnqueuer::Result &result)
{
    m_enqueueProgress->hide();
    m_enqueueCancel->hide();
    m_model->refreshJobs(result.jobIds);
    QString summary = tr("%n file(s) enqueued.", nullptr, int(result.jobIds.size()));
    if (result.cancelled)
        summary += QLatin1Char(' ') + tr("Stopped before the end.");
    if (!result.error.isEmpty()) {
        m_showMessage(tr("Enqueue Failed"),
                      tr("The queue database refused the files: %1").arg(result.error));
    }
    if (!result.rejected.isEmpty()) {
        summary += QLatin1Char(' ')
                   + tr("%n file(s) could not be enqueued.", nullptr, int(result.rejected.size()));
        QStringList lines;
        for (const FileEnqueuer::Rejected &rejected : result.rejected.mid(0, kMaxListedRejections))
            lines << tr("• %1 %2").arg(QDir::toNativeSeparators(rejected.path), rejected.reason);
        if (result.rejected.size() > kMaxListedRejections)
            lines << tr("… and %n more.", nullptr,
                        int(result.rejected.size()) - kMaxListedRejections);
        const QString text = tr("%n file(s) could not be enqueued:", nullptr,
                                int(result.rejected.size()))
                             + QStringLiteral("\n\n") + lines.join(QLatin1Char('\n'))
                             + (result.jobIds.isEmpty()
                                    ? QString()
                                    : QStringLiteral("\n\n")
                                          + tr("The other %n file(s) were enqueued.", nullptr,
                                               int(result.jobIds.size())));
        showStatusMessage(summary);
        m_showMessage(tr("Some Files Were Not Enqueued"), text);
    } else {
        showStatusMessage(summary);
    }
    if (!m_pendingPaths.isEmpty()) {
        const QStringList next = m_pendingPaths;
        m_pendingPaths.clear();
        enqueuePaths(next);
    }
}

void MainWindow::showDropOverlay(bool show)
{
    if (show) {
        m_dropOverlay->setGeometry(centralWidget()->geometry().adjusted(12, 12, -12, -12));
        m_dropOverlay->raise();
    }
    m_dropOverlay->setVisible(show);
}

void MainWindow::resizeEvent(QResizeEvent *event)
{
    QMainWindow::resizeEvent(event);
    if (m_dropOverlay && m_dropOverlay->isVisible())
        showDropOverlay(true);
}

namespace {

/// Files, or else text (from an editor or a browser): what a drop can add.
bool isDroppable(const QMimeData *mime)
{
    return !localPaths(mime).isEmpty() || (mime && mime->hasText() && !mime->hasUrls());
}

} // namespace

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (isDroppable(event->mimeData())) {
        event->acceptProposedAction();
        showDropOverlay(true);
    } else {
        event->ignore();
    }
}

void MainWindow::dragMoveEvent(QDragMoveEvent *event)
{
    if (isDroppable(event->mimeData()))
        event->acceptProposedAction();
}

void MainWindow::dragLeaveEvent(QDragLeaveEvent *event)
{
    showDropOverlay(false);
    event->accept();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    showDropOverlay(false);
    const QMimeData *mime = event->mimeData();
    if (!isDroppable(mime)) {
        event->ignore();
        return;
    }
    event->acceptProposedAction();
    if (const QStringList paths = localPaths(mime); !paths.isEmpty())
        addPlays(paths);
    else
        addText(mime->text());
}

void MainWindow::openConnectionDialog()
{
    ConnectionDialog dialog(this);
    dialog.setUrl(m_url);
    if (dialog.exec() != QDialog::Accepted)
        return;
    if (const auto url = dialog.url())
        emit connectionRequested(*url);
}

void MainWindow::applyDefaultHeader()
{
    QHeaderView *header = m_view->header();
    // Status leaves room for the Needs review badge beside the longest status; Last error
    // (beside Progress) stays on screen at the default width.
    const QList<int> widths{230, 200, 60, 170, 60, 170, 130, 130, 90, 240};
    for (int i = 0; i < widths.size(); ++i) {
        header->showSection(i);
        header->resizeSection(i, widths.at(i));
        header->moveSection(header->visualIndex(i), i);
    }
    // Why a job failed is what a person looks for first: beside its progress, on screen at the
    // default size, not past six columns of times.
    header->moveSection(header->visualIndex(JobTableModel::ErrorColumn),
                        header->visualIndex(JobTableModel::ProgressColumn) + 1);
}

void MainWindow::showHeaderMenu(const QPoint &pos)
{
    QMenu menu(this);
    QHeaderView *header = m_view->header();
    for (int i = 0; i < m_model->columnCount(); ++i) {
        QAction *action = menu.addAction(m_model->headerData(i, Qt::Horizontal).toString());
        action->setCheckable(true);
        action->setChecked(!header->isSectionHidden(i));
        action->setEnabled(i != JobTableModel::StatusColumn && i != JobTableModel::FileColumn);
        connect(action, &QAction::toggled, header, [header, i](bool on) {
            header->setSectionHidden(i, !on);
        });
    }
    menu.addSeparator();
    menu.addAction(tr("Reset Columns"), this, &MainWindow::applyDefaultHeader);
    menu.exec(header->mapToGlobal(pos));
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    settings.setValue(kSplittersKey, QVariantList{m_mainSplitter->saveState(),
                                                  m_sideSplitter->saveState(),
                                                  m_tableSplitter->saveState()});
    settings.setValue(kHeaderKey, m_view->header()->saveState());
    QStringList statuses;
    for (JobStatus status : m_proxy->statusFilter())
        statuses << Engine::statusName(status);
    settings.setValue(kStatusFilterKey, statuses);
    settings.setValue(kTextFilterKey, m_search->text());
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
        // First start: room for every column of the table and a readable timeline.
        const QRect available = screen() ? screen()->availableGeometry() : QRect(0, 0, 1440, 900);
        resize(available.size().boundedTo(QSize(1360, 860)));
    }
    restoreState(settings.value(kStateKey).toByteArray());
    const QVariantList splitters = settings.value(kSplittersKey).toList();
    if (splitters.size() == 3) {
        m_mainSplitter->restoreState(splitters.at(0).toByteArray());
        m_sideSplitter->restoreState(splitters.at(1).toByteArray());
        m_tableSplitter->restoreState(splitters.at(2).toByteArray());
    }
    const QByteArray header = settings.value(kHeaderKey).toByteArray();
    if (header.isEmpty() || !m_view->header()->restoreState(header)
        || m_view->header()->count() != JobTableModel::ColumnCount)
        applyDefaultHeader();

    const QStringList statuses = settings.value(kStatusFilterKey).toStringList();
    m_updatingStatusList = true;
    m_statusList->clearSelection();
    bool any = false;
    for (int i = 1; i < m_statusList->count(); ++i) {
        const auto status = JobStatus(m_statusList->item(i)->data(kStatusRole).toInt());
        const bool on = statuses.contains(Engine::statusName(status));
        m_statusList->item(i)->setSelected(on);
        any = any || on;
    }
    m_statusList->item(0)->setSelected(!any);
    m_updatingStatusList = false;
    applyStatusSelection();
    m_search->setText(settings.value(kTextFilterKey).toString());
}

QStringList MainWindow::runningHere() const
{
    QStringList ids;
#ifdef CALLBOARD_HAVE_WORKERPOOL
    if (m_pool) {
        for (const Engine::WorkerInfo &worker : m_pool->workers()) {
            if (!worker.jobId.isEmpty())
                ids << worker.jobId;
        }
    }
#endif
    return ids;
}

void MainWindow::closeWithoutAsking()
{
    if (!m_closeChoice) {
        m_closeChoice = CloseChoice::ReleaseAndQuit;
        rememberClose(CloseChoice::ReleaseAndQuit, runningHere());
    }
    close();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_closeChoice) {
        const QStringList running = runningHere();
        const QHash<JobStatus, int> counts = m_model->countsByStatus();
        const bool works = m_pool && m_pool->workerCount() > 0;
        const int queued = works ? counts.value(JobStatus::Queued) + counts.value(JobStatus::Retrying)
                                 : 0;
        CloseChoice choice = CloseChoice::Quit;
        if (!running.isEmpty() || queued > 0) {
            QStringList names;
            for (const QString &id : running) {
                const int row = m_model->rowOfJob(id);
                names << (row >= 0 ? m_model->jobRow(row).filename : id.left(8));
            }
            choice = m_closePrompt(names, queued);
        }
        switch (choice) {
        case CloseChoice::Cancel:
            event->ignore();
            return;
        case CloseChoice::WaitThenQuit:
            m_closeChoice = choice;
#ifdef CALLBOARD_HAVE_WORKERPOOL
            m_pool->setWorkerCount(0);  // the running plays finish; no new one starts
#endif
            showStatusMessage(tr("Callboard quits when the %n running play(s) are done.", nullptr,
                                 int(running.size())));
            event->ignore();
            if (runningHere().isEmpty())
                QTimer::singleShot(0, this, &MainWindow::close);
            return;
        case CloseChoice::PauseAndQuit:
            {
                // Waits for the answer: the plays must be paused before the window goes.
                // A job that finished meanwhile refuses, which is fine.
                SessionCommand pause;
                pause.kind = SessionCommand::Kind::Pause;
                pause.jobIds = running;
                pause.actor = QStringLiteral("desktop");
                m_session->runAndWait(pause);
            }
            rememberClose(choice, running);
            break;
        case CloseChoice::ReleaseAndQuit:
#ifdef CALLBOARD_HAVE_WORKERPOOL
            m_pool->setShutdownSeconds(0);
#endif
            rememberClose(choice, running);
            break;
        case CloseChoice::Quit:
            break;
        }
        m_closeChoice = choice;
    }
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::rememberClose(CloseChoice choice, const QStringList &jobIds)
{
    if (jobIds.isEmpty())
        return;
    QStringList names;
    for (const QString &id : jobIds) {
        const int row = m_model->rowOfJob(id);
        names << (row >= 0 ? m_model->jobRow(row).filename : id.left(8));
    }
    QSettings settings;
    settings.beginGroup(QStringLiteral("LastClose"));
    settings.setValue(QStringLiteral("database"), m_url.displayString());
    settings.setValue(QStringLiteral("when"), QDateTime::currentDateTimeUtc());
    settings.setValue(QStringLiteral("paused"), choice == CloseChoice::PauseAndQuit);
    settings.setValue(QStringLiteral("jobs"), jobIds);
    settings.setValue(QStringLiteral("names"), names);
}

void MainWindow::reportLastClose()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("LastClose"));
    if (!settings.contains(QStringLiteral("jobs"))
        || settings.value(QStringLiteral("database")).toString() != m_url.displayString())
        return;
    const QDateTime when = settings.value(QStringLiteral("when")).toDateTime();
    const QStringList ids = settings.value(QStringLiteral("jobs")).toStringList();
    const QString names = settings.value(QStringLiteral("names")).toStringList().join(QStringLiteral(", "));
    const bool paused = settings.value(QStringLiteral("paused")).toBool();
    settings.remove(QString());
    const QString at = QLocale().toString(when.toLocalTime(), QLocale::ShortFormat);
    const QString text = paused
        ? tr("When Callboard was closed (%1), it paused the %n play(s) it was parsing: %2. Select "
             "them and choose Resume to go on from their checkpoint.", nullptr, int(ids.size()))
              .arg(at, names)
        : tr("When Callboard was closed (%1), the %n play(s) it was parsing went back to the queue "
             "(unless they finished first): %2. They go on from their checkpoint when a worker "
             "takes them.", nullptr, int(ids.size()))
              .arg(at, names);
    selectJobs(ids);
    m_showMessage(tr("Since Last Time"), text);
}

#pragma once

#include "engine/databaseurl.h"
#include "engine/job.h"
#include "ui/fileenqueuer.h"

#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QSplitter;
class QToolButton;
class QTreeView;
class AddPlaysDialog;
class JobActions;
class JobDetailPane;
class JobFilterProxyModel;
class JobTableModel;
class WorkersPanel;
class MetricsDock;
class ActivityDock;
class Session;
namespace Engine {
class WorkerPool;
}

/// Callboard's window (qBittorrent's transfer list is the model): the live jobs table with a
/// status/text filter and counts, the selected job's details, timeline and playbook, the
/// workers, job actions, drag and drop of files and folders.
class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    /// Opens its session on url (which migrates it). pool may be nullptr: monitor only.
    MainWindow(const Engine::DatabaseUrl &url, Engine::WorkerPool *pool, QWidget *parent = nullptr);
    ~MainWindow() override;

    bool isConnected() const;
    QString connectionError() const { return m_connectionError; }
    Engine::DatabaseUrl url() const { return m_url; }

    Session *session() const { return m_session.get(); }
    JobTableModel *jobModel() const { return m_model; }
    JobFilterProxyModel *proxyModel() const { return m_proxy; }
    QTreeView *jobView() const { return m_view; }
    JobDetailPane *detailPane() const { return m_detail; }
    JobActions *jobActions() const { return m_actions; }
    WorkersPanel *workersPanel() const { return m_workers; }
    FileEnqueuer *enqueuer() const { return m_enqueuer; }
    QListWidget *statusFilterList() const { return m_statusList; }
    QLineEdit *textFilterEdit() const { return m_search; }
    MetricsDock *metricsDock() const { return m_metricsDock; }
    ActivityDock *activityDock() const { return m_activityDock; }
    /// The strip above the table that says the database connection is lost.
    QLabel *connectionBanner() const { return m_banner; }

    /// Shows the lost-connection banner with this message (worker pool, listener).
    void showConnectionProblem(const QString &message);
    /// Hides the banner (connection restored, or a refresh worked again).
    void clearConnectionProblem();

    /// Enqueues files and folders at once, without asking, off the GUI thread.
    void enqueuePaths(const QStringList &paths);
    /// Opens the Add Plays dialog on files and folders (what a drop and Add Files do); what it
    /// chooses is enqueued through the session.
    void addPlays(const QStringList &paths);
    /// Opens the Add Plays dialog on a text (pasted or dropped): one job named after its first
    /// non-empty line.
    void addText(const QString &text);
    /// What Ctrl+V does: files on the clipboard are added like a drop, text as a play.
    void paste();
    /// The Add Plays dialog while it is open (tests answer it), else nullptr.
    AddPlaysDialog *addPlaysDialog() const;
    /// Selects the rows of these jobs (and makes the first current).
    void selectJobs(const QStringList &ids);
    QStringList selectedJobIds() const;

    void saveSettings() const;
    void restoreSettings();

    /// Where messages that need a person's attention go (default: a message box).
    void setMessageHandler(std::function<void(const QString &title, const QString &text)> handler)
    {
        m_showMessage = std::move(handler);
    }
    /// Where "Add Files…" asks for files (default: a file dialog).
    void setOpenFilesProvider(std::function<QStringList()> provider)
    {
        m_openFiles = std::move(provider);
    }

    /// How "Prune Finished Jobs…" asks for the age in days (default: an input dialog);
    /// std::nullopt cancels.
    void setPruneDaysPrompt(std::function<std::optional<int>()> prompt)
    {
        m_pruneDays = std::move(prompt);
    }
    /// What "Prune Finished Jobs…" found to delete; the confirmation shows it before anything goes.
    struct PrunePreview
    {
        int days = 0;
        qint64 jobs = 0;
        qint64 events = 0;
        qint64 playbooks = 0;
    };
    /// How prune asks before deleting (default: a message box with a "delete their playbooks
    /// too" check box): std::nullopt cancels, otherwise whether playbooks go too.
    void setPruneConfirmation(std::function<std::optional<bool>(const PrunePreview &)> confirm)
    {
        m_confirmPrune = std::move(confirm);
    }
    /// Counts what pruning would delete, asks, then deletes, all off the GUI thread (what the
    /// action does after asking for the age).
    void pruneFinishedJobs(int days);

    /// What closing the window does with the plays this window's workers are parsing.
    enum class CloseChoice { Cancel, WaitThenQuit, PauseAndQuit, ReleaseAndQuit, Quit };
    /// How closing asks (default: a message box); running are the plays this window parses,
    /// queued the plays waiting in the queue.
    void setClosePrompt(std::function<CloseChoice(const QStringList &running, int queued)> prompt)
    {
        m_closePrompt = std::move(prompt);
    }
    /// Closes without asking (SIGTERM, the session closing): running plays go back to the queue.
    void closeWithoutAsking();

signals:
    /// The person chose another database in the connection dialog.
    void connectionRequested(const Engine::DatabaseUrl &url);
    /// The embedded file changed under the window (its WAL deleted by another process, an I/O
    /// or damage error): open everything on it afresh, which checks it again.
    void reconnectRequested(const QString &reason);

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dragLeaveEvent(QDragLeaveEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void createMenus();
    void createStatusList();
    void updateCounts();
    void applyStatusSelection();
    void onSelectionChanged();
    void onJobsUpdated(const QStringList &ids);
    void onEnqueueFinished(const FileEnqueuer::Result &result);
    void showAddPlays(AddPlaysDialog *dialog);
    void enqueueChosen(const QList<Engine::EnqueueInput> &inputs);
    void showDropOverlay(bool show);
    void openConnectionDialog();
    void showStatusMessage(const QString &text);
    void showHeaderMenu(const QPoint &pos);
    void applyDefaultHeader();
    void onDatabaseError(const QString &message);
    void checkDatabaseFile();
    void deletePrunable(int days, bool withPlaybooks);
    QStringList runningHere() const;
    void rememberClose(CloseChoice choice, const QStringList &jobIds);
    void reportLastClose();

    std::function<std::optional<int>()> m_pruneDays;
    std::function<std::optional<bool>(const PrunePreview &)> m_confirmPrune;
    std::function<CloseChoice(const QStringList &, int)> m_closePrompt;
    std::optional<CloseChoice> m_closeChoice;
    bool m_damaged = false;
    bool m_reconnectAsked = false;
    Engine::DatabaseUrl m_url;
    Engine::WorkerPool *m_pool;
    std::unique_ptr<Session> m_session;
    QString m_connectionError;
    JobTableModel *m_model = nullptr;
    JobFilterProxyModel *m_proxy = nullptr;
    QTreeView *m_view = nullptr;
    JobDetailPane *m_detail = nullptr;
    JobActions *m_actions = nullptr;
    WorkersPanel *m_workers = nullptr;
    FileEnqueuer *m_enqueuer = nullptr;
    QListWidget *m_statusList = nullptr;
    QAction *m_needsReviewAction = nullptr;
    QLineEdit *m_search = nullptr;
    QSplitter *m_mainSplitter = nullptr;
    QSplitter *m_sideSplitter = nullptr;
    QSplitter *m_tableSplitter = nullptr;
    QLabel *m_countsLabel = nullptr;
    QLabel *m_dbLabel = nullptr;
    QLabel *m_roundTripLabel = nullptr;
    QProgressBar *m_enqueueProgress = nullptr;
    QToolButton *m_enqueueCancel = nullptr;
    QLabel *m_dropOverlay = nullptr;
    QLabel *m_banner = nullptr;
    QLabel *m_sslLabel = nullptr;
    MetricsDock *m_metricsDock = nullptr;
    ActivityDock *m_activityDock = nullptr;
    QStringList m_pendingPaths;
    QPointer<AddPlaysDialog> m_addPlays;
    bool m_updatingStatusList = false;
    std::function<void(const QString &, const QString &)> m_showMessage;
    std::function<QStringList()> m_openFiles;
    QTimer m_fileCheck;
};

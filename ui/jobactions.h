#pragma once

#include "engine/jobstatus.h"
#include "session/sessioncommand.h"

#include <QHash>
#include <QObject>

#include <functional>
#include <optional>

class QAction;
class QWidget;
class JobTableModel;
struct JobRow;

/// The job actions, created once with stable objectNames ("job.pause", …) and their default
/// shortcuts, shared by the toolbar, the menu and the context menu. The window tells it which
/// jobs are selected; it enables each action from their states and runs it through the engine
/// (never through setData). Dialogs go through small seams so tests can answer them.
class JobActions final : public QObject
{
    Q_OBJECT

public:
    /// Asks "really?"; the default shows a QMessageBox.
    using Confirm = std::function<bool(const QString &question)>;
    /// Asks for a priority (starting from current); nullopt = cancelled.
    using AskPriority = std::function<std::optional<int>(int current)>;
    /// Asks before removing finished jobs, naming them; playbooks is how many of them have one.
    /// nullopt = cancelled, else whether their playbooks go too.
    using ConfirmRemove =
        std::function<std::optional<bool>(const QStringList &names, int playbooks)>;

    JobActions(JobTableModel *model, QWidget *parentWidget);

    QAction *add() const { return m_add; }
    QAction *pause() const { return m_pause; }
    QAction *resume() const { return m_resume; }
    QAction *cancel() const { return m_cancel; }
    QAction *retry() const { return m_retry; }
    QAction *restart() const { return m_restart; }
    /// Starts completed plays over with the LLM provider ("openai"): for those the built-in
    /// parser read with low confidence.
    QAction *parseWithLlm() const { return m_parseWithLlm; }
    QAction *priorityUp() const { return m_priorityUp; }
    QAction *priorityDown() const { return m_priorityDown; }
    QAction *setPriority() const { return m_setPriority; }
    QAction *remove() const { return m_remove; }
    QList<QAction *> jobActions() const;

    void setSelectedJobs(const QStringList &ids);
    QStringList selectedJobs() const { return m_selected; }
    /// Re-evaluates what is enabled (the selected jobs may have changed state).
    void updateEnabled();

    void setConfirmHandler(Confirm confirm) { m_confirm = std::move(confirm); }
    void setPriorityPrompt(AskPriority ask) { m_askPriority = std::move(ask); }
    void setRemoveConfirmation(ConfirmRemove confirm) { m_confirmRemove = std::move(confirm); }

signals:
    /// A sentence for the status bar: what was done, or why it was refused.
    void message(const QString &text);
    /// The server answered a command (its message is out, the rows show the answer).
    void commandFinished();

private:
    QAction *make(const char *objectName, const QString &text, const QString &icon,
                  const QString &themeIcon, const QKeySequence &shortcut, const QString &tip);
    QList<Engine::JobStatus> selectedStatuses() const;
    void runOnSelection(const QString &verb, Engine::JobStatus target, SessionCommand::Kind kind);
    void runOnSelection(const QString &verb, const std::function<bool(Engine::JobStatus)> &applies,
                        SessionCommand::Kind kind, int value = 0, const QJsonObject &config = {});
    void runOnSelection(const QString &verb, const std::function<bool(const JobRow &)> &applies,
                        SessionCommand::Kind kind, int value = 0, const QJsonObject &config = {});
    void changePriority(int delta);
    /// "Cancel hamlet.txt?" rather than "Cancel 1 job?": the plays named, ten at most.
    QString namedSelection(int *count) const;
    void askAndSetPriority();
    void askAndRemove();

    JobTableModel *m_model;
    QWidget *m_parentWidget;
    QStringList m_selected;
    Confirm m_confirm;
    AskPriority m_askPriority;
    ConfirmRemove m_confirmRemove;
    QAction *m_add;
    QAction *m_pause;
    QAction *m_resume;
    QAction *m_cancel;
    QAction *m_retry;
    QAction *m_restart;
    QAction *m_parseWithLlm;
    QAction *m_priorityUp;
    QAction *m_priorityDown;
    QAction *m_setPriority;
    QAction *m_remove;
};

#include "ui/jobactions.h"

#include "engine/jobqueue.h"
#include "engine/jobstatemachine.h"
#include "models/jobpresentation.h"
#include "models/jobtablemodel.h"

#include <QAction>
#include <QCheckBox>
#include <QInputDialog>
#include <QMessageBox>
#include <QPushButton>
#include <QWidget>

using Engine::JobStatus;

namespace {

/// Failed for a reason a retry may fix, or cancelled: a permanent failure ("not a play") would
/// only fail again, so Retry is not offered for it (Start Over with other settings is).
bool isRetryable(const JobRow &row)
{
    return (row.status == JobStatus::Failed && !row.failurePermanent)
           || row.status == JobStatus::Cancelled;
}

} // namespace

JobActions::JobActions(JobTableModel *model, QWidget *parentWidget)
    : QObject(parentWidget)
    , m_model(model)
    , m_parentWidget(parentWidget)
{
    // Default shortcuts are set here, in one place.
    m_add = make("job.add", tr("&Add Files…"), QStringLiteral("job-add"),
                 QStringLiteral("document-open"), QKeySequence::Open,
                 tr("Enqueue play files or folders"));
    m_pause = make("job.pause", tr("&Pause"), QStringLiteral("job-pause"),
                   QStringLiteral("media-playback-pause"), QKeySequence(Qt::CTRL | Qt::Key_P),
                   tr("Pause the selected jobs (a running job stops at its next chunk)"));
    m_resume = make("job.resume", tr("&Resume"), QStringLiteral("job-resume"),
                    QStringLiteral("media-playback-start"), QKeySequence(Qt::CTRL | Qt::Key_R),
                    tr("Put the selected paused jobs back in the queue"));
    m_cancel = make("job.cancel", tr("&Cancel"), QStringLiteral("job-cancel"),
                    QStringLiteral("process-stop"), QKeySequence(Qt::Key_Delete),
                    tr("Cancel the selected jobs"));
    m_retry = make("job.retry", tr("Re&try"), QStringLiteral("job-retry"),
                   QStringLiteral("view-refresh"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
                   tr("Queue the selected failed or cancelled jobs again (not those whose "
                      "failure no retry can fix)"));
    m_restart = make("job.restart", tr("Start &Over…"), QStringLiteral("job-retry"),
                     QStringLiteral("view-refresh"), QKeySequence(),
                     tr("Parse the selected jobs again from the beginning: their checkpoints and "
                        "progress are cleared"));
    m_parseWithLlm = make("job.parseWithLlm", tr("Parse Again with &LLM…"), QStringLiteral("job-retry"),
                          QStringLiteral("view-refresh"), QKeySequence(),
                          tr("Start the selected completed plays over with the LLM provider "
                             "(openai): for plays the built-in parser read with low confidence"));
    m_priorityUp = make("job.priorityUp", tr("Priority &Up"), QStringLiteral("priority-up"),
                        QStringLiteral("go-up"), QKeySequence(Qt::CTRL | Qt::Key_Plus),
                        tr("Raise the priority of the selected jobs by one"));
    m_priorityDown = make("job.priorityDown", tr("Priority &Down"), QStringLiteral("priority-down"),
                          QStringLiteral("go-down"), QKeySequence(Qt::CTRL | Qt::Key_Minus),
                          tr("Lower the priority of the selected jobs by one"));
    m_setPriority = make("job.setPriority", tr("Set Pr&iority…"), QStringLiteral("priority-set"),
                         QString(), QKeySequence(Qt::CTRL | Qt::Key_I),
                         tr("Set the priority of the selected jobs"));
    m_remove = make("job.remove", tr("Re&move…"), QStringLiteral("job-cancel"),
                    QStringLiteral("edit-delete"), QKeySequence(Qt::SHIFT | Qt::Key_Delete),
                    tr("Delete the selected finished jobs and their events (their playbooks on "
                       "request)"));

    m_confirm = [this](const QString &question) {
        return QMessageBox::question(m_parentWidget, tr("Callboard"), question,
                                     QMessageBox::Yes | QMessageBox::No, QMessageBox::No)
               == QMessageBox::Yes;
    };
    m_askPriority = [this](int current) -> std::optional<int> {
        bool ok = false;
        const int value = QInputDialog::getInt(m_parentWidget, tr("Set Priority"),
                                               tr("Priority (higher runs first):"), current,
                                               Engine::JobQueue::kMinPriority,
                                               Engine::JobQueue::kMaxPriority, 1, &ok);
        return ok ? std::optional<int>(value) : std::nullopt;
    };

    m_confirmRemove = [this](const QStringList &names, int playbooks) -> std::optional<bool> {
        QMessageBox box(QMessageBox::Warning, tr("Remove Jobs"),
                        tr("Remove %n finished job(s) and their events? This cannot be undone.",
                           nullptr, int(names.size()))
                            + QStringLiteral("\n\n") + names.join(QLatin1Char('\n')),
                        QMessageBox::Cancel, m_parentWidget);
        box.setTextFormat(Qt::PlainText);
        QPushButton *remove = box.addButton(tr("Remove"), QMessageBox::DestructiveRole);
        box.setDefaultButton(QMessageBox::Cancel);
        if (playbooks > 0)
            box.setCheckBox(new QCheckBox(
                tr("Also delete their %n playbook(s)", nullptr, playbooks)));
        box.exec();
        if (box.clickedButton() != remove)
            return std::nullopt;
        return box.checkBox() && box.checkBox()->isChecked();
    };

    connect(m_pause, &QAction::triggered, this, [this] {
        runOnSelection(tr("paused"), JobStatus::Paused,
                       SessionCommand::Kind::Pause);
    });
    connect(m_resume, &QAction::triggered, this, [this] {
        runOnSelection(tr("resumed"), JobStatus::Queued,
                       SessionCommand::Kind::Resume);
    });
    connect(m_cancel, &QAction::triggered, this, [this] {
        int n = 0;
        const QString list = namedSelection(&n);
        if (n == 0)
            return;
        const QString question = n == 1
            ? tr("Cancel %1? A running job stops at its next chunk.").arg(list)
            : tr("Cancel these %n jobs? A running job stops at its next chunk.", nullptr, n)
                  + QStringLiteral("\n\n") + list;
        if (!m_confirm(question))
            return;
        runOnSelection(tr("cancelled"), JobStatus::Cancelled,
                       SessionCommand::Kind::Cancel);
    });
    connect(m_retry, &QAction::triggered, this, [this] {
        runOnSelection(
            tr("queued again"), [](const JobRow &row) { return isRetryable(row); },
            SessionCommand::Kind::Retry);
    });
    connect(m_remove, &QAction::triggered, this, &JobActions::askAndRemove);
    connect(m_restart, &QAction::triggered, this, [this] {
        int n = 0;
        const QString list = namedSelection(&n);
        if (n == 0)
            return;
        const QString question = n == 1
            ? tr("Start %1 over from the beginning? Its checkpoint and progress are cleared; a "
                 "completed job gets a new playbook.").arg(list)
            : tr("Start these %n jobs over from the beginning? Their checkpoints and progress are "
                 "cleared; completed jobs get new playbooks.", nullptr, n)
                  + QStringLiteral("\n\n") + list;
        if (!m_confirm(question))
            return;
        runOnSelection(tr("started over"),
                       [](JobStatus s) { return s != JobStatus::Running; },
                       SessionCommand::Kind::Restart);
    });
    connect(m_parseWithLlm, &QAction::triggered, this, [this] {
        int n = 0;
        const QString list = namedSelection(&n);
        if (n == 0)
            return;
        const QString question =
            tr("Parse %1 again with the LLM provider (openai)? The new playbook replaces the shown "
               "one; the LLM's endpoint, model and key come from the environment.").arg(list);
        if (!m_confirm(question))
            return;
        runOnSelection(tr("started over"),
                       [](JobStatus s) { return s == JobStatus::Completed; },
                       SessionCommand::Kind::Restart, 0,
                       QJsonObject{{QStringLiteral("provider"), QStringLiteral("openai")}});
    });
    connect(m_priorityUp, &QAction::triggered, this, [this] { changePriority(+1); });
    connect(m_priorityDown, &QAction::triggered, this, [this] { changePriority(-1); });
    connect(m_setPriority, &QAction::triggered, this, &JobActions::askAndSetPriority);
    updateEnabled();
}

QAction *JobActions::make(const char *objectName, const QString &text, const QString &icon,
                          const QString &themeIcon, const QKeySequence &shortcut,
                          const QString &tip)
{
    auto *action = new QAction(JobPresentation::icon(icon, themeIcon), text, this);
    action->setObjectName(QLatin1String(objectName));
    action->setShortcut(shortcut);
    action->setShortcutContext(Qt::WindowShortcut);
    action->setToolTip(tip);
    action->setStatusTip(tip);
    return action;
}

QList<QAction *> JobActions::jobActions() const
{
    return {m_pause, m_resume, m_cancel, m_retry, m_restart, m_parseWithLlm, m_priorityUp,
            m_priorityDown, m_setPriority, m_remove};
}

QString JobActions::namedSelection(int *count) const
{
    *count = int(m_selected.size());
    constexpr int kNamed = 10;
    QStringList names;
    for (const QString &id : m_selected.mid(0, kNamed)) {
        const int row = m_model->rowOfJob(id);
        names << (row >= 0 ? m_model->jobRow(row).filename : id.left(8));
    }
    QString list = names.join(QStringLiteral("\n"));
    if (*count > kNamed)
        list += QLatin1Char('\n') + tr("… and %n more", nullptr, *count - kNamed);
    return list;
}

void JobActions::setSelectedJobs(const QStringList &ids)
{
    m_selected = ids;
    updateEnabled();
}

QList<JobStatus> JobActions::selectedStatuses() const
{
    QList<JobStatus> statuses;
    for (const QString &id : m_selected) {
        const int row = m_model->rowOfJob(id);
        if (row >= 0)
            statuses << m_model->jobRow(row).status;
    }
    return statuses;
}

namespace {

bool allows(JobStatus from, JobStatus to)
{
    // Resume means paused → queued; queued → queued is no resume and failed → queued is a retry.
    if (to == JobStatus::Queued)
        return from == JobStatus::Paused;
    return Engine::JobStateMachine::canTransition(from, to);
}

} // namespace

void JobActions::updateEnabled()
{
    const QList<JobStatus> statuses = selectedStatuses();
    auto any = [&](auto predicate) {
        return std::any_of(statuses.cbegin(), statuses.cend(), predicate);
    };
    m_pause->setEnabled(any([](JobStatus s) { return allows(s, JobStatus::Paused); }));
    m_resume->setEnabled(any([](JobStatus s) { return s == JobStatus::Paused; }));
    m_cancel->setEnabled(any([](JobStatus s) { return allows(s, JobStatus::Cancelled); }));
    bool retryable = false;
    for (const QString &id : std::as_const(m_selected)) {
        const int row = m_model->rowOfJob(id);
        retryable = retryable || (row >= 0 && isRetryable(m_model->jobRow(row)));
    }
    m_retry->setEnabled(retryable);
    m_remove->setEnabled(any([](JobStatus s) { return Engine::isTerminal(s); }));
    m_restart->setEnabled(any([](JobStatus s) { return s != JobStatus::Running; }));
    m_parseWithLlm->setEnabled(any([](JobStatus s) { return s == JobStatus::Completed; }));
    const bool priority = any([](JobStatus s) { return s != JobStatus::Completed; });
    m_priorityUp->setEnabled(priority);
    m_priorityDown->setEnabled(priority);
    m_setPriority->setEnabled(priority);
}

void JobActions::runOnSelection(const QString &verb, JobStatus target, SessionCommand::Kind kind)
{
    runOnSelection(verb, [target](JobStatus s) { return allows(s, target); }, kind);
}

void JobActions::runOnSelection(const QString &verb, const std::function<bool(JobStatus)> &applies,
                                SessionCommand::Kind kind, int value, const QJsonObject &config)
{
    runOnSelection(verb, [&applies](const JobRow &row) { return applies(row.status); }, kind,
                   value, config);
}

void JobActions::runOnSelection(const QString &verb,
                                const std::function<bool(const JobRow &)> &applies,
                                SessionCommand::Kind kind, int value, const QJsonObject &config)
{
    SessionCommand command;
    command.kind = kind;
    command.value = value;
    command.config = config;
    for (const QString &id : std::as_const(m_selected)) {
        const int row = m_model->rowOfJob(id);
        if (row >= 0 && applies(m_model->jobRow(row)))
            command.jobIds << id;
    }
    if (command.jobIds.isEmpty()) {
        emit message(tr("Nothing was %1: the selected jobs are in states that do not allow it.")
                         .arg(verb));
        return;
    }
    // The rows say "pausing…" at once; the message comes with the server's answer.
    // Names now: a removed job's row is gone by the time the answer is read.
    QHash<QString, QString> names;
    for (const QString &id : std::as_const(command.jobIds))
        names.insert(id, m_model->jobRow(m_model->rowOfJob(id)).filename);
    m_model->runCommand(command, [this, verb, kind, names](const SessionCommand::Outcome &outcome,
                                                           const QString &error) {
        QStringList refused;
        for (const auto &[id, reason] : outcome.refused) {
            refused << tr("%1: %2").arg(names.value(id, id), reason);
        }
        const int done = int(outcome.done.size());
        const bool priority = kind == SessionCommand::Kind::SetPriority
            || kind == SessionCommand::Kind::ChangePriority;
        if (!error.isEmpty())
            emit message(error);
        else if (!refused.isEmpty())
            emit message(tr("%n job(s) refused: %1", nullptr, int(refused.size()))
                             .arg(refused.join(QStringLiteral("; "))));
        else if (priority && done > 0)
            emit message(tr("Priority changed for %n job(s).", nullptr, done));
        else if (done > 0)
            emit message(tr("%n job(s) %1.", nullptr, done).arg(verb));
        updateEnabled();
        emit commandFinished();
    });
}

void JobActions::changePriority(int delta)
{
    // The server adds the step to the priority it has, not to the one this window last saw.
    runOnSelection(
        tr("reprioritised"), [](JobStatus s) { return s != JobStatus::Completed; },
        SessionCommand::Kind::ChangePriority, delta);
}

void JobActions::askAndSetPriority()
{
    int current = 0;
    for (const QString &id : std::as_const(m_selected)) {
        const int row = m_model->rowOfJob(id);
        if (row >= 0) {
            current = m_model->jobRow(row).priority;
            break;
        }
    }
    const std::optional<int> value = m_askPriority(current);
    if (!value)
        return;
    runOnSelection(
        tr("reprioritised"), [](JobStatus s) { return s != JobStatus::Completed; },
        SessionCommand::Kind::SetPriority, *value);
}

void JobActions::askAndRemove()
{
    QStringList names;
    int playbooks = 0;
    QStringList ids;
    for (const QString &id : std::as_const(m_selected)) {
        const int row = m_model->rowOfJob(id);
        if (row < 0 || !Engine::isTerminal(m_model->jobRow(row).status))
            continue;
        ids << id;
        names << m_model->jobRow(row).filename;
        if (m_model->jobRow(row).status == JobStatus::Completed)
            ++playbooks;
    }
    if (ids.isEmpty()) {
        emit message(tr("Nothing was removed: only completed, failed or cancelled jobs can be "
                        "removed."));
        return;
    }
    constexpr int kNamed = 10;
    QStringList shown = names.mid(0, kNamed);
    if (names.size() > kNamed)
        shown << tr("… and %n more", nullptr, int(names.size()) - kNamed);
    const std::optional<bool> withPlaybooks = m_confirmRemove(shown, playbooks);
    if (!withPlaybooks)
        return;
    runOnSelection(withPlaybooks.value() ? tr("removed with their playbooks") : tr("removed"),
                   [](const JobRow &row) { return Engine::isTerminal(row.status); },
                   SessionCommand::Kind::Remove, withPlaybooks.value() ? 1 : 0);
}

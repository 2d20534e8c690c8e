#include "models/jobtablemodel.h"

#include "engine/playbookquality.h"

#include "models/jobpresentation.h"
#include "session/session.h"

#include <QLocale>

using Engine::JobStatus;

namespace {

/// The columns whose text or value differ between two versions of a row, as [first, last];
/// {-1, -1} when only bookkeeping (updatedAt, lockedAt) moved. A narrow dataChanged keeps the
/// sorted proxy from re-sorting rows whose sort column did not change (a progress update must
/// not move 100,000 persistent indexes).
std::pair<int, int> changedColumns(const JobRow &a, const JobRow &b)
{
    const bool changed[JobTableModel::ColumnCount] = {
        a.status != b.status || a.controlRequest != b.controlRequest || a.runAfter != b.runAfter
            || a.failurePermanent != b.failurePermanent || a.needsReview() != b.needsReview()
            || a.reviewConfidence != b.reviewConfidence,
        a.filename != b.filename || a.sourcePath != b.sourcePath,
        a.priority != b.priority,
        a.progress != b.progress || a.completedChunks != b.completedChunks
            || a.totalChunks != b.totalChunks,
        a.retryCount != b.retryCount || a.maxRetries != b.maxRetries,
        a.workerId != b.workerId,
        a.createdAt != b.createdAt,
        a.startedAt != b.startedAt,
        a.startedAt != b.startedAt || a.completedAt != b.completedAt || a.status != b.status,
        a.lastError != b.lastError || a.failureReason != b.failureReason,
    };
    int first = -1;
    int last = -1;
    for (int column = 0; column < JobTableModel::ColumnCount; ++column) {
        if (changed[column]) {
            if (first < 0)
                first = column;
            last = column;
        }
    }
    return {first, last};
}

QString dateText(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    return QLocale().toString(time.toLocalTime(), QLocale::ShortFormat);
}

} // namespace

JobTableModel::JobTableModel(Session *session, QObject *parent)
    : QAbstractTableModel(parent)
    , m_session(session)
{
    m_durationTimer.setInterval(1000);
    connect(&m_durationTimer, &QTimer::timeout, this, &JobTableModel::tickDurations);
    connect(m_session, &Session::jobsChanged, this,
            [this](const QStringList &, const QList<Engine::Job> &rows,
                   const QStringList &vanished) { onBatch(rows, vanished); });
    connect(m_session, &Session::feedFailed, this, &JobTableModel::errorOccurred);
    connect(m_session, &Session::feedSucceeded, this, &JobTableModel::refreshSucceeded);
    m_durationTimer.start();
}

JobTableModel::~JobTableModel() = default;

int JobTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int JobTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JobTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::DisplayRole) {
        switch (Column(section)) {
        case StatusColumn: return tr("Status");
        case FileColumn: return tr("File");
        case PriorityColumn: return tr("Priority");
        case ProgressColumn: return tr("Progress");
        case RetriesColumn: return tr("Retries");
        case WorkerColumn: return tr("Worker");
        case CreatedColumn: return tr("Created");
        case StartedColumn: return tr("Started");
        case DurationColumn: return tr("Duration");
        case ErrorColumn: return tr("Last error");
        case ColumnCount: break;
        }
    } else if (role == Qt::TextAlignmentRole) {
        if (section == PriorityColumn || section == RetriesColumn || section == DurationColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant JobTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const JobRow &row = m_rows.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayData(row, column);
    case Qt::DecorationRole:
        if (column == StatusColumn)
            return JobPresentation::statusIcon(row.status);
        return {};
    case Qt::ToolTipRole:
        if (column == ErrorColumn)
            return row.errorText();
        if (column == FileColumn)
            return row.sourcePath.isEmpty()
                ? tr("%1\nJob %2").arg(row.filename, row.id)
                : tr("%1\nFrom %2\nJob %3").arg(row.filename, row.sourcePath, row.id);
        if (column == StatusColumn && row.isPermanentFailure())
            return tr("A retry cannot fix this failure: %1").arg(row.errorText());
        if (column == StatusColumn && row.runAfter.isValid()
            && row.status == JobStatus::Retrying)
            return tr("Next attempt at %1")
                .arg(QLocale().toString(row.runAfter.toLocalTime(), QLocale::LongFormat));
        if (column == ProgressColumn)
            return data(index, ChunksTextRole);
        if (column == StatusColumn && row.needsReview())
            return reviewToolTip(row);
        return {};
    case Qt::ForegroundRole:
        if (column == ErrorColumn && !row.errorText().isEmpty())
            return JobPresentation::statusColor(JobStatus::Failed);
        return {};
    case Qt::TextAlignmentRole:
        if (column == PriorityColumn || column == RetriesColumn || column == DurationColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case JobIdRole:
        return row.id;
    case StatusRole:
        return int(row.status);
    case ProgressRole:
        return row.progress;
    case ChunksTextRole:
        if (row.totalChunks < 0)
            return QString();
        return tr("%1 / %2 chunks").arg(row.completedChunks).arg(row.totalChunks);
    case SortRole:
        return sortData(row, column);
    case ControlRequestRole:
        return row.controlRequest;
    case WorkerIdRole:
        return row.workerId;
    case NeedsReviewRole:
        return row.needsReview();
    default:
        return {};
    }
}

QString JobTableModel::reviewToolTip(const JobRow &row) const
{
    QStringList why;
    if (row.reviewConfidence >= 0 && row.reviewConfidence < Engine::PlaybookQuality::ReviewThreshold)
        why << tr("confidence %1 %").arg(qRound(row.reviewConfidence * 100));
    if (row.reviewWarnings > 0)
        why << tr("%n quality warning(s)", nullptr, row.reviewWarnings);
    return tr("Needs review: %1. Open the Playbook tab to check and correct it.")
        .arg(why.join(QStringLiteral(", ")));
}

QVariant JobTableModel::displayData(const JobRow &row, int column) const
{
    switch (Column(column)) {
    case StatusColumn: {
        const QString status = JobPresentation::statusText(row.status);
        // The click is acknowledged at once; the server's answer replaces this.
        const QString pending = m_pendingCommands.value(row.id);
        if (pending == QLatin1String("pause"))
            return tr("%1 (pausing…)").arg(status);
        if (pending == QLatin1String("resume"))
            return tr("%1 (resuming…)").arg(status);
        if (pending == QLatin1String("cancel"))
            return tr("%1 (cancelling…)").arg(status);
        if (pending == QLatin1String("retry"))
            return tr("%1 (retrying…)").arg(status);
        if (pending == QLatin1String("restart"))
            return tr("%1 (starting over…)").arg(status);
        if (pending == QLatin1String("priority"))
            return tr("%1 (changing priority…)").arg(status);
        if (pending == QLatin1String("remove"))
            return tr("%1 (removing…)").arg(status);
        if (row.status == JobStatus::Running && row.controlRequest == QLatin1String("pause"))
            return tr("%1 (pausing…)").arg(status);
        if (row.status == JobStatus::Running && row.controlRequest == QLatin1String("cancel"))
            return tr("%1 (cancelling…)").arg(status);
        const qint64 next = row.secondsToNextAttempt(QDateTime::currentDateTimeUtc());
        if (next > 0)
            return tr("%1 — next in %2").arg(status, JobPresentation::durationText(next));
        if (next == 0)
            return tr("%1 — due now").arg(status);
        if (row.isPermanentFailure())
            return tr("%1 (permanent)").arg(status);
        return status;
    }
    case FileColumn: return row.filename;
    case PriorityColumn: return row.priority;
    case ProgressColumn: return QLocale().toString(row.progress, 'f', 0) + QLatin1Char('%');
    case RetriesColumn: return QStringLiteral("%1/%2").arg(row.retryCount).arg(row.maxRetries);
    case WorkerColumn: return row.workerId;
    case CreatedColumn: return dateText(row.createdAt);
    case StartedColumn: return dateText(row.startedAt);
    case DurationColumn:
        return JobPresentation::durationText(
            row.durationSeconds(QDateTime::currentDateTimeUtc()));
    case ErrorColumn: return row.errorText().section(QLatin1Char('\n'), 0, 0);
    case ColumnCount: break;
    }
    return {};
}

QVariant JobTableModel::sortData(const JobRow &row, int column) const
{
    switch (Column(column)) {
    case StatusColumn: return int(row.status);
    case FileColumn: return row.filename;
    case PriorityColumn: return row.priority;
    case ProgressColumn: return row.progress;
    case RetriesColumn: return row.retryCount;
    case WorkerColumn: return row.workerId;
    case CreatedColumn: return row.createdAt;
    case StartedColumn: return row.startedAt;
    case DurationColumn: return row.durationSeconds(QDateTime::currentDateTimeUtc());
    case ErrorColumn: return row.errorText();
    case ColumnCount: break;
    }
    return {};
}

void JobTableModel::setPollInterval(int ms)
{
    m_session->setPollInterval(ms);
}

void JobTableModel::setCoalesceInterval(int ms)
{
    m_session->setTickInterval(ms);
}

void JobTableModel::refresh()
{
    m_session->refreshAll();
}

void JobTableModel::refreshJobs(const QStringList &ids)
{
    if (ids.isEmpty())
        return;
    m_session->readJobs(ids, this, [this, ids](const SessionReply<QList<Engine::Job>> &reply) {
        if (!reply.ok()) {
            emit errorOccurred(reply.error);
            return;
        }
        QSet<QString> vanished(ids.cbegin(), ids.cend());
        for (const Engine::Job &job : reply.value)
            vanished.remove(job.id);
        onBatch(reply.value, QStringList(vanished.cbegin(), vanished.cend()));
    });
}

void JobTableModel::runCommand(
    const SessionCommand &command,
    std::function<void(const SessionCommand::Outcome &, const QString &error)> done)
{
    setPending(command.jobIds, command.pendingName());
    m_session->run(command, this,
                   [this, ids = command.jobIds,
                    done = std::move(done)](const SessionReply<SessionCommand::Outcome> &reply) {
                       setPending(ids, QString());
                       if (reply.ok()) {
                           // A job the answer no longer holds is gone (removed, or by
                           // someone else): its row goes now rather than at the next feed.
                           QSet<QString> vanished(ids.cbegin(), ids.cend());
                           for (const Engine::Job &job : reply.value.rows)
                               vanished.remove(job.id);
                           onBatch(reply.value.rows,
                                   QStringList(vanished.cbegin(), vanished.cend()));
                       }
                       if (done)
                           done(reply.value, reply.error);
                   });
}

void JobTableModel::setPending(const QStringList &ids, const QString &command)
{
    for (const QString &id : ids) {
        if (command.isEmpty())
            m_pendingCommands.remove(id);
        else
            m_pendingCommands.insert(id, command);
        const int row = m_rowById.value(id, -1);
        if (row >= 0)
            emit dataChanged(index(row, StatusColumn), index(row, StatusColumn),
                             {Qt::DisplayRole});
    }
}

void JobTableModel::onBatch(const QList<Engine::Job> &jobs, const QStringList &vanished)
{
    QList<JobRow> rows;
    rows.reserve(jobs.size());
    for (const Engine::Job &job : jobs)
        rows << JobRow::fromJob(job);
    apply(rows, vanished);
    if (!m_loaded) {
        m_loaded = true;
        emit loaded();
    }
}

void JobTableModel::apply(const QList<JobRow> &rows, const QStringList &vanished)
{
    QList<int> changedRows;
    QList<std::pair<int, int>> changedRanges;
    QList<JobRow> added;
    QStringList changedIds;
    bool countsTouched = false;
    for (const JobRow &row : rows) {
        const auto it = m_rowById.constFind(row.id);
        if (it == m_rowById.constEnd()) {
            added << row;
            continue;
        }
        JobRow &current = m_rows[*it];
        if (current == row)
            continue;
        if (current.status != row.status) {
            --m_counts[current.status];
            ++m_counts[row.status];
            countsTouched = true;
        }
        const std::pair<int, int> columns = changedColumns(current, row);
        current = row;
        changedIds << row.id;
        if (columns.first >= 0) {
            changedRows << *it;
            changedRanges << columns;
        }
    }

    // One range when most rows changed (a view repaints once either way), else one per row.
    if (!changedRows.isEmpty() && changedRows.size() > m_rows.size() / 2) {
        const auto [lo, hi] = std::minmax_element(changedRows.cbegin(), changedRows.cend());
        emit dataChanged(index(*lo, 0), index(*hi, ColumnCount - 1));
    } else {
        for (qsizetype i = 0; i < changedRows.size(); ++i)
            emit dataChanged(index(changedRows.at(i), changedRanges.at(i).first),
                             index(changedRows.at(i), changedRanges.at(i).second));
    }

    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        m_rows.reserve(m_rows.size() + added.size());
        for (const JobRow &row : std::as_const(added)) {
            m_rowById.insert(row.id, int(m_rows.size()));
            ++m_counts[row.status];
            m_rows << row;
        }
        endInsertRows();
        countsTouched = true;
    }

    if (!vanished.isEmpty()) {
        QList<int> gone;
        for (const QString &id : vanished) {
            const int row = m_rowById.value(id, -1);
            if (row >= 0)
                gone << row;
        }
        std::sort(gone.begin(), gone.end(), std::greater<int>());
        for (int row : std::as_const(gone)) {
            beginRemoveRows({}, row, row);
            --m_counts[m_rows.at(row).status];
            m_rowById.remove(m_rows.at(row).id);
            m_rows.removeAt(row);
            endRemoveRows();
        }
        if (!gone.isEmpty()) {
            for (int row = gone.last(); row < m_rows.size(); ++row)
                m_rowById[m_rows.at(row).id] = row;
            countsTouched = true;
        }
    }

    if (!changedIds.isEmpty())
        emit jobsUpdated(changedIds);
    if (countsTouched)
        emit countsChanged();
}

void JobTableModel::tickDurations()
{
    // Only running jobs' durations and retrying jobs' countdowns move; one dataChanged per such
    // row keeps the proxy's work small.
    const int running = m_counts.value(JobStatus::Running);
    const int retrying = m_counts.value(JobStatus::Retrying);
    if (running + retrying == 0 || running + retrying > 500)
        return;
    for (int row = 0; row < m_rows.size(); ++row) {
        const JobStatus status = m_rows.at(row).status;
        if (status == JobStatus::Running)
            emit dataChanged(index(row, DurationColumn), index(row, DurationColumn),
                             {Qt::DisplayRole, SortRole});
        else if (status == JobStatus::Retrying)
            emit dataChanged(index(row, StatusColumn), index(row, StatusColumn),
                             {Qt::DisplayRole});
    }
}

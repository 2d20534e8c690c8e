#include "models/jobtablemodel.h"

#include "engine/joberrors.h"
#include "engine/jobnotifier.h"
#include "models/jobpresentation.h"

#include <QLocale>
#include <QSqlError>
#include <QSqlQuery>

using Engine::JobStatus;

namespace {

// Rows whose commit raced the previous refresh may carry an updatedAt a little before the time
// that refresh read; re-reading this much history is cheap and makes such rows impossible to miss.
constexpr qint64 kSyncOverlapMs = 2000;
// Beyond this many notified ids one "changed since" query is cheaper than one read per id.
constexpr int kMaxSingleReads = 100;
// Deleted jobs are rare (no API deletes them): check the row count every few polls.
constexpr int kPollsPerReconcile = 10;

QString dateText(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    return QLocale().toString(time.toLocalTime(), QLocale::ShortFormat);
}

} // namespace

JobTableModel::JobTableModel(QSqlDatabase db, QObject *parent)
    : QAbstractTableModel(parent)
    , m_queue(std::make_unique<Engine::JobQueue>(db))
{
    m_coalesceTimer.setSingleShot(true);
    m_coalesceTimer.setInterval(100);
    connect(&m_coalesceTimer, &QTimer::timeout, this, &JobTableModel::applyPending);
    m_pollTimer.setInterval(500);
    connect(&m_pollTimer, &QTimer::timeout, this, &JobTableModel::poll);
    m_durationTimer.setInterval(1000);
    connect(&m_durationTimer, &QTimer::timeout, this, &JobTableModel::tickDurations);
    connect(Engine::JobNotifier::instance(), &Engine::JobNotifier::jobsChanged, this,
            &JobTableModel::onJobsChanged);
    refresh();
    m_pollTimer.start();
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
            return tr("%1\nJob %2").arg(row.filename, row.id);
        if (column == ProgressColumn)
            return data(index, ChunksTextRole);
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
    default:
        return {};
    }
}

QVariant JobTableModel::displayData(const JobRow &row, int column) const
{
    switch (Column(column)) {
    case StatusColumn: {
        const QString status = JobPresentation::statusText(row.status);
        if (row.status == JobStatus::Running && row.controlRequest == QLatin1String("pause"))
            return tr("%1 (pausing…)").arg(status);
        if (row.status == JobStatus::Running && row.controlRequest == QLatin1String("cancel"))
            return tr("%1 (cancelling…)").arg(status);
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
    m_pollTimer.setInterval(ms);
    if (ms <= 0)
        m_pollTimer.stop();
    else
        m_pollTimer.start();
}

void JobTableModel::onJobsChanged(const QStringList &ids)
{
    for (const QString &id : ids) {
        if (id == QLatin1String("*"))
            m_pendingAll = true;
        else
            m_pendingIds.insert(id);
    }
    if (m_pendingIds.size() > kMaxSingleReads)
        m_pendingAll = true;
    // Not restarted while active: a steady stream of progress updates still shows every 100 ms.
    if (!m_coalesceTimer.isActive())
        m_coalesceTimer.start();
}

void JobTableModel::applyPending()
{
    if (m_pendingAll) {
        m_pendingAll = false;
        m_pendingIds.clear();
        refresh();
        return;
    }
    const QStringList ids(m_pendingIds.cbegin(), m_pendingIds.cend());
    m_pendingIds.clear();
    refreshJobs(ids);
}

void JobTableModel::poll()
{
    if (!m_queue->database().isOpen())
        return;
    bool changed = true;
    if (!m_queue->isPostgres()) {
        // SQLite says in O(1) whether another connection committed since we last asked; without
        // that, "rows with a newer updatedAt" scans the whole table on every poll.
        QSqlQuery version(m_queue->database());
        if (version.exec(QStringLiteral("PRAGMA data_version")) && version.next()) {
            const qint64 value = version.value(0).toLongLong();
            changed = value != m_dataVersion;
            m_dataVersion = value;
        }
    }
    if (changed) {
        refresh();
        m_changedSinceReconcile = true;
    }
    if (++m_pollsSinceReconcile >= kPollsPerReconcile) {
        m_pollsSinceReconcile = 0;
        if (m_changedSinceReconcile) {
            m_changedSinceReconcile = false;
            reconcileIds();
        }
    }
}

void JobTableModel::refresh()
{
    if (!m_queue->database().isOpen())
        return;
    try {
        const QDateTime now = m_queue->databaseNow();
        Engine::JobFilter filter;
        if (m_loaded && m_lastSync.isValid())
            filter.changedSince = m_lastSync.addMSecs(-kSyncOverlapMs);
        const QList<Engine::Job> jobs = m_queue->jobs(filter);
        QList<JobRow> rows;
        rows.reserve(jobs.size());
        for (const Engine::Job &job : jobs)
            rows << JobRow::fromJob(job);
        apply(rows);
        m_lastSync = now;
        m_loaded = true;
        emit refreshSucceeded();
    } catch (const Engine::JobError &error) {
        emit errorOccurred(error.message());
    }
}

void JobTableModel::refreshJobs(const QStringList &ids)
{
    if (ids.isEmpty() || !m_queue->database().isOpen())
        return;
    try {
        QList<JobRow> rows;
        QStringList vanished;
        for (const QString &id : ids) {
            if (const auto job = m_queue->job(id))
                rows << JobRow::fromJob(*job);
            else
                vanished << id;
        }
        apply(rows, vanished);
    } catch (const Engine::JobError &error) {
        emit errorOccurred(error.message());
    }
}

void JobTableModel::apply(const QList<JobRow> &rows, const QStringList &vanished)
{
    QList<int> changedRows;
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
        current = row;
        changedRows << *it;
        changedIds << row.id;
    }

    // One range when most rows changed (a view repaints once either way), else one per row.
    if (!changedRows.isEmpty() && changedRows.size() > m_rows.size() / 2) {
        const auto [lo, hi] = std::minmax_element(changedRows.cbegin(), changedRows.cend());
        emit dataChanged(index(*lo, 0), index(*hi, ColumnCount - 1));
    } else {
        for (int row : std::as_const(changedRows))
            emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
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

void JobTableModel::reconcileIds()
{
    QSqlQuery count(m_queue->database());
    if (!count.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")) || !count.next())
        return;
    if (count.value(0).toLongLong() == m_rows.size())
        return;
    count.finish();
    QSqlQuery ids(m_queue->database());
    ids.setForwardOnly(true);
    if (!ids.exec(QStringLiteral(R"(SELECT "id" FROM "ParseJob")")))
        return;
    QSet<QString> present;
    present.reserve(m_rows.size());
    while (ids.next())
        present.insert(ids.value(0).toString());
    QStringList vanished;
    for (const JobRow &row : std::as_const(m_rows)) {
        if (!present.contains(row.id))
            vanished << row.id;
    }
    apply({}, vanished);
}

void JobTableModel::tickDurations()
{
    // Only running jobs' durations move; one dataChanged per such row keeps the proxy's work small.
    const int running = m_counts.value(JobStatus::Running);
    if (running == 0 || running > 500)
        return;
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).status == JobStatus::Running)
            emit dataChanged(index(row, DurationColumn), index(row, DurationColumn),
                             {Qt::DisplayRole, SortRole});
    }
}

#include "models/jobfilterproxymodel.h"

#include "models/jobtablemodel.h"

JobFilterProxyModel::JobFilterProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(JobTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setSortLocaleAware(true);
}

void JobFilterProxyModel::setStatusFilter(const QList<Engine::JobStatus> &statuses)
{
    QSet<int> set;
    for (Engine::JobStatus status : statuses)
        set.insert(int(status));
    if (set == m_statuses)
        return;
    m_statuses = set;
    invalidateRowsFilter();
}

QList<Engine::JobStatus> JobFilterProxyModel::statusFilter() const
{
    QList<Engine::JobStatus> result;
    for (Engine::JobStatus status : Engine::allJobStatuses()) {
        if (m_statuses.contains(int(status)))
            result << status;
    }
    return result;
}

void JobFilterProxyModel::setTextFilter(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

void JobFilterProxyModel::setNeedsReviewOnly(bool only)
{
    if (only == m_needsReviewOnly)
        return;
    m_needsReviewOnly = only;
    invalidateRowsFilter();
}

bool JobFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (m_needsReviewOnly && !index.data(JobTableModel::NeedsReviewRole).toBool())
        return false;
    if (!m_statuses.isEmpty()
        && !m_statuses.contains(index.data(JobTableModel::StatusRole).toInt()))
        return false;
    if (m_text.isEmpty())
        return true;
    const QString file = sourceModel()
                             ->index(sourceRow, JobTableModel::FileColumn, sourceParent)
                             .data()
                             .toString();
    return file.contains(m_text, Qt::CaseInsensitive)
           || index.data(JobTableModel::JobIdRole).toString().contains(m_text, Qt::CaseInsensitive)
           || index.data(JobTableModel::WorkerIdRole).toString().contains(m_text,
                                                                          Qt::CaseInsensitive);
}

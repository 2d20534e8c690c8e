#include "models/activityfilterproxymodel.h"

#include "models/activitymodel.h"

void ActivityFilterProxyModel::setEventFilter(const QString &event)
{
    m_event = event;
    invalidateRowsFilter();
}

void ActivityFilterProxyModel::setJobFilter(const QString &text)
{
    m_job = text.trimmed();
    invalidateRowsFilter();
}

void ActivityFilterProxyModel::setWorkerFilter(const QString &text)
{
    m_worker = text.trimmed();
    invalidateRowsFilter();
}

bool ActivityFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *model = sourceModel();
    const QModelIndex index = model->index(sourceRow, 0, sourceParent);
    if (!m_event.isEmpty() && index.data(ActivityModel::EventNameRole).toString() != m_event)
        return false;
    if (!m_job.isEmpty()) {
        const QString id = index.data(ActivityModel::JobIdRole).toString();
        const QString file = model->index(sourceRow, ActivityModel::FileColumn, sourceParent)
                                 .data().toString();
        if (!id.contains(m_job, Qt::CaseInsensitive) && !file.contains(m_job, Qt::CaseInsensitive))
            return false;
    }
    if (!m_worker.isEmpty()
        && !index.data(ActivityModel::WorkerRole).toString().contains(m_worker, Qt::CaseInsensitive))
        return false;
    return true;
}

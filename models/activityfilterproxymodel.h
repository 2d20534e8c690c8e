#pragma once

#include <QSortFilterProxyModel>

/// Filters the activity stream by event kind (empty: all), job text (id or file) and worker.
class ActivityFilterProxyModel final : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setEventFilter(const QString &event);
    void setJobFilter(const QString &text);
    void setWorkerFilter(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_event;
    QString m_job;
    QString m_worker;
};

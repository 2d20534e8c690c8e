#pragma once

#include "engine/jobstatus.h"

#include <QSet>
#include <QSortFilterProxyModel>

/// Sorts the jobs table by the raw value of a column and filters it by several statuses at
/// once and by a text (file name, job id or worker, case-insensitive).
class JobFilterProxyModel final : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit JobFilterProxyModel(QObject *parent = nullptr);

    /// Empty = every status.
    void setStatusFilter(const QList<Engine::JobStatus> &statuses);
    QList<Engine::JobStatus> statusFilter() const;
    void setTextFilter(const QString &text);
    QString textFilter() const { return m_text; }
    /// Only completed plays that need review (JobTableModel::NeedsReviewRole).
    void setNeedsReviewOnly(bool only);
    bool needsReviewOnly() const { return m_needsReviewOnly; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QSet<int> m_statuses;
    QString m_text;
    bool m_needsReviewOnly = false;
};

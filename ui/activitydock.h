#pragma once

#include <QDockWidget>


class QComboBox;
class QLineEdit;
class QTreeView;
class ActivityModel;
class ActivityFilterProxyModel;
class Session;

/// The event stream of all jobs, newest first, filterable by kind, job and worker.
/// Double-clicking an event selects its job in the main table.
class ActivityDock final : public QDockWidget
{
    Q_OBJECT

public:
    explicit ActivityDock(Session *session, QWidget *parent = nullptr);
    ~ActivityDock() override;

    ActivityModel *model() const { return m_model; }
    ActivityFilterProxyModel *proxy() const { return m_proxy; }
    QTreeView *view() const { return m_view; }

signals:
    void jobActivated(const QString &jobId);

private:
    ActivityModel *m_model = nullptr;
    ActivityFilterProxyModel *m_proxy = nullptr;
    QTreeView *m_view = nullptr;
    QComboBox *m_kind = nullptr;
    QLineEdit *m_job = nullptr;
    QLineEdit *m_worker = nullptr;
};

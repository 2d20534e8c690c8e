#pragma once

#include <QTimer>
#include <QWidget>

class QLabel;
class QSpinBox;
class QTreeWidget;
class JobTableModel;
namespace Engine {
class WorkerPool;
}

/// The workers: this window's pool (count adjustable while running, 0 = monitor only) and the
/// workers of other processes on the same database, seen through the running jobs they hold.
class WorkersPanel final : public QWidget
{
    Q_OBJECT

public:
    /// pool may be nullptr: a monitor-only window.
    WorkersPanel(JobTableModel *model, Engine::WorkerPool *pool, QWidget *parent = nullptr);

    QSpinBox *countSpinBox() const { return m_count; }
    QTreeWidget *list() const { return m_list; }
    void refresh();

signals:
    void workerCountChanged(int count);

private:
    JobTableModel *m_model;
    Engine::WorkerPool *m_pool;
    QSpinBox *m_count;
    QTreeWidget *m_list;
    QTimer m_timer;
    QTimer m_throttle;
};

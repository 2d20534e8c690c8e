#pragma once

#include "engine/workerrecord.h"

#include <QTimer>
#include <QWidget>

class QSpinBox;
class QTreeWidget;
class QTreeWidgetItem;
class JobTableModel;
class Session;
namespace Engine {
class WorkerPool;
}

/// The workers: this window's pool (count adjustable while running, 0 = monitor only) and every
/// worker pool on the same database as it records itself ("CallboardWorker", read through the
/// session): host, pid, version, start, last heartbeat, jobs held and state — active, idle, or
/// lost (no heartbeat within its lock duration). Idle pools of other processes stay listed.
class WorkersPanel final : public QWidget
{
    Q_OBJECT

public:
    enum Column { WorkerColumn, StateColumn, JobsColumn, HostColumn, PidColumn, VersionColumn,
                  StartedColumn, HeartbeatColumn, ColumnCount };

    /// pool may be nullptr: a monitor-only window.
    WorkersPanel(Session *session, JobTableModel *model, Engine::WorkerPool *pool,
                 QWidget *parent = nullptr);

    QSpinBox *countSpinBox() const { return m_count; }
    QTreeWidget *list() const { return m_list; }
    /// Redraws from the last read and this window's pool.
    void refresh();
    /// Reads the workers table again (the timer does, every two seconds).
    void readWorkers();

signals:
    void workerCountChanged(int count);
    /// A read of the workers table answered (and the list was redrawn).
    void workersRead();

private:
    QTreeWidgetItem *poolItem(const Engine::WorkerRecord &record, bool own) const;
    QString stateText(Engine::WorkerRecord::State state) const;

    Session *m_session;
    JobTableModel *m_model;
    Engine::WorkerPool *m_pool;
    QSpinBox *m_count;
    QTreeWidget *m_list;
    QList<Engine::WorkerRecord> m_records;
    bool m_reading = false;
    QTimer m_timer;
    QTimer m_throttle;
};

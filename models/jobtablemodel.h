#pragma once

#include "engine/jobqueue.h"
#include "models/jobrow.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QSet>
#include <QTimer>

#include <memory>

/// Every job of the queue as a table, kept live and updated in place (qBittorrent's transfer
/// list model): the engine says which ids changed (JobNotifier), a short timer coalesces
/// bursts, and only those rows are re-read. Changes no notification reports (another process
/// on SQLite, a NOTIFY that was lost) are caught by a poll of rows with a newer updatedAt.
/// Changed rows get dataChanged, new jobs are inserted, vanished jobs removed; the model is
/// never reset on a refresh, so selection and scroll position survive.
class JobTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        StatusColumn,
        FileColumn,
        PriorityColumn,
        ProgressColumn,
        RetriesColumn,
        WorkerColumn,
        CreatedColumn,
        StartedColumn,
        DurationColumn,
        ErrorColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        JobIdRole = Qt::UserRole + 1,
        StatusRole,          ///< int(Engine::JobStatus)
        ProgressRole,        ///< double, 0–100
        ChunksTextRole,      ///< "3 / 10 chunks"
        SortRole,            ///< the raw value a column sorts by
        ControlRequestRole,  ///< "pause", "cancel" or empty
        WorkerIdRole,
    };

    /// Reads through db, which must stay open in this (the GUI) thread.
    explicit JobTableModel(QSqlDatabase db, QObject *parent = nullptr);
    ~JobTableModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    /// Loads every job (the first time) or applies what changed since the last refresh.
    void refresh();
    /// Re-reads these jobs now (what a JobNotifier batch does after the coalescing delay).
    void refreshJobs(const QStringList &ids);
    /// What the poll timer does: looks for changes no notification reported (other processes).
    void poll();

    const JobRow &jobRow(int row) const { return m_rows.at(row); }
    int rowOfJob(const QString &id) const { return m_rowById.value(id, -1); }
    QHash<Engine::JobStatus, int> countsByStatus() const { return m_counts; }
    Engine::JobQueue &queue() { return *m_queue; }

    void setPollInterval(int ms);
    int pollInterval() const { return m_pollTimer.interval(); }
    void setCoalesceInterval(int ms) { m_coalesceTimer.setInterval(ms); }

signals:
    void countsChanged();
    /// Rows with these job ids were re-read and changed (for the detail pane).
    void jobsUpdated(const QStringList &ids);
    /// A read failed (connection lost, …); the model keeps its rows and tries again.
    void errorOccurred(const QString &message);
    /// A full refresh read the database without error (the connection works again).
    void refreshSucceeded();

private:
    void onJobsChanged(const QStringList &ids);
    void applyPending();
    void tickDurations();
    void apply(const QList<JobRow> &rows, const QStringList &vanished = {});
    void reconcileIds();
    QVariant displayData(const JobRow &row, int column) const;
    QVariant sortData(const JobRow &row, int column) const;

    std::unique_ptr<Engine::JobQueue> m_queue;
    QList<JobRow> m_rows;
    QHash<QString, int> m_rowById;
    QHash<Engine::JobStatus, int> m_counts;
    QSet<QString> m_pendingIds;
    bool m_pendingAll = false;
    bool m_loaded = false;
    QDateTime m_lastSync;  ///< database time of the last refresh
    int m_pollsSinceReconcile = 0;
    bool m_changedSinceReconcile = true;
    qint64 m_dataVersion = -1;  ///< SQLite's PRAGMA data_version at the last poll
    QTimer m_coalesceTimer;
    QTimer m_pollTimer;
    QTimer m_durationTimer;
};

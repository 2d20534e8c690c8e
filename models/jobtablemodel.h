#pragma once

#include "models/jobrow.h"
#include "session/sessioncommand.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QSet>
#include <QTimer>

#include <functional>

class Session;
namespace Engine {
struct Job;
}

/// Every job of the queue as a table, kept live and updated in place (qBittorrent's transfer
/// list model): the session's change feed hands over, once per tick, the rows that changed and
/// the ids that vanished; the model never reads the database itself. Changed rows get
/// dataChanged, new jobs are inserted, vanished jobs removed; the model is never reset on a
/// refresh, so selection and scroll position survive. A command is shown on its rows as
/// pending ("pausing…") from the click until the server has answered.
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
        NeedsReviewRole,     ///< bool: a completed play the editor should look at
    };

    /// Fed by session, which must outlive the model.
    explicit JobTableModel(Session *session, QObject *parent = nullptr);
    ~JobTableModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    /// Asks the session to re-read what changed recently (the answer arrives later).
    void refresh();
    /// Asks the session to re-read these jobs now.
    void refreshJobs(const QStringList &ids);
    /// Marks the jobs pending, runs the command in the session and applies the jobs as the
    /// server left them; then done (on this thread).
    void runCommand(const SessionCommand &command,
                    std::function<void(const SessionCommand::Outcome &, const QString &error)> done);
    /// The command a job waits for the server to answer ("pause", …), empty if none.
    QString pendingCommand(const QString &id) const { return m_pendingCommands.value(id); }

    const JobRow &jobRow(int row) const { return m_rows.at(row); }
    int rowOfJob(const QString &id) const { return m_rowById.value(id, -1); }
    QHash<Engine::JobStatus, int> countsByStatus() const { return m_counts; }
    Session *session() const { return m_session; }
    /// Rows applied from the database since the model was made (tests, the bench).
    bool isLoaded() const { return m_loaded; }

    /// How often the session looks for changes no notification reports (0: never).
    void setPollInterval(int ms);
    void setCoalesceInterval(int ms);

signals:
    void countsChanged();
    /// Rows with these job ids were re-read and changed (for the detail pane).
    void jobsUpdated(const QStringList &ids);
    /// A read failed (connection lost, …); the model keeps its rows and tries again.
    void errorOccurred(const QString &message);
    /// A read of the feed worked (the connection works again).
    void refreshSucceeded();
    /// The first batch (every job) is applied.
    void loaded();

private:
    void onBatch(const QList<Engine::Job> &jobs, const QStringList &vanished);
    void tickDurations();
    void apply(const QList<JobRow> &rows, const QStringList &vanished = {});
    void setPending(const QStringList &ids, const QString &command);
    QVariant displayData(const JobRow &row, int column) const;
    QString reviewToolTip(const JobRow &row) const;
    QVariant sortData(const JobRow &row, int column) const;

    Session *m_session;
    QList<JobRow> m_rows;
    QHash<QString, int> m_rowById;
    QHash<Engine::JobStatus, int> m_counts;
    QHash<QString, QString> m_pendingCommands;  ///< job id → command sent, not yet answered
    bool m_loaded = false;
    QTimer m_durationTimer;  ///< running jobs' durations move without any database change
};

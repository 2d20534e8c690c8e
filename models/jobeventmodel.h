#pragma once

#include "engine/jobqueue.h"

#include <QAbstractTableModel>
#include <QTimer>

#include <memory>

/// The event timeline of one job, oldest first, live: new events are appended as rows when
/// the job is reported changed (JobNotifier) or a short poll finds them (other processes).
class JobEventModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, EventColumn, ActorColumn, DetailsColumn, ColumnCount };
    enum Role { EventNameRole = Qt::UserRole + 1, EventIdRole, DetailsJsonRole };

    explicit JobEventModel(QSqlDatabase db, QObject *parent = nullptr);
    ~JobEventModel() override;

    /// Shows another job's timeline (empty id: none).
    void setJobId(const QString &jobId);
    QString jobId() const { return m_jobId; }
    /// Reads the events again and appends the new ones.
    void refresh();
    void setPollInterval(int ms);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    /// "from → to, chunk 3/10, …": the details a person reads, without the actor.
    static QString detailsText(const QJsonObject &details);

signals:
    void errorOccurred(const QString &message);

private:
    void onJobsChanged(const QStringList &ids);

    std::unique_ptr<Engine::JobQueue> m_queue;
    QString m_jobId;
    QList<Engine::JobEvent> m_events;
    QTimer m_coalesceTimer;
    QTimer m_pollTimer;
};

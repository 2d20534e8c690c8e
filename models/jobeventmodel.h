#pragma once

#include "engine/job.h"

#include <QAbstractTableModel>

class Session;

/// The event timeline of one job, oldest first, live: new events are appended as rows when
/// the session's feed reports the job changed. Reads are asynchronous: a new job's timeline
/// appears when the session answers.
class JobEventModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, EventColumn, ActorColumn, DetailsColumn, ColumnCount };
    enum Role { EventNameRole = Qt::UserRole + 1, EventIdRole, DetailsJsonRole };

    explicit JobEventModel(Session *session, QObject *parent = nullptr);
    ~JobEventModel() override;

    /// Shows another job's timeline (empty id: none).
    void setJobId(const QString &jobId);
    QString jobId() const { return m_jobId; }
    /// Asks for the events again and appends the new ones when they arrive.
    void refresh();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    /// "from → to, chunk 3/10, …": the details a person reads, without the actor.
    static QString detailsText(const QJsonObject &details);

signals:
    void errorOccurred(const QString &message);
    /// A read for the current job was applied.
    void refreshed();

private:
    void onJobsChanged(const QStringList &ids);
    void apply(const QList<Engine::JobEvent> &events);

    Session *m_session;
    QString m_jobId;
    QList<Engine::JobEvent> m_events;
    bool m_reading = false;   ///< a read is on its way: another one waits for it
    bool m_readAgain = false;
};

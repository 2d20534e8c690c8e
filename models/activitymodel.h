#pragma once

#include "session/activityentry.h"

#include <QAbstractTableModel>
#include <QTimer>

class Session;

/// The event stream of every job, newest first, the last kLimit events. Whenever the session's
/// feed reports changes it asks for the events with a "seq" (PostgreSQL) or rowid (SQLite) above
/// the last one seen and inserts them at the top.
class ActivityModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, EventColumn, FileColumn, JobColumn, WorkerColumn, DetailsColumn,
                  ColumnCount };
    enum Role { EventNameRole = Qt::UserRole + 1, JobIdRole, WorkerRole, SeqRole };
    static constexpr int kLimit = 500;

    explicit ActivityModel(Session *session, QObject *parent = nullptr);

    /// Asks for the events newer than the last seen one (errorOccurred on failure).
    void refresh();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

signals:
    void errorOccurred(const QString &message);
    /// A read was applied.
    void refreshed();

private:
    using Entry = ActivityEntry;
    void apply(const QList<Entry> &fresh);

    Session *m_session;
    qint64 m_lastSeq = -1;
    QList<Entry> m_entries;  // newest first
    bool m_reading = false;
    bool m_readAgain = false;
    QTimer m_throttle;
};

#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QTimer>

/// The event stream of every job, newest first, the last kLimit events. Polls for events with a
/// "seq" (PostgreSQL) or rowid (SQLite) above the last one seen and inserts them at the top.
class ActivityModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, EventColumn, FileColumn, JobColumn, WorkerColumn, DetailsColumn,
                  ColumnCount };
    enum Role { EventNameRole = Qt::UserRole + 1, JobIdRole, WorkerRole, SeqRole };
    static constexpr int kLimit = 500;

    explicit ActivityModel(QSqlDatabase db, QObject *parent = nullptr);

    /// Reads the events newer than the last seen one; false (and errorOccurred) on failure.
    bool refresh();
    void setPollInterval(int ms);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

signals:
    void errorOccurred(const QString &message);

private:
    struct Entry
    {
        qint64 seq = 0;
        QString jobId;
        QString event;
        QString filename;
        QString actor;
        QJsonObject details;
        QDateTime createdAt;
    };

    QSqlDatabase m_db;
    bool m_postgres = false;
    qint64 m_lastSeq = -1;
    QList<Entry> m_entries;  // newest first
    QTimer m_pollTimer;
};

#include "models/activitymodel.h"

#include "engine/database.h"
#include "engine/sqldialect.h"
#include "models/jobeventmodel.h"
#include "models/jobpresentation.h"

#include <QJsonDocument>
#include <QLocale>
#include <QSqlError>
#include <QSqlQuery>

ActivityModel::ActivityModel(QSqlDatabase db, QObject *parent)
    : QAbstractTableModel(parent)
    , m_db(db)
    , m_postgres(db.isValid() && Engine::Database::isPostgres(db))
{
    m_pollTimer.setInterval(2000);
    connect(&m_pollTimer, &QTimer::timeout, this, &ActivityModel::refresh);
    refresh();
    m_pollTimer.start();
}

void ActivityModel::setPollInterval(int ms)
{
    m_pollTimer.setInterval(ms);
    if (ms <= 0)
        m_pollTimer.stop();
    else
        m_pollTimer.start();
}

bool ActivityModel::refresh()
{
    if (!m_db.isOpen())
        return false;
    const QString seq = m_postgres ? QStringLiteral("e.\"seq\"") : QStringLiteral("e.rowid");
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT %1, e.\"jobId\", e.\"event\", e.\"details\", e.\"createdAt\","
                                 " j.\"filename\" FROM \"JobEvent\" e"
                                 " LEFT JOIN \"ParseJob\" j ON j.\"id\" = e.\"jobId\""
                                 " WHERE %1 > ? ORDER BY %1 DESC LIMIT %2")
                      .arg(seq)
                      .arg(kLimit));
    query.addBindValue(m_lastSeq);
    if (!query.exec()) {
        emit errorOccurred(query.lastError().text());
        return false;
    }
    QList<Entry> fresh;
    while (query.next()) {
        Entry entry;
        entry.seq = query.value(0).toLongLong();
        entry.jobId = query.value(1).toString();
        entry.event = query.value(2).toString();
        entry.details = QJsonDocument::fromJson(query.value(3).toByteArray()).object();
        entry.actor = entry.details.value(QStringLiteral("actor")).toString();
        entry.createdAt = Engine::SqlDialect::toUtc(query.value(4));
        entry.filename = query.value(5).toString();
        fresh << entry;
    }
    if (fresh.isEmpty())
        return true;
    m_lastSeq = fresh.first().seq;
    beginInsertRows({}, 0, int(fresh.size()) - 1);
    m_entries = fresh + m_entries;
    endInsertRows();
    if (m_entries.size() > kLimit) {
        beginRemoveRows({}, kLimit, int(m_entries.size()) - 1);
        m_entries.resize(kLimit);
        endRemoveRows();
    }
    return true;
}

int ActivityModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int ActivityModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ActivityModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Entry &entry = m_entries.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return QLocale().toString(entry.createdAt.toLocalTime(), QStringLiteral("HH:mm:ss"));
        case EventColumn: return JobPresentation::eventText(entry.event);
        case FileColumn: return entry.filename;
        case JobColumn: return entry.jobId;
        case WorkerColumn: return entry.actor;
        case DetailsColumn: return JobEventModel::detailsText(entry.details);
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() == EventColumn)
            return JobPresentation::eventIcon(entry.event);
        return {};
    case Qt::ToolTipRole:
        if (index.column() == TimeColumn)
            return QLocale().toString(entry.createdAt.toLocalTime(), QLocale::LongFormat);
        return {};
    case EventNameRole: return entry.event;
    case JobIdRole: return entry.jobId;
    case WorkerRole: return entry.actor;
    case SeqRole: return entry.seq;
    }
    return {};
}

QVariant ActivityModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn: return tr("Time");
    case EventColumn: return tr("Event");
    case FileColumn: return tr("File");
    case JobColumn: return tr("Job");
    case WorkerColumn: return tr("Worker");
    case DetailsColumn: return tr("Details");
    }
    return {};
}

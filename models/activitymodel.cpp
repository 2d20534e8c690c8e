#include "models/activitymodel.h"

#include "models/jobeventmodel.h"
#include "models/jobpresentation.h"
#include "session/session.h"

#include <QLocale>

ActivityModel::ActivityModel(Session *session, QObject *parent)
    : QAbstractTableModel(parent)
    , m_session(session)
{
    // At most one read a second however busy the queue is: the feed is for reading, and the
    // session's one connection has the table to keep up first.
    m_throttle.setSingleShot(true);
    m_throttle.setInterval(1000);
    connect(&m_throttle, &QTimer::timeout, this, &ActivityModel::refresh);
    connect(m_session, &Session::jobsChanged, this, [this] {
        if (!m_throttle.isActive())
            m_throttle.start();
    });
    refresh();
}

void ActivityModel::refresh()
{
    // One read at a time: a burst of batches becomes at most one more read.
    if (m_reading) {
        m_readAgain = true;
        return;
    }
    m_reading = true;
    m_session->readActivity(m_lastSeq, kLimit, this,
                            [this](const SessionReply<QList<Entry>> &reply) {
                                m_reading = false;
                                if (reply.ok())
                                    apply(reply.value);
                                else
                                    emit errorOccurred(reply.error);
                                if (m_readAgain) {
                                    m_readAgain = false;
                                    refresh();
                                }
                            });
}

void ActivityModel::apply(const QList<Entry> &fresh)
{
    if (fresh.isEmpty()) {
        emit refreshed();
        return;
    }
    m_lastSeq = fresh.first().seq;
    beginInsertRows({}, 0, int(fresh.size()) - 1);
    m_entries = fresh + m_entries;
    endInsertRows();
    if (m_entries.size() > kLimit) {
        beginRemoveRows({}, kLimit, int(m_entries.size()) - 1);
        m_entries.resize(kLimit);
        endRemoveRows();
    }
    emit refreshed();
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

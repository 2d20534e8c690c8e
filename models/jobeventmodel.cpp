#include "models/jobeventmodel.h"

#include "engine/jobstatus.h"
#include "models/jobpresentation.h"
#include "session/session.h"

#include <QFont>
#include <QJsonDocument>
#include <QLocale>

JobEventModel::JobEventModel(Session *session, QObject *parent)
    : QAbstractTableModel(parent)
    , m_session(session)
{
    connect(m_session, &Session::jobsChanged, this,
            [this](const QStringList &ids) { onJobsChanged(ids); });
}

JobEventModel::~JobEventModel() = default;

void JobEventModel::setJobId(const QString &jobId)
{
    if (jobId == m_jobId)
        return;
    // A different job is a different list, not a refresh: a reset is the honest signal here.
    beginResetModel();
    m_jobId = jobId;
    m_events.clear();
    endResetModel();
    refresh();
}

void JobEventModel::onJobsChanged(const QStringList &ids)
{
    if (!m_jobId.isEmpty() && (ids.contains(m_jobId) || ids.contains(QStringLiteral("*"))))
        refresh();
}

void JobEventModel::refresh()
{
    if (m_jobId.isEmpty())
        return;
    // One read at a time: a burst of changes becomes at most one more read.
    if (m_reading) {
        m_readAgain = true;
        return;
    }
    m_reading = true;
    const QString jobId = m_jobId;
    m_session->readEvents(jobId, this, [this, jobId](const SessionReply<QList<Engine::JobEvent>> &reply) {
        m_reading = false;
        if (jobId == m_jobId) {
            if (reply.ok())
                apply(reply.value);
            else
                emit errorOccurred(reply.error);
        }
        if (m_readAgain || jobId != m_jobId) {
            m_readAgain = false;
            refresh();
        }
    });
}

void JobEventModel::apply(const QList<Engine::JobEvent> &events)
{
    // Events are append-only: keep what we have and insert the tail.
    bool prefix = events.size() >= m_events.size();
    for (int i = 0; prefix && i < m_events.size(); ++i)
        prefix = events.at(i).id == m_events.at(i).id;
    if (!prefix) {
        beginResetModel();
        m_events = events;
        endResetModel();
    } else if (events.size() > m_events.size()) {
        beginInsertRows({}, int(m_events.size()), int(events.size()) - 1);
        m_events = events;
        endInsertRows();
    }
    emit refreshed();
}

int JobEventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int JobEventModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JobEventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn: return tr("Time");
    case EventColumn: return tr("Event");
    case ActorColumn: return tr("Actor");
    case DetailsColumn: return tr("Details");
    default: return {};
    }
}

namespace {

/// A detail value as a person reads it: numbers without a trailing ".0", statuses in the
/// window's language.
QString valueText(const QJsonValue &value)
{
    if (value.isString()) {
        if (const auto status = Engine::jobStatusFromString(value.toString()))
            return JobPresentation::statusText(*status);
        return value.toString();
    }
    if (value.isDouble()) {
        const double number = value.toDouble();
        return number == double(qint64(number)) ? QString::number(qint64(number))
                                                : QString::number(number, 'f', 1);
    }
    if (value.isBool())
        return value.toBool() ? JobEventModel::tr("yes") : JobEventModel::tr("no");
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    return {};
}

/// The label of a detail key; keys the engine may add later show as they are stored.
QString keyText(const QString &key)
{
    static const QHash<QString, const char *> labels{
        {QStringLiteral("priority"), QT_TRANSLATE_NOOP("JobEventModel", "priority")},
        {QStringLiteral("filename"), QT_TRANSLATE_NOOP("JobEventModel", "file")},
        {QStringLiteral("error"), QT_TRANSLATE_NOOP("JobEventModel", "error")},
        {QStringLiteral("retryCount"), QT_TRANSLATE_NOOP("JobEventModel", "retry")},
        {QStringLiteral("runAfter"), QT_TRANSLATE_NOOP("JobEventModel", "next attempt")},
        {QStringLiteral("delayMs"), QT_TRANSLATE_NOOP("JobEventModel", "delay (ms)")},
        {QStringLiteral("playbookId"), QT_TRANSLATE_NOOP("JobEventModel", "playbook")},
        {QStringLiteral("reason"), QT_TRANSLATE_NOOP("JobEventModel", "reason")},
        {QStringLiteral("worker"), QT_TRANSLATE_NOOP("JobEventModel", "worker")},
        {QStringLiteral("previousWorker"), QT_TRANSLATE_NOOP("JobEventModel", "previous worker")},
        {QStringLiteral("checkpoint"), QT_TRANSLATE_NOOP("JobEventModel", "checkpoint")},
        {QStringLiteral("unknownConfigKeys"),
         QT_TRANSLATE_NOOP("JobEventModel", "config keys nothing reads")},
    };
    const auto it = labels.constFind(key);
    return it == labels.constEnd() ? key : JobEventModel::tr(*it);
}

} // namespace

QString JobEventModel::detailsText(const QJsonObject &details)
{
    QStringList parts;
    // "from"/"to" hold statuses or, for a priority change, numbers: both read as "old → new".
    const QString from = valueText(details.value(QStringLiteral("from")));
    const QString to = valueText(details.value(QStringLiteral("to")));
    if (!from.isEmpty() && !to.isEmpty())
        parts << QStringLiteral("%1 → %2").arg(from, to);
    else if (!to.isEmpty())
        parts << QStringLiteral("→ %1").arg(to);
    QStringList skip{QStringLiteral("actor"), QStringLiteral("from"), QStringLiteral("to")};
    // A chunk's progress reads as a sentence; it is most of a timeline.
    if (details.contains(QStringLiteral("completedChunks")) && details.contains(QStringLiteral("totalChunks"))) {
        // One event covers every chunk parsed since the previous write ("chunks" of them).
        const int last = details.value(QStringLiteral("completedChunks")).toInt();
        const int count = details.value(QStringLiteral("chunks")).toInt(1);
        const int total = details.value(QStringLiteral("totalChunks")).toInt();
        if (count > 1)
            parts << tr("chunks %1–%2 of %3").arg(last - count + 1).arg(last).arg(total);
        else
            parts << tr("chunk %1 of %2").arg(last).arg(total);
        if (details.contains(QStringLiteral("speeches")))
            parts << tr("%n speech(es)", nullptr, details.value(QStringLiteral("speeches")).toInt());
        if (details.contains(QStringLiteral("ms")))
            parts << tr("%1 ms").arg(details.value(QStringLiteral("ms")).toInt());
        skip << QStringLiteral("completedChunks") << QStringLiteral("totalChunks")
             << QStringLiteral("chunk") << QStringLiteral("progress") << QStringLiteral("speeches")
             << QStringLiteral("ms") << QStringLiteral("chunks");
    }
    for (auto it = details.constBegin(); it != details.constEnd(); ++it) {
        if (skip.contains(it.key()))
            continue;
        const QString value = valueText(it.value());
        if (!value.isEmpty())
            parts << tr("%1: %2").arg(keyText(it.key()), value);
    }
    return parts.join(QStringLiteral(", "));
}

QVariant JobEventModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Engine::JobEvent &event = m_events.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return QLocale().toString(event.createdAt.toLocalTime(),
                                      QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        case EventColumn: return JobPresentation::eventText(event.event);
        case ActorColumn: return event.details.value(QStringLiteral("actor")).toString();
        case DetailsColumn: return detailsText(event.details);
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == DetailsColumn)
            return QString::fromUtf8(QJsonDocument(event.details).toJson(QJsonDocument::Indented));
        return {};
    case Qt::DecorationRole:
        if (index.column() == EventColumn)
            return JobPresentation::eventIcon(event.event);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == EventColumn)
            return JobPresentation::eventColor(event.event);
        return {};
    case Qt::FontRole:
        if (index.column() == EventColumn && event.event != QLatin1String("progress")) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case EventNameRole: return event.event;
    case EventIdRole: return event.id;
    case DetailsJsonRole: return event.details;
    default: return {};
    }
}

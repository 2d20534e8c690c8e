#include "engine/jobrowreader.h"

#include "engine/sqldialect.h"

#include <QJsonDocument>
#include <QSqlQuery>

namespace Engine {

namespace {
const char *const kColumnNames[] = {
    "id", "type", "priority", "status", "filename", "config", "playbookId", "retryCount",
    "maxRetries", "totalChunks", "completedChunks", "progress", "lastError", "failureReason",
    "workerId", "lockedAt", "lockExpiry", "createdAt", "startedAt", "completedAt", "updatedAt",
    "runAfter", "controlRequest", "sourcePath", "contentHash", "failurePermanent", "rawText",
    "checkpoints", "currentState", "reviewConfidence", "reviewWarnings"};

QJsonDocument jsonOf(const QVariant &value)
{
    if (value.isNull())
        return {};
    return QJsonDocument::fromJson(value.toString().toUtf8());
}
} // namespace

JobRowReader::JobRowReader(const QSqlRecord &record)
{
    for (int i = 0; i < ColumnCount; ++i)
        m_index[i] = record.indexOf(QLatin1String(kColumnNames[i]));
}

JobRowReader::JobRowReader(const QStringList &columns)
{
    for (int i = 0; i < ColumnCount; ++i)
        m_index[i] = int(columns.indexOf(QLatin1String(kColumnNames[i])));
}

Job JobRowReader::read(const QSqlQuery &query, bool withText) const
{
    return readWith([&](int index) { return query.value(index); }, withText);
}

Job JobRowReader::read(const QVariantList &row, bool withText) const
{
    return readWith([&](int index) { return row.value(index); }, withText);
}

template<typename ValueAt>
Job JobRowReader::readWith(const ValueAt &valueAt, bool withText) const
{
    auto value = [&](Column column) {
        return m_index[column] < 0 ? QVariant() : valueAt(m_index[column]);
    };
    auto text = [&](Column column) {
        const QVariant v = value(column);
        return v.isNull() ? QString() : v.toString();
    };
    Job job;
    job.id = text(Id);
    job.type = text(Type);
    job.priority = value(Priority).toInt();
    job.status = jobStatusFromString(text(Status)).value_or(JobStatus::Queued);
    job.filename = text(Filename);
    job.config = jsonOf(value(Config)).object();
    job.playbookId = text(PlaybookId);
    job.retryCount = value(RetryCount).toInt();
    job.maxRetries = value(MaxRetries).toInt();
    const QVariant total = value(TotalChunks);
    if (!total.isNull())
        job.totalChunks = total.toInt();
    job.completedChunks = value(CompletedChunks).toInt();
    job.progress = value(Progress).toDouble();
    job.lastError = text(LastError);
    job.failureReason = text(FailureReason);
    job.workerId = text(WorkerId);
    job.lockedAt = SqlDialect::toUtc(value(LockedAt));
    job.lockExpiry = SqlDialect::toUtc(value(LockExpiry));
    job.createdAt = SqlDialect::toUtc(value(CreatedAt));
    job.startedAt = SqlDialect::toUtc(value(StartedAt));
    job.completedAt = SqlDialect::toUtc(value(CompletedAt));
    job.updatedAt = SqlDialect::toUtc(value(UpdatedAt));
    job.runAfter = SqlDialect::toUtc(value(RunAfter));
    job.controlRequest = text(ControlRequest);
    job.sourcePath = text(SourcePath);
    job.contentHash = text(ContentHash);
    job.failurePermanent = value(FailurePermanent).toBool();
    if (const QVariant c = value(ReviewConfidence); !c.isNull())
        job.reviewConfidence = c.toDouble();
    if (const QVariant w = value(ReviewWarnings); !w.isNull())
        job.reviewWarnings = w.toInt();
    if (withText) {
        job.rawText = text(RawText);
        job.textBytes = job.rawText.size();
        job.checkpoints = jsonOf(value(Checkpoints)).array();
        job.currentState = jsonOf(value(CurrentState)).object();
    }
    return job;
}

} // namespace Engine

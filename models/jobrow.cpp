#include "models/jobrow.h"

#include "engine/playbookquality.h"

JobRow JobRow::fromJob(const Engine::Job &job)
{
    JobRow row;
    row.id = job.id;
    row.filename = job.filename;
    row.workerId = job.workerId;
    row.lastError = job.lastError;
    row.failureReason = job.failureReason;
    row.controlRequest = job.controlRequest;
    row.sourcePath = job.sourcePath;
    row.failurePermanent = job.failurePermanent;
    row.runAfter = job.runAfter;
    row.status = job.status;
    row.priority = job.priority;
    row.retryCount = job.retryCount;
    row.maxRetries = job.maxRetries;
    row.completedChunks = job.completedChunks;
    row.totalChunks = job.totalChunks.value_or(-1);
    row.progress = job.progress;
    row.reviewConfidence = job.reviewConfidence;
    row.reviewWarnings = job.reviewWarnings;
    row.createdAt = job.createdAt;
    row.startedAt = job.startedAt;
    row.completedAt = job.completedAt;
    row.lockedAt = job.lockedAt;
    row.updatedAt = job.updatedAt;
    return row;
}

bool JobRow::needsReview() const
{
    return status == Engine::JobStatus::Completed
           && Engine::PlaybookQuality::needsReview(reviewConfidence, qMax(0, reviewWarnings));
}

QString JobRow::errorText() const
{
    if (status == Engine::JobStatus::Failed && !failureReason.isEmpty())
        return failureReason;
    return lastError;
}

qint64 JobRow::durationSeconds(const QDateTime &now) const
{
    if (!startedAt.isValid())
        return -1;
    const bool ended = completedAt.isValid() && Engine::isTerminal(status);
    const QDateTime end = ended ? completedAt : now;
    if (!ended && status != Engine::JobStatus::Running)
        return completedAt.isValid() ? startedAt.secsTo(completedAt) : -1;
    return qMax<qint64>(0, startedAt.secsTo(end));
}

qint64 JobRow::secondsToNextAttempt(const QDateTime &now) const
{
    if (status != Engine::JobStatus::Retrying || !runAfter.isValid())
        return -1;
    return qMax<qint64>(0, (now.msecsTo(runAfter) + 999) / 1000);
}

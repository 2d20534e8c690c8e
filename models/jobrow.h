#pragma once

#include "engine/job.h"

#include <QDateTime>
#include <QString>

/// What the jobs table keeps of a job: no text, checkpoints, config or playbook, so that
/// 100,000 rows stay small.
struct JobRow
{
    QString id;
    QString filename;
    QString workerId;
    QString lastError;
    QString failureReason;
    QString controlRequest;
    QString sourcePath;
    Engine::JobStatus status = Engine::JobStatus::Queued;
    int priority = 0;
    int retryCount = 0;
    int maxRetries = 0;
    int completedChunks = 0;
    int totalChunks = -1;  ///< -1: not known yet
    double progress = 0;
    bool failurePermanent = false;
    double reviewConfidence = -1;  ///< the playbook's, -1: none known
    int reviewWarnings = -1;       ///< serious quality warnings, -1: not known
    QDateTime createdAt;
    QDateTime startedAt;
    QDateTime completedAt;
    QDateTime lockedAt;
    QDateTime updatedAt;
    QDateTime runAfter;  ///< a retrying or scheduled job's next attempt (UTC)

    static JobRow fromJob(const Engine::Job &job);
    bool operator==(const JobRow &other) const = default;

    /// A completed play whose confidence is under Engine::PlaybookQuality::ReviewThreshold or
    /// that has serious quality warnings.
    bool needsReview() const;
    /// The error a person should read: the failure reason of a failed job, else the last error.
    QString errorText() const;
    /// Failed with an error that no retry can fix (not a play, a refused configuration).
    bool isPermanentFailure() const
    {
        return status == Engine::JobStatus::Failed && failurePermanent;
    }
    /// Seconds until a retrying job's next attempt (0 once due); -1 when none is waiting.
    qint64 secondsToNextAttempt(const QDateTime &now) const;
    /// Seconds from start to completion (or to now while it runs); -1 when not started.
    qint64 durationSeconds(const QDateTime &now) const;
};

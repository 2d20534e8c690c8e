#pragma once

#include "engine/jobstatus.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <optional>

class QSqlRecord;

namespace Engine {

/// What enqueue needs: the play's bytes (validated as UTF-8 there) and how to process it.
struct EnqueueInput
{
    QString filename;
    QByteArray rawText;
    int priority = 0;
    int maxRetries = 3;
    QJsonObject config;            ///< chunkSize, provider, … (ParseJob.config)
    std::optional<QDateTime> runAfter; ///< scheduled start (UTC); none = now
    QString sourcePath;            ///< where the play was read from (absolute), if a file
};

/// The hash stored in "ParseJob"."contentHash": what "the same play" means to a duplicate check.
QString contentHash(const QByteArray &rawText);

/// One row of "ParseJob". rawText, checkpoints and currentState are only filled on request.
struct Job
{
    QString id;
    QString type;
    int priority = 0;
    JobStatus status = JobStatus::Queued;
    QString rawText;
    QString filename;
    QJsonObject config;
    QString playbookId;
    int retryCount = 0;
    int maxRetries = 3;
    QJsonArray checkpoints;
    QJsonObject currentState;
    std::optional<int> totalChunks;
    int completedChunks = 0;
    double progress = 0;
    QString lastError;
    QString failureReason;
    QString workerId;
    QDateTime lockedAt;
    QDateTime lockExpiry;
    QDateTime createdAt;
    QDateTime startedAt;
    QDateTime completedAt;
    QDateTime updatedAt;
    QDateTime runAfter;
    QString controlRequest;
    QString sourcePath;
    QString contentHash;
    bool failurePermanent = false; ///< failed with an error no retry can fix
    qint64 textBytes = 0;
    /// Read with the window's rows: the playbook's confidence (-1: none known) and its count of
    /// serious quality warnings (-1: not known), for the *Needs review* badge.
    double reviewConfidence = -1;
    int reviewWarnings = -1;

    QJsonObject toJson() const;
};

/// One row of "JobEvent": the audit trail.
struct JobEvent
{
    QString id;
    QString jobId;
    QString event;
    QJsonObject details;
    QDateTime createdAt;

    QJsonObject toJson() const;
};

/// A stored playbook.
struct PlaybookRecord
{
    QString id;
    QString jobId;
    QString title;
    int characterCount = 0;
    int actCount = 0;
    int sceneCount = 0;
    int speechCount = 0;
    QJsonObject document;
    QDateTime createdAt;
    int revision = 0; ///< 0: the parser's original; n: the editor's n-th correction applied
};

QString isoUtc(const QDateTime &time);

} // namespace Engine

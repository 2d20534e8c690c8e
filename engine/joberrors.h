#pragma once

#include "engine/jobstatus.h"

#include <QString>

#include <stdexcept>

namespace Engine {

/// Base of the engine's errors: a message a person understands, and the job it concerns.
///
/// message() is for a person and speaks the window's language (Engine::Tr); what() is English
/// whenever the English text is given, since a worker stores what() as a failed job's lastError.
class JobError : public std::runtime_error
{
public:
    JobError(const QString &jobId, const QString &message);
    JobError(const QString &jobId, const QString &message, const QString &englishMessage);
    QString jobId() const { return m_jobId; }
    QString message() const { return m_message; }

private:
    QString m_jobId;
    QString m_message;
};

/// Bad input to enqueue (empty text, no filename, not UTF-8, too large, values out of range).
class JobEnqueueError final : public JobError
{
public:
    using JobError::JobError;
};

/// A worker no longer owns the job it tries to write (its lock expired and was taken over).
class JobLockError final : public JobError
{
public:
    using JobError::JobError;
};

/// A status change the state machine does not allow.
class JobTransitionError final : public JobError
{
public:
    JobTransitionError(const QString &jobId, JobStatus from, JobStatus to);
    JobTransitionError(const QString &jobId, const QString &message);
};

/// No job with that id.
class JobNotFoundError final : public JobError
{
public:
    explicit JobNotFoundError(const QString &jobId);
};

/// The database refused or failed a statement.
class DatabaseError final : public JobError
{
public:
    using JobError::JobError;
};

} // namespace Engine

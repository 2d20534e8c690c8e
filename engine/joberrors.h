#pragma once

#include "engine/engineerror.h"
#include "engine/jobstatus.h"

#include <QString>

#include <stdexcept>

namespace Engine {

/// Base of the engine's errors: a message a person understands, and the job it concerns.
///
/// message() is for a person and speaks the window's language (Engine::Tr); what() is English
/// whenever the English text is given, since a worker stores what() as a failed job's lastError.
/// error() is the same failure as an Engine::Error, its kind set by the subclass, so that a
/// caller that catches turns it into the engine's one error model with one call.
class JobError : public std::runtime_error
{
public:
    QString jobId() const { return m_error.jobId; }
    QString message() const { return m_error.message; }
    const Error &error() const { return m_error; }

protected:
    JobError(Error::Kind kind, const QString &jobId, const QString &message);
    JobError(Error::Kind kind, const QString &jobId, const QString &message,
             const QString &englishMessage);

private:
    Error m_error;
};

/// Bad input to enqueue (empty text, no filename, not UTF-8, too large, values out of range).
class JobEnqueueError final : public JobError
{
public:
    JobEnqueueError(const QString &jobId, const QString &message)
        : JobError(Error::Kind::InvalidInput, jobId, message)
    {}
    JobEnqueueError(const QString &jobId, const QString &message, const QString &englishMessage)
        : JobError(Error::Kind::InvalidInput, jobId, message, englishMessage)
    {}
};

/// A worker no longer owns the job it tries to write (its lock expired and was taken over).
class JobLockError final : public JobError
{
public:
    JobLockError(const QString &jobId, const QString &message)
        : JobError(Error::Kind::LockLost, jobId, message)
    {}
    JobLockError(const QString &jobId, const QString &message, const QString &englishMessage)
        : JobError(Error::Kind::LockLost, jobId, message, englishMessage)
    {}
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
    DatabaseError(const QString &jobId, const QString &message)
        : JobError(Error::Kind::Database, jobId, message)
    {}
    DatabaseError(const QString &jobId, const QString &message, const QString &englishMessage)
        : JobError(Error::Kind::Database, jobId, message, englishMessage)
    {}
};

} // namespace Engine

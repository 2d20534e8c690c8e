#include "engine/joberrors.h"

#include "engine/enginetr.h"

namespace Engine {

namespace {

// Marked for lupdate, translated for message() and kept English for what().
const char kCannotGo[] = QT_TRANSLATE_NOOP("Engine", "Job %1 cannot go from %2 to %3");
const char kNoJob[] = QT_TRANSLATE_NOOP("Engine", "No job with id %1");

} // namespace

JobError::JobError(Error::Kind kind, const QString &jobId, const QString &message)
    : JobError(kind, jobId, message, message)
{}

JobError::JobError(Error::Kind kind, const QString &jobId, const QString &message,
                   const QString &englishMessage)
    : std::runtime_error(englishMessage.toStdString())
    , m_error(kind, message, jobId)
{}

JobTransitionError::JobTransitionError(const QString &jobId, JobStatus from, JobStatus to)
    : JobError(Error::Kind::Transition, jobId, Tr::tr(kCannotGo).arg(jobId, statusName(from), statusName(to)),
               QString::fromLatin1(kCannotGo).arg(jobId, statusName(from), statusName(to)))
{}

JobTransitionError::JobTransitionError(const QString &jobId, const QString &message)
    : JobError(Error::Kind::Transition, jobId, message)
{}

JobNotFoundError::JobNotFoundError(const QString &jobId)
    : JobError(Error::Kind::NotFound, jobId, Tr::tr(kNoJob).arg(jobId), QString::fromLatin1(kNoJob).arg(jobId))
{}

} // namespace Engine

#include "engine/joberrors.h"

#include "engine/enginetr.h"

namespace Engine {

JobError::JobError(const QString &jobId, const QString &message)
    : std::runtime_error(message.toStdString())
    , m_jobId(jobId)
    , m_message(message)
{}

JobTransitionError::JobTransitionError(const QString &jobId, JobStatus from, JobStatus to)
    : JobError(jobId, Tr::tr("Job %1 cannot go from %2 to %3")
                          .arg(jobId, statusName(from), statusName(to)))
{}

JobTransitionError::JobTransitionError(const QString &jobId, const QString &message)
    : JobError(jobId, message)
{}

JobNotFoundError::JobNotFoundError(const QString &jobId)
    : JobError(jobId, Tr::tr("No job with id %1").arg(jobId))
{}

} // namespace Engine

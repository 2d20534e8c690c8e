#include "engine/jobstatus.h"

namespace Engine {

QString statusName(JobStatus status)
{
    switch (status) {
    case JobStatus::Queued: return QStringLiteral("queued");
    case JobStatus::Running: return QStringLiteral("running");
    case JobStatus::Paused: return QStringLiteral("paused");
    case JobStatus::Retrying: return QStringLiteral("retrying");
    case JobStatus::Completed: return QStringLiteral("completed");
    case JobStatus::Failed: return QStringLiteral("failed");
    case JobStatus::Cancelled: return QStringLiteral("cancelled");
    }
    return {};
}

std::optional<JobStatus> jobStatusFromString(const QString &text)
{
    for (JobStatus status : allJobStatuses()) {
        if (statusName(status) == text)
            return status;
    }
    return std::nullopt;
}

const QList<JobStatus> &allJobStatuses()
{
    static const QList<JobStatus> statuses{JobStatus::Queued,    JobStatus::Running,
                                           JobStatus::Paused,    JobStatus::Retrying,
                                           JobStatus::Completed, JobStatus::Failed,
                                           JobStatus::Cancelled};
    return statuses;
}

bool isTerminal(JobStatus status)
{
    return status == JobStatus::Completed || status == JobStatus::Failed
           || status == JobStatus::Cancelled;
}

} // namespace Engine

#pragma once

#include <QList>
#include <QString>

#include <optional>

namespace Engine {

/// The seven states of a ParseJob, named as the "JobStatus" enum of the database.
enum class JobStatus { Queued, Running, Paused, Retrying, Completed, Failed, Cancelled };

QString statusName(JobStatus status);
std::optional<JobStatus> jobStatusFromString(const QString &text);
const QList<JobStatus> &allJobStatuses();
bool isTerminal(JobStatus status);

} // namespace Engine

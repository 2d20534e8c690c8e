#pragma once

#include "engine/jobstatus.h"

namespace Engine {

/// The job life of DESIGN.md in one place: which status may follow which.
namespace JobStateMachine {

bool canTransition(JobStatus from, JobStatus to);
/// Throws JobTransitionError (carrying jobId) when the transition is not allowed.
void assertTransition(const QString &jobId, JobStatus from, JobStatus to);
QList<JobStatus> allowedTargets(JobStatus from);

} // namespace JobStateMachine
} // namespace Engine

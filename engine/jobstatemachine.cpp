#include "engine/jobstatemachine.h"

#include "engine/joberrors.h"

#include <QHash>

namespace Engine::JobStateMachine {

namespace {
using S = JobStatus;

// The seed's transitions plus the extensions of DESIGN.md: hold before start (queued → paused),
// release at shutdown (running → queued), resume into the queue (paused → queued), retrying →
// cancelled, and manual retry of failed or cancelled jobs.
const QHash<S, QList<S>> &table()
{
    static const QHash<S, QList<S>> transitions{
        {S::Queued, {S::Running, S::Cancelled, S::Paused}},
        {S::Running, {S::Paused, S::Completed, S::Retrying, S::Failed, S::Cancelled, S::Queued}},
        {S::Paused, {S::Running, S::Cancelled, S::Queued}},
        {S::Retrying, {S::Running, S::Failed, S::Cancelled}},
        {S::Completed, {}},
        {S::Failed, {S::Queued}},
        {S::Cancelled, {S::Queued}},
    };
    return transitions;
}
} // namespace

bool canTransition(JobStatus from, JobStatus to)
{
    return table().value(from).contains(to);
}

void assertTransition(const QString &jobId, JobStatus from, JobStatus to)
{
    if (!canTransition(from, to))
        throw JobTransitionError(jobId, from, to);
}

QList<JobStatus> allowedTargets(JobStatus from)
{
    return table().value(from);
}

} // namespace Engine::JobStateMachine

#include "engine/jobnotifier.h"

namespace Engine {

JobNotifier *JobNotifier::instance()
{
    static JobNotifier notifier;
    return &notifier;
}

void JobNotifier::publish(const QStringList &jobIds, bool claimable)
{
    if (jobIds.isEmpty())
        return;
    emit jobsChanged(jobIds);
    if (claimable)
        emit workAvailable();
}

} // namespace Engine

#include "engine/jobnotifier.h"

namespace Engine {

JobNotifier *JobNotifier::instance()
{
    static JobNotifier notifier;
    return &notifier;
}

void JobNotifier::publish(const QStringList &jobIds)
{
    if (!jobIds.isEmpty())
        emit jobsChanged(jobIds);
}

} // namespace Engine

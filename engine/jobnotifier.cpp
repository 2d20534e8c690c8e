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
    if (claimable) {
        QMutexLocker lock(&m_mutex);
        if (m_ownAnnouncements.size() > 10000) // echoes that never came (no listener)
            m_ownAnnouncements.clear();
        for (const QString &id : jobIds) {
            if (id != QLatin1String("*")) // "many jobs" always wakes: it may be anyone's
                m_ownAnnouncements.insert(id);
        }
    }
    emit jobsChanged(jobIds);
    if (claimable) {
        emit jobsAnnounced(jobIds);
        emit workAvailable();
    }
}

void JobNotifier::publishFromServer(const QStringList &jobIds)
{
    if (jobIds.isEmpty())
        return;
    bool echo = true;
    {
        QMutexLocker lock(&m_mutex);
        for (const QString &id : jobIds)
            echo = m_ownAnnouncements.remove(id) && echo;
    }
    emit jobsChanged(jobIds);
    emit jobsAnnounced(jobIds);
    if (!echo)
        emit workAvailable();
}

} // namespace Engine

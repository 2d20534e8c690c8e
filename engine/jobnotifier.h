#pragma once

#include <QObject>
#include <QStringList>

namespace Engine {

/// The process-wide "jobs changed" signal. The engine publishes the ids it changed after each
/// commit; on PostgreSQL a PostgresListener also republishes changes made by other processes.
/// Thread-safe: publish() may be called from any thread, receivers get queued calls.
class JobNotifier final : public QObject
{
    Q_OBJECT

public:
    static JobNotifier *instance();

    /// An id of "*" means "possibly many jobs changed": re-read what changed recently.
    /// claimable: the change may have made a job claimable (enqueue, resume, retry, release…),
    /// as opposed to a claim, progress or completion, which only windows care about.
    void publish(const QStringList &jobIds, bool claimable = false);

signals:
    void jobsChanged(const QStringList &jobIds);
    /// Idle workers should look for work.
    void workAvailable();

private:
    JobNotifier() = default;
};

/// The NOTIFY channel that every change is announced on.
inline constexpr char kNotifyChannel[] = "callboard_jobs";

} // namespace Engine

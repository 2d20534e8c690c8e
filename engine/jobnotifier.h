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
    void publish(const QStringList &jobIds);

signals:
    void jobsChanged(const QStringList &jobIds);

private:
    JobNotifier() = default;
};

/// The NOTIFY channel that every change is announced on.
inline constexpr char kNotifyChannel[] = "callboard_jobs";

} // namespace Engine

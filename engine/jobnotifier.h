#pragma once

#include <QMutex>
#include <QObject>
#include <QSet>
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
    /// What a PostgresListener heard from the server. Changes this process made and already
    /// published come back this way too: they wake no one a second time (that second wake cost
    /// an empty claim right when the job was starting).
    void publishFromServer(const QStringList &jobIds);
    /// A pause or cancel was asked for a running job (here or, through NOTIFY, elsewhere).
    void announceControlRequest(const QString &jobId) { emit controlRequested(jobId); }

signals:
    void jobsChanged(const QStringList &jobIds);
    /// Idle workers should look for work.
    void workAvailable();
    /// Announced changes only (NOTIFY, or its local twin): control requests, enqueues,
    /// failures — not the progress, claims and completions that are never announced.
    void jobsAnnounced(const QStringList &jobIds);
    void controlRequested(const QString &jobId);

private:
    JobNotifier() = default;

    QMutex m_mutex;
    QSet<QString> m_ownAnnouncements; ///< ids published as claimable here, until the server echoes them
};

/// The NOTIFY channel that every change is announced on.
inline constexpr char kNotifyChannel[] = "callboard_jobs";

} // namespace Engine

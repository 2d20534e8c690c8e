#pragma once

#include "engine/databaseurl.h"
#include "engine/engineerror.h"
#include "engine/job.h"
#include "engine/jobqueue.h"

#include <QDateTime>
#include <QObject>

#include <functional>
#include <memory>

namespace Engine {

/// What a job handler is told and may ask while it runs a job (on a worker thread).
class JobContext
{
public:
    virtual ~JobContext() = default;
    virtual const Job &job() const = 0;
    /// Records progress and the checkpoint. False means: stop now without writing anything more
    /// (the lock was lost, a pause or cancel was honoured, or the pool is shutting down and the
    /// job was released). The handler must return JobOutcome::Stopped then.
    virtual bool reportProgress(const ProgressUpdate &update) = 0;
    /// True once the pool wants the worker to stop at the next chunk boundary.
    virtual bool stopRequested() const = 0;
    /// The chunk results stored with the job's checkpoint, in order (one round trip): what a
    /// resumed parse replays.
    virtual QList<QJsonObject> storedChunkResults() = 0;
    /// Whether a progress report with this urgency would be written now. A handler may then send
    /// the checkpoint (currentState, chunkResults) only when it is, and otherwise a report
    /// without them, marked checkpointOmitted: the pool never writes such a report, and before
    /// the handler returns anything but Completed it reports the checkpoint once more if one is
    /// owed.
    virtual bool progressDue(bool urgent) const
    {
        Q_UNUSED(urgent);
        return true;
    }
};

struct JobOutcome
{
    enum Kind { Completed, Failed, Stopped } kind = Completed;
    QJsonObject playbook;    ///< for Completed
    QString error;           ///< for Failed
    bool permanent = false;  ///< for Failed: a retry cannot fix it

    static JobOutcome completed(const QJsonObject &playbook = {}) { return {Completed, playbook, {}, false}; }
    static JobOutcome failed(const QString &error, bool permanent) { return {Failed, {}, error, permanent}; }
    static JobOutcome stopped() { return {Stopped, {}, {}, false}; }
};

/// Runs one claimed job. Must not throw; called on a worker thread.
using JobHandler = std::function<JobOutcome(JobContext &)>;

/// What the window shows about one worker of this process.
struct WorkerInfo
{
    QString id;
    QString jobId;      ///< empty when idle
    QString filename;
    QDateTime since;
};

struct WorkerPoolOptions
{
    DatabaseUrl url;
    int workers = 2;                 ///< --workers, WORKER_COUNT
    double lockSeconds = 600;        ///< --lock-seconds, CALLBOARD_LOCK_SECONDS
    double heartbeatSeconds = 60;    ///< --heartbeat-seconds, CALLBOARD_HEARTBEAT_SECONDS
    int pollMs = 5000;               ///< fallback poll when no notification arrives
    double shutdownSeconds = 30;     ///< --shutdown-seconds
    /// Jobs each worker may claim ahead, waiting behind the one it runs (--prefetch,
    /// CALLBOARD_PREFETCH), so that many short jobs share each round trip. -1 (automatic): 16
    /// while recent jobs took under 5 ms, none otherwise (a waiting job could have run on another
    /// machine). With any prefetch, jobs that wait over 250 ms behind a slow one go back.
    int prefetch = -1;
    int prefetchPatienceMs = 250;    ///< how long a prefetched job may wait behind a slow one
    bool drain = false;              ///< stop once no job is claimable
    /// Progress and checkpoints of a running job are written at most this often
    /// (--progress-interval-ms, CALLBOARD_PROGRESS_INTERVAL_MS); 0 writes after every chunk.
    int progressIntervalMs = 1000;
    /// LISTEN on a connection of the pool's own. False where the process already listens (the
    /// window's session): one listener per process feeds JobNotifier, which wakes the pool.
    bool listen = true;
    QString workerIdPrefix;          ///< default "<host>-<pid>"
    /// What a worker does with a job: the application chooses (Callboard passes
    /// parsePlayHandler, engine/parsejobhandler.h); start() refuses a pool without one.
    JobHandler handler;

    /// Defaults with the environment applied (WORKER_COUNT, CALLBOARD_LOCK_SECONDS, …).
    static WorkerPoolOptions fromEnvironment(const DatabaseUrl &url);
};

class WorkerPoolPrivate;

/// N JobWorkers on a QThreadPool, one heartbeat thread, and wake-ups from LISTEN/NOTIFY (or the
/// in-process notifier on SQLite). Lives in the thread that created it (needs an event loop).
class WorkerPool final : public QObject
{
    Q_OBJECT

public:
    explicit WorkerPool(WorkerPoolOptions options, QObject *parent = nullptr);
    ~WorkerPool() override;

    /// Opens and migrates the database, then starts the workers; the Error says why not.
    Expected<void> start();
    /// Adjusts the number of workers while running; 0 leaves a monitor-only window.
    void setWorkerCount(int count);
    int workerCount() const;
    /// Graceful stop: no more claims, running jobs get shutdownSeconds to finish, then their stop
    /// tokens fire and they are checkpointed and released to the queue; a handler that has not
    /// returned 5 s later is left behind (abandonedWorkers()) with its job released. Blocks until done, at most about 10 s more than
    /// shutdownSeconds: if the database does not answer by then (a partition), the pool's
    /// connections are cut and what could not be released waits for its lock to expire. Every
    /// thread of the pool has ended when it returns. Emits stopped().
    void stop();
    /// How long stop() lets running jobs finish; 0 releases them at their next chunk boundary
    /// (a person who chose to quit and hand them back is not kept waiting).
    void setShutdownSeconds(double seconds);
    /// After stop(): workers whose handler ignored its stop token for 5 s after the grace were
    /// left running (their jobs released). The process should exit without waiting for them
    /// (std::_Exit): nothing would end those threads.
    bool abandonedWorkers() const;
    bool isRunning() const;
    QList<WorkerInfo> workers() const;
    QString workerIdPrefix() const;

signals:
    void workersChanged();
    /// With drain: no job is claimable and no worker is busy.
    void drained();
    void stopped();
    /// A worker could not reach the database (it keeps retrying with backoff).
    void connectionProblem(const QString &message);

private:
    std::unique_ptr<WorkerPoolPrivate> d;
    friend class WorkerPoolPrivate;
};

} // namespace Engine

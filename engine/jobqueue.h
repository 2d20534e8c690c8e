#pragma once

#include "engine/job.h"
#include "engine/libpq.h"
#include "engine/sql/statements.h"
#include "engine/storedplaybook.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

namespace Engine {

class Transaction;

struct QueueOptions
{
    double lockSeconds = 600;                  ///< how long a claim holds without a heartbeat
    qint64 maxTextBytes = 20 * 1024 * 1024;    ///< enqueue refuses larger plays
    int backoffBaseMs = 1000;                  ///< first retry delay, doubled per retry
    int backoffMaxMs = 60000;

    /// The longest lock a claim may take (a day): longer ones only hide dead workers, and
    /// huge ones overflow the database's timestamps.
    static constexpr double kMaxLockSeconds = 86400;

    /// Defaults overridden by CALLBOARD_LOCK_SECONDS (up to kMaxLockSeconds) and
    /// CALLBOARD_MAX_TEXT_BYTES.
    static QueueOptions fromEnvironment();
};

/// What a worker reports after each chunk.
struct ProgressUpdate
{
    int completedChunks = 0;
    int totalChunks = 0;
    double progress = 0;       ///< 0–100
    QJsonObject currentState;  ///< the checkpoint to resume from: the parser's carry-over state
    /// What the chunks since the last update added ({"firstChunk", "chunkCount", "ops"}), stored
    /// once in "CallboardChunkResult"; empty or chunkCount 0: nothing to store.
    QJsonObject chunkResults;
    QJsonObject chunkDetails;  ///< timing and counts, for the event and the checkpoints list
    bool urgent = false;       ///< write at once, even when a pool holds progress back
    /// The handler left the checkpoint out because JobContext::progressDue() said no: a pool
    /// holds such a report back and never writes it alone. (A handler without checkpoints at all
    /// leaves currentState empty and this false: its reports are written as they come.)
    bool checkpointOmitted = false;
};

enum class ControlRequest { None, Pause, Cancel };

/// The answer to a progress write: whether the worker still owns the job, and whether someone
/// asked it to stop at this chunk boundary.
struct ProgressResult
{
    bool owned = false;
    ControlRequest control = ControlRequest::None;
};

/// Paused and Cancelled: a pause or cancel was pending when the job failed, and is what happened.
enum class FailureOutcome { Retrying, Failed, LockLost, Paused, Cancelled };

/// A finished job handed back by the worker that ran it.
struct Completion
{
    QString jobId;
    QString workerId;
    StoredPlaybook playbook; ///< may be empty (no-op jobs)
    /// The chunk counts the worker reached, when its last progress was not written (a job that
    /// finished within the progress interval); -1: keep what the row holds.
    int completedChunks = -1;
    int totalChunks = -1;
};

/// What completeAndClaim did: the completions that counted, those whose lock was lost, and the
/// jobs claimed, each already assigned to one of the requested worker ids.
struct BatchResult
{
    QStringList completed;
    QStringList lost;
    QList<Job> claimed;
    /// When fewer jobs were claimed than asked for: how long until the next retry or scheduled
    /// job becomes claimable, if there is one.
    std::optional<qint64> msUntilNextScheduled;
};

/// A job that a drained worker leaves behind (DESIGN.md "worker --drain").
struct LeftoverJob
{
    QString id;
    QString filename;
    JobStatus status = JobStatus::Queued;
    QString workerId; ///< running: whose lock holds it
    QDateTime until;  ///< running: its lock expiry; queued or retrying: when it is due (runAfter)
};

/// What no worker of this process can take yet: jobs running under other workers' live locks,
/// and jobs waiting for a time (a retry's backoff, a scheduled start).
struct LeftoverWork
{
    QList<LeftoverJob> running; ///< earliest lock expiry first
    QList<LeftoverJob> waiting; ///< earliest due first
    int runningCount = 0;       ///< all of them (the lists stop at the limit)
    int waitingCount = 0;
    bool claimableNow = false;  ///< some job could be claimed at once (a drain would go on)
    QDateTime databaseNow;

    bool isEmpty() const { return runningCount == 0 && waitingCount == 0 && !claimableNow; }
    /// One line for a person: what is left, by whom and until when ("nothing" when empty).
    QString summary() const;
};

/// A job already in the queue that a new play matches (same source file or same text).
struct ExistingJob
{
    QString id;
    QString filename;
    QString sourcePath;
    QString contentHash;
    JobStatus status = JobStatus::Queued;
};

/// What removing a job deleted besides its row.
struct RemoveResult
{
    int events = 0;
    bool playbookDeleted = false;
};

struct JobFilter
{
    QList<JobStatus> statuses;  ///< empty = all
    QString text;               ///< substring of filename or id
    int limit = 0;              ///< 0 = no limit
    QDateTime changedSince;     ///< only rows with a newer updatedAt
};

/// The queue over one database connection: every operation of DESIGN.md "Job life".
///
/// One JobQueue per connection and thread. Writes by a worker are fenced on (id, workerId,
/// status = running): a worker that lost its lock changes nothing and is told so. Every state
/// change writes its JobEvent in the same transaction and is announced after the commit
/// (NOTIFY on PostgreSQL, JobNotifier in this process).
/// Errors: JobEnqueueError, JobTransitionError, JobNotFoundError, DatabaseError (joberrors.h).
class JobQueue final
{
public:
    explicit JobQueue(QSqlDatabase db, QueueOptions options = QueueOptions::fromEnvironment());

    QSqlDatabase database() const { return m_db; }
    const QueueOptions &options() const { return m_options; }
    bool isPostgres() const { return m_sql.isPostgres; }

    // Producers
    QString enqueue(const EnqueueInput &input, const QString &actor = QStringLiteral("api"));
    /// All or nothing: one bad input rejects the whole batch.
    QStringList enqueueMany(const QList<EnqueueInput> &inputs,
                            const QString &actor = QStringLiteral("api"));
    /// All or nothing like enqueueMany, for inputs that arrive in batches (files being read):
    /// nextBatch is called on another thread while the previous batch is being inserted, and
    /// returns an empty list at the end. If it throws, nothing is queued and the exception goes
    /// on to the caller.
    QStringList enqueueStream(const std::function<QList<EnqueueInput>()> &nextBatch,
                              const QString &actor = QStringLiteral("api"));
    /// Validates without writing; throws JobEnqueueError.
    void validate(const EnqueueInput &input) const;

    // Workers
    /// Claims the best claimable job (priority DESC, createdAt ASC): queued or retrying whose
    /// runAfter passed, or running with an expired lock. One round trip on PostgreSQL.
    std::optional<Job> claimNext(const QString &workerId);
    /// Claims this one job if it is claimable (as claimNext would see it), for a process that
    /// runs only its own job (`callboard parse`).
    std::optional<Job> claim(const QString &jobId, const QString &workerId);
    bool renewLock(const QString &jobId, const QString &workerId);
    ProgressResult updateProgress(const QString &jobId, const QString &workerId,
                                  const ProgressUpdate &update);
    /// Stores the playbook (if any) and completes the job. False: the lock was lost.
    bool complete(const QString &jobId, const QString &workerId,
                  const QJsonObject &playbook = {}, int completedChunks = -1, int totalChunks = -1);
    bool complete(const QString &jobId, const QString &workerId, const StoredPlaybook &playbook,
                  int completedChunks = -1, int totalChunks = -1);
    /// Completes a job and claims the next one in one round trip (one commit per job).
    /// Returns whether the completion counted, and the next job if there was one.
    std::pair<bool, std::optional<Job>> completeAndClaimNext(const QString &jobId,
                                                             const QString &workerId,
                                                             const QJsonObject &playbook = {});
    /// Completes many jobs and claims up to claimFor.size() more in one statement and one commit
    /// (PostgreSQL): the i-th claimed job goes to claimFor[i]. This is how a pool amortises a
    /// commit over many jobs. Fenced like complete(): a lost lock leaves its job untouched.
    BatchResult completeAndClaim(const QList<Completion> &completions, const QStringList &claimFor);
    FailureOutcome handleFailure(const QString &jobId, const QString &workerId,
                                 const QString &error, bool permanent = false);
    /// Gives a running job back to the queue (shutdown), keeping its checkpoint.
    bool release(const QString &jobId, const QString &workerId, const QString &reason);
    /// Applies a pending pause/cancel request at a chunk boundary; returns the new status.
    std::optional<JobStatus> honourControlRequest(const QString &jobId, const QString &workerId);
    /// Turns running jobs whose lock expired while a pause/cancel was pending into paused or
    /// cancelled (their owner is gone). Plain expired jobs are reclaimed by claimNext.
    int applyOrphanedControlRequests();

    // Control (the window and the command line)
    JobStatus pause(const QString &jobId, const QString &actor = QStringLiteral("user"));
    JobStatus resume(const QString &jobId, const QString &actor = QStringLiteral("user"));
    JobStatus cancel(const QString &jobId, const QString &actor = QStringLiteral("user"));
    JobStatus retry(const QString &jobId, const QString &actor = QStringLiteral("user"));
    void setPriority(const QString &jobId, int priority,
                     const QString &actor = QStringLiteral("user"));
    /// Starts a job over (the seed's sessions/[id]/restart): clears its checkpoint, progress,
    /// retries, errors, playbook reference and chunk results, applies configChanges ("chunkSize",
    /// "provider"; a provider is written to whichever of "provider" and "llmProvider" the
    /// config holds), and queues it, with a "restarted" event naming the actor and the old and
    /// new configuration. Any state but running: a running job whose owner is alive is refused
    /// (pause or cancel it first, so no worker's chunk is thrown away behind its back); one
    /// whose lock expired (owner gone) is restarted. Throws JobTransitionError (bad change or
    /// running), JobNotFoundError.
    JobStatus restart(const QString &jobId, const QString &actor = QStringLiteral("user"),
                      const QJsonObject &configChanges = {});
    /// Deletes a finished job (completed, failed or cancelled) with its events and stored chunk
    /// results, and its playbook when withPlaybook (kept otherwise, like prune does). A job in
    /// progress (queued, running, paused, retrying) is refused with JobTransitionError, so no
    /// worker loses a job under its feet; JobNotFoundError for an unknown id.
    RemoveResult remove(const QString &jobId, bool withPlaybook,
                        const QString &actor = QStringLiteral("user"));
    /// The jobs whose source path is one of sourcePaths or whose text hash is one of
    /// contentHashes (Engine::contentHash): what an Add Plays dialog warns about.
    QList<ExistingJob> findExisting(const QStringList &sourcePaths,
                                    const QStringList &contentHashes);
    /// The providers a job's config may name.
    static QStringList knownProviders();

    // Reads
    std::optional<Job> job(const QString &jobId, bool withText = false);
    QList<Job> jobs(const JobFilter &filter = {});
    QList<JobEvent> events(const QString &jobId);
    /// The job's playbook as the editor left it (the latest revision), or with original the
    /// parser's own.
    std::optional<PlaybookRecord> playbook(const QString &jobId, bool original = false);
    /// Applies an editor's correction (PlaybookCorrection) to the latest revision of the job's
    /// playbook and stores the result as the next revision, with a "playbook_corrected" event
    /// naming the actor; the playbook's warning count follows. Returns the new revision.
    /// Throws JobNotFoundError (no playbook), JobTransitionError (the correction does not
    /// apply: its message says why).
    int correctPlaybook(const QString &jobId, const QJsonObject &correction,
                        const QString &actor = QStringLiteral("user"));
    /// The chunk results stored with a running parse's checkpoints, in chunk order.
    QList<QJsonObject> chunkResults(const QString &jobId);
    QHash<JobStatus, int> countsByStatus();
    /// Milliseconds until the earliest queued or retrying job whose runAfter is still ahead
    /// becomes claimable (a retry's backoff, a scheduled job); none when there is no such job.
    std::optional<qint64> msUntilNextScheduledJob();
    /// The database clock, for "what changed since" refreshes.
    QDateTime databaseNow();
    /// What is left for a drained worker: see LeftoverWork. At most limit jobs per list.
    LeftoverWork leftoverWork(int limit = 5);

    static constexpr int kMinPriority = -1000;
    static constexpr int kMaxPriority = 1000;
    static constexpr int kMaxRetriesLimit = 100;

private:
    QSqlQuery &prepared(const QString &sql);
    void exec(QSqlQuery &query, const QString &jobId = {});
    [[noreturn]] static void throwStatementError(const QSqlError &error, const QString &jobId = {});
    void execAutocommit(QSqlQuery &query, const QString &jobId = {});
    void insertJob(const QString &id, const EnqueueInput &input, const QString &text,
                   const QString &actor);
    QString insertPlaybook(const QString &jobId, const StoredPlaybook &playbook,
                           const QString &playbookId = {});
    void dropParseScratch(const QString &jobId);
    BatchResult completeAndClaimAtOnce(const QList<Completion> &completions,
                                         const QStringList &claimFor);
    /// One insert statement's rows (PostgreSQL), made ready on any thread.
    struct PreparedRows
    {
        QStringList ids;
        QByteArray document; ///< UTF-8 JSON, sent as it is
    };
    static PreparedRows prepareRows(const QList<EnqueueInput> &inputs, qsizetype begin,
                                    qsizetype end);
    /// Sends one batch's insert; throws the error of this or an earlier batch of the pipeline.
    void sendPreparedRows(Libpq::Pipeline &pipeline, const PreparedRows &rows,
                          const QString &actor);
    static void finishInserts(Libpq::Pipeline &pipeline);
    /// inTransaction: the caller's transaction holds the batches together.
    QStringList insertJobsBatched(const QList<EnqueueInput> &inputs, const QString &actor,
                                  bool inTransaction = false);
    void insertEvent(const QString &jobId, const QString &event, const QJsonObject &details);
    /// Inside the caller's transaction: applies a pause or cancel pending on a job this worker
    /// runs (row locked on PostgreSQL), with its event (extraDetails added). Running when none
    /// is pending; std::nullopt when the worker no longer holds the job.
    std::optional<JobStatus> applyPendingControl(const QString &jobId, const QString &workerId,
                                                 const QJsonObject &extraDetails = {});
    void announce(const QStringList &jobIds, const QString &status);
    void published(const QStringList &jobIds);
    struct Current
    {
        JobStatus status;
        QString workerId;
        bool lockExpired;
        QString controlRequest;
        bool failurePermanent;
    };
    Current lockCurrent(const QString &jobId);
    JobStatus applyControl(const QString &jobId, const QString &actor, JobStatus target,
                           const QString &request, const QList<JobStatus> &allowedFrom = {});
    /// The whole claim as one statement (PostgreSQL).
    std::optional<Job> claimAtOnce(const QString &workerId);
    /// The claim as a pick, an update and an event in one transaction (SQLite).
    std::optional<Job> claimInSteps(const QString &workerId);
    /// Claims the row (id, status, workerId) that pick selects, inside transaction.
    std::optional<Job> claimPicked(QSqlQuery &pick, Transaction &transaction,
                                   const QString &workerId);
    /// Inside the caller's transaction: deletes the job's stored chunk results.
    void deleteChunkResults(const QString &jobId);

    QSqlDatabase m_db;
    QueueOptions m_options;
    const Statements &m_sql; ///< chosen once, for the connection's dialect
    bool m_announced = false; ///< the open change was announced: publish it as claimable
    /// PostgreSQL's batched completion, prepared on this connection when first run.
    std::optional<Libpq::PreparedStatement> m_completeAndClaim;
    std::unordered_map<QString, std::unique_ptr<QSqlQuery>> m_prepared;
};

QString controlRequestName(ControlRequest request);

} // namespace Engine

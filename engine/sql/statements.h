#pragma once

#include <QSqlDatabase>
#include <QString>

namespace Engine {

/// The queue's SQL in one dialect, built once per process and chosen once per connection
/// (Statements::of). JobQueue's transitions, fencing, events and notifications are written once
/// over these texts; what differs between PostgreSQL and SQLite lives in postgresstatements.cpp
/// and sqlitestatements.cpp, what only differs in a fragment (the clock, a cast) in
/// statements.cpp.
///
/// A statement the dialect does not have is empty: PostgreSQL runs a claim, a progress write or
/// a completion with the next claim as one statement (one round trip, one commit); SQLite, which
/// has one writer and no round trips to save, runs the same transition as several statements
/// in a transaction.
struct Statements
{
    static const Statements &of(const QSqlDatabase &db);
    static const Statements &postgres();
    static const Statements &sqlite();

    /// The one column list of an event row, with the rows that fill it: `VALUES (…)` or a
    /// `SELECT … FROM a_cte` inside a PostgreSQL statement.
    static QString insertEvent(const QString &rows);

    // Fragments
    QString now;                 ///< the database clock (UTC, milliseconds)
    QString forUpdate;           ///< row lock suffix for a read inside a transaction; SQLite: none
    QString json(const QString &placeholder) const;
    QString status(const QString &placeholder) const;
    QString timestamp(const QString &placeholder) const;
    QString nowPlusSeconds(const QString &placeholder) const;

    // Producers
    QString insertJob;           ///< one job, :id … :contentHash
    QString insertJobs;          ///< many jobs from a JSON document ($1 rows, $2 actor, $3 few)
    QString insertEventValues;   ///< :id, :jobId, :event, :details
    QString notify;              ///< :payload; SQLite: none (JobNotifier only)

    // Claims
    QString claimNext;           ///< :worker, :lock → the claimed job's row (one statement)
    QString claimNextPick;       ///< → id, status, workerId of the best claimable job
    QString claimOnePick;        ///< :id → the same for one job, if it is claimable
    QString claimPicked;         ///< :worker, :lock, :id → the claimed job's row
    QString renewLock;           ///< :lock, :id, :worker

    // Progress and completion
    QString progress;            ///< the whole progress write (one statement) → controlRequest
    QString progressRow;         ///< the row's part of it → controlRequest
    QString dropChunkResultsFrom;///< :id, :first
    QString storeChunkResults;   ///< :id, :first, :count, :ops
    QString chunkResults;        ///< :id
    QString dropChunkResults;    ///< :id
    QString insertPlaybook;
    QString complete;            ///< fenced on :id, :worker
    QString completeAndClaimNext;///< :id, :worker, :lock, :playbookId → doneCount, job row
    QString completeAndClaim;    ///< arrays of completions and claimFor → doneIds, msUntilNext, rows

    // Failure, release, control
    QString noteError;           ///< :error, :id
    QString retryBudget;         ///< :id, :worker → retryCount, maxRetries
    QString scheduleRetry;       ///< :error, :delay, :id
    QString fail;                ///< :error, :reason, :permanent, :id
    QString release;             ///< :id, :worker
    QString pendingControl;      ///< :id, :worker → controlRequest (row locked)
    QString applyPendingControl; ///< :status, :cancelled, :id
    QString orphanedControl;     ///< → id, controlRequest
    QString lockCurrent;         ///< :id → status, workerId, lockExpired, controlRequest,
                                 ///< failurePermanent
    QString requestControl;      ///< :request, :id
    QString applyControl;        ///< :status, :reset, :terminal, :id
    QString priorityAndStatus;   ///< :id
    QString setPriority;         ///< :priority, :id

    // Reads
    QString job;                 ///< :id
    QString jobWithText;         ///< :id
    QString msUntilNextScheduled;
    QString events;              ///< :id, the creation first
    QString countsByStatus;
    QString databaseNow;
    QString findExisting;        ///< :paths, :hashes (JSON arrays)
    /// :id → locks the job's playbook for a correction; SQLite: none (one writer anyway)
    QString lockPlaybook;

    /// The columns of a job row; withText adds the text and the checkpoint.
    static QString jobColumns(bool withText);

    bool isPostgres = false;

    /// Fills the statements that differ only in fragments (statements.cpp).
    void buildCommon();
};

} // namespace Engine

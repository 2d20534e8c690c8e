// The queue's statements on PostgreSQL: each transition a worker makes many times a second
// (claim, progress, completion with the next claim) is one statement, so one round trip and one
// commit. The claim's parts are written once here and composed into every statement that claims.
#include "engine/sql/statements.h"

#include "engine/jobnotifier.h"

namespace Engine {

namespace {

// The best claimable rows of one kind, through that kind's partial index; SKIP LOCKED so
// claimers never wait on each other.
QString lockedCandidates(const QString &name, const QString &where, const QString &limit)
{
    return QStringLiteral(R"(%1 AS (
            SELECT "id", "status" AS "oldStatus", "workerId" AS "oldWorker", "priority", "createdAt"
            FROM "ParseJob"
            WHERE %2
            ORDER BY "priority" DESC, "createdAt" ASC
            LIMIT %3 FOR UPDATE SKIP LOCKED))")
        .arg(name, where, limit);
}

QString readyCandidates(const QString &name, const QString &limit)
{
    return lockedCandidates(name, QStringLiteral(R"("status" IN ('queued', 'retrying')
              AND ("runAfter" IS NULL OR "runAfter" <= LOCALTIMESTAMP(3)))"),
                            limit);
}

// A running job whose lock expired (its worker is gone), unless a pause or cancel waits on it:
// applyOrphanedControlRequests gives those their requested state instead.
QString expiredCandidates(const QString &limit)
{
    return lockedCandidates(QStringLiteral("expired"),
                            QStringLiteral(R"("status" = 'running' AND "lockExpiry" < LOCALTIMESTAMP(3)
              AND "controlRequest" IS NULL)"),
                            limit);
}

// The "claimed" CTE: the rows of "next" (joined to fromJoin) become running under worker.
QString claimRows(const QString &worker, const QString &from, const QString &extraReturning)
{
    return QStringLiteral(R"(claimed AS (
            UPDATE "ParseJob" j
            SET "status" = 'running', "workerId" = %1,
                "lockedAt" = LOCALTIMESTAMP(3),
                "lockExpiry" = LOCALTIMESTAMP(3) + make_interval(secs => CAST(:lock AS float8)),
                "startedAt" = COALESCE(j."startedAt", LOCALTIMESTAMP(3)),
                "updatedAt" = LOCALTIMESTAMP(3), "runAfter" = NULL
            FROM %2 WHERE j."id" = next."id"
            RETURNING j."id", j."type", j."priority", j."status", j."filename", j."config",
               j."playbookId", j."retryCount", j."maxRetries", j."totalChunks",
               j."completedChunks", j."progress", j."lastError", j."failureReason",
               j."workerId", j."lockedAt", j."lockExpiry", j."createdAt", j."startedAt",
               j."completedAt", j."updatedAt", j."runAfter", j."controlRequest", j."rawText",
               j."checkpoints", j."currentState", next."oldStatus", next."oldWorker"%3))")
        .arg(worker, from, extraReturning);
}

// The claimed and reclaimed events of the "claimed" CTE's rows.
QString claimEvents()
{
    return QStringLiteral("claimEvent AS (\n            ")
           + Statements::insertEvent(QStringLiteral(R"(SELECT gen_random_uuid()::text, "id",
                   CASE WHEN "oldStatus" = 'running' THEN 'reclaimed' ELSE 'claimed' END,
                   jsonb_strip_nulls(jsonb_build_object(
                       'actor', "workerId", 'from', "oldStatus"::text, 'to', 'running',
                       'previousWorker', CASE WHEN "oldStatus" = 'running' THEN "oldWorker" END)),
                   LOCALTIMESTAMP(3)
            FROM claimed))"));
}

// The "completed" events of the "done" CTE's rows (id, worker, playbookId).
QString completionEvents(const QString &worker, const QString &playbookId)
{
    return QStringLiteral("doneEvent AS (\n            ")
           + Statements::insertEvent(QStringLiteral(R"(SELECT gen_random_uuid()::text, "id", 'completed',
                   jsonb_strip_nulls(jsonb_build_object(
                       'actor', %1, 'from', 'running', 'to', 'completed',
                       'playbookId', %2)),
                   LOCALTIMESTAMP(3)
            FROM done))")
                                         .arg(worker, playbookId));
}

Statements build()
{
    Statements s;
    s.isPostgres = true;
    s.buildCommon();

    // json, not jsonb: the document is read once, and building jsonb first cost three times as
    // much as unpacking the text (5.2 against 2.3 ms for 500 rows).
    // Run through libpq with its parameters out of line (Libpq::execParams): $1 the rows, $2
    // the actor, $3 whether to announce each job; otherwise one "*" for the whole batch (the
    // inserting CTE runs to completion whether or not its rows are read).
    s.insertJobs = QStringLiteral(R"(
        WITH inserted AS (
            INSERT INTO "ParseJob" ("id", "priority", "rawText", "filename", "config",
                "maxRetries", "runAfter", "enqueuedBy", "sourcePath", "contentHash",
                "createdAt", "updatedAt")
            SELECT "id", "priority", "rawText", "filename", CAST("config" AS jsonb), "maxRetries",
                   "runAfter", CAST($2 AS text), "sourcePath", "contentHash", LOCALTIMESTAMP(3),
                   LOCALTIMESTAMP(3)
            FROM json_to_recordset(CAST($1 AS json)) AS x(
                "id" text, "priority" integer, "rawText" text, "filename" text, "config" json,
                "maxRetries" integer, "runAfter" timestamp(3), "sourcePath" text,
                "contentHash" text)
            RETURNING "id")
        SELECT pg_notify('%1', "payload")
        FROM (SELECT "id" || ':queued' AS "payload" FROM inserted WHERE CAST($3 AS boolean)
              UNION ALL SELECT '*' WHERE NOT CAST($3 AS boolean)) AS announced)")
                       .arg(QLatin1String(kNotifyChannel));
    s.notify = QStringLiteral("SELECT pg_notify('%1', CAST(:payload AS text))")
                   .arg(QLatin1String(kNotifyChannel));

    // Pick the best queued/retrying job and the best expired one, keep the better, claim it and
    // write its event. No NOTIFY: a claim makes nothing claimable, and NOTIFY serialises every
    // committing transaction on one lock (it halved the claim rate at 4 threads); windows see
    // claims through their refresh.
    const QString one = QStringLiteral("1");
    s.claimNext = QStringLiteral(R"(
        WITH %1,
        %2,
        next AS (
            SELECT * FROM (SELECT * FROM ready UNION ALL SELECT * FROM expired) candidates
            ORDER BY "priority" DESC, "createdAt" ASC LIMIT 1),
        %3,
        %4
        SELECT c.* FROM claimed c)")
                      .arg(readyCandidates(QStringLiteral("ready"), one), expiredCandidates(one),
                           claimRows(QStringLiteral("CAST(:worker AS text)"),
                                     QStringLiteral("next"), QString()),
                           claimEvents());

    // One statement, one round trip: the fenced row update, the chunk results (those of a run
    // that started over are replaced) and the event, all or nothing.
    s.progress = QStringLiteral(R"(
            WITH up AS (
                UPDATE "ParseJob" SET "completedChunks" = CAST(:completed AS integer),
                    "totalChunks" = CAST(:total AS integer),
                    "progress" = CAST(:progress AS float8),
                    "currentState" = CAST(:state AS jsonb),
                    "checkpoints" = "checkpoints" || jsonb_build_array(CAST(:checkpoint AS jsonb)),
                    "updatedAt" = LOCALTIMESTAMP(3)
                WHERE "id" = CAST(:id AS text) AND "workerId" = CAST(:worker AS text)
                  AND "status" = 'running'
                RETURNING "id", "controlRequest"),
            stale AS (
                DELETE FROM "CallboardChunkResult" c USING up
                WHERE c."jobId" = up."id" AND c."firstChunk" >= CAST(:first AS integer)
                  AND CAST(:count AS integer) > 0),
            stored AS (
                INSERT INTO "CallboardChunkResult" ("jobId", "firstChunk", "chunkCount", "ops",
                                                    "createdAt")
                SELECT up."id", CAST(:first AS integer), CAST(:count AS integer),
                       CAST(:ops AS text), LOCALTIMESTAMP(3)
                FROM up WHERE CAST(:count AS integer) > 0),
            event AS (
                %1)
            SELECT "controlRequest" FROM up)")
                     .arg(Statements::insertEvent(QStringLiteral(
                         R"(SELECT CAST(:eventId AS text), up."id", 'progress', CAST(:details AS jsonb),
                       LOCALTIMESTAMP(3)
                FROM up)")));

    // Completion and the next claim share one statement, so a no-op job costs one commit.
    s.completeAndClaimNext = QStringLiteral(R"(
        WITH done AS (
            UPDATE "ParseJob" SET "status" = 'completed', "completedAt" = LOCALTIMESTAMP(3),
                "progress" = 100, "workerId" = NULL, "lockedAt" = NULL, "lockExpiry" = NULL,
                "controlRequest" = NULL, "updatedAt" = LOCALTIMESTAMP(3), "currentState" = NULL,
                "playbookId" = COALESCE(CAST(:playbookId AS text), "playbookId")
            WHERE "id" = CAST(:id AS text) AND "workerId" = CAST(:worker AS text)
              AND "status" = 'running'
            RETURNING "id"),
        scratch AS (
            DELETE FROM "CallboardChunkResult" c USING done WHERE c."jobId" = done."id"),
        %1,
        %2,
        %3,
        %4
        SELECT (SELECT count(*) FROM done) AS "doneCount", c.*
        FROM (SELECT 1) one LEFT JOIN claimed c ON true)")
                                 .arg(completionEvents(QStringLiteral("CAST(:worker AS text)"),
                                                       QStringLiteral("CAST(:playbookId AS text)")),
                                      readyCandidates(QStringLiteral("next"), one),
                                      claimRows(QStringLiteral("CAST(:worker AS text)"),
                                                QStringLiteral("next"), QString()),
                                      claimEvents());

    // input: the completions (job, worker, playbook id). want: the worker ids to claim for,
    // numbered. ready/expired/next: as in claimNext, but up to :n jobs, numbered in claim order
    // so that job k goes to worker k. claimNext keeps its own one-job statement: this one's
    // arrays, numbering and join cost a single claim 15–20 % of its rate.
    const QString n = QStringLiteral("CAST(:n AS integer)");
    s.completeAndClaim = QStringLiteral(R"(
        WITH input AS (
            SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:workers AS text[]),
                                 CAST(:playbooks AS text[]), CAST(:titles AS text[]),
                                 CAST(:characters AS integer[]), CAST(:acts AS integer[]),
                                 CAST(:scenes AS integer[]), CAST(:speeches AS integer[]),
                                 CAST(:docIndexes AS integer[]),
                                 CAST(:confidences AS double precision[]),
                                 CAST(:warnings AS integer[]),
                                 CAST(:completedChunks AS integer[]), CAST(:totalChunks AS integer[]))
                AS t("id", "worker", "playbookId", "title", "characters", "acts", "scenes",
                     "speeches", "docIndex", "confidence", "warnings", "completedChunks",
                     "totalChunks")),
        document AS (
            SELECT * FROM unnest(string_to_array(CAST(:documents AS text), chr(1)))
                WITH ORDINALITY AS t("text", "index")),
        done AS (
            UPDATE "ParseJob" j SET "status" = 'completed', "completedAt" = LOCALTIMESTAMP(3),
                "progress" = 100, "workerId" = NULL, "lockedAt" = NULL, "lockExpiry" = NULL,
                "controlRequest" = NULL, "updatedAt" = LOCALTIMESTAMP(3), "currentState" = NULL,
                "playbookId" = COALESCE(i."playbookId", j."playbookId"),
                "completedChunks" = COALESCE(i."completedChunks", j."completedChunks"),
                "totalChunks" = COALESCE(i."totalChunks", j."totalChunks")
            FROM input i
            WHERE j."id" = i."id" AND j."workerId" = i."worker" AND j."status" = 'running'
            RETURNING j."id", i."worker", i."playbookId"),
        playbook AS (
            INSERT INTO "CallboardPlaybook" ("id", "jobId", "title", "characterCount", "actCount",
                                    "sceneCount", "speechCount", "document", "createdAt",
                                    "confidence", "warnings")
            SELECT i."playbookId", i."id", i."title", i."characters", i."acts", i."scenes",
                   i."speeches", CAST(doc."text" AS json), LOCALTIMESTAMP(3), i."confidence",
                   i."warnings"
            FROM done d JOIN input i ON i."id" = d."id" JOIN document doc ON doc."index" = i."docIndex"
            WHERE i."playbookId" IS NOT NULL),
        scratch AS (
            DELETE FROM "CallboardChunkResult" c USING done d WHERE c."jobId" = d."id"),
        %1,
        want AS (
            SELECT "worker", "ord" FROM unnest(CAST(:claimFor AS text[]))
                WITH ORDINALITY AS t("worker", "ord")),
        %2,
        %3,
        next AS (
            SELECT c.*, row_number() OVER (ORDER BY "priority" DESC, "createdAt" ASC) AS "ord"
            FROM (SELECT * FROM ready UNION ALL SELECT * FROM expired) c
            ORDER BY "priority" DESC, "createdAt" ASC LIMIT CAST(:n AS integer)),
        %4,
        %5
        SELECT (SELECT string_agg("id", ',') FROM done) AS "doneIds",
               (%6) AS "msUntilNext",
               c.*
        FROM (SELECT 1) one LEFT JOIN claimed c ON true
        ORDER BY c."ord")");
    s.msUntilNextScheduled = QStringLiteral(R"(
        SELECT CAST(EXTRACT(EPOCH FROM (MIN("runAfter") - LOCALTIMESTAMP(3))) * 1000 AS bigint)
        FROM "ParseJob"
        WHERE "status" IN ('queued', 'retrying') AND "runAfter" IS NOT NULL
          AND "runAfter" > LOCALTIMESTAMP(3))");
    s.completeAndClaim = s.completeAndClaim.arg(
        completionEvents(QStringLiteral("\"worker\""), QStringLiteral("\"playbookId\"")),
        readyCandidates(QStringLiteral("ready"), n), expiredCandidates(n),
        claimRows(QStringLiteral("want.\"worker\""), QStringLiteral("next JOIN want USING (\"ord\")"),
                  QStringLiteral(", next.\"ord\"")),
        claimEvents(), s.msUntilNextScheduled);

    // The timeline opens with the job's creation, read from its row (see JobQueue::events);
    // "seq" gives the insert order within one millisecond.
    s.events = QStringLiteral(R"(
        SELECT "id" || ':enqueued', "id", 'enqueued',
               CAST(jsonb_strip_nulls(jsonb_build_object('actor', "enqueuedBy", 'to', 'queued',
                   'filename', "filename", 'priority', COALESCE(
                       (SELECT CAST("details"->>'from' AS integer) FROM "JobEvent"
                        WHERE "jobId" = :id AND "event" = 'priority_changed'
                        ORDER BY "seq" LIMIT 1), "priority"))) AS text),
               "createdAt", CAST(0 AS bigint) AS "ord"
        FROM "ParseJob" WHERE "id" = :id
        UNION ALL
        SELECT "id", "jobId", "event", CAST("details" AS text), "createdAt", "seq"
        FROM "JobEvent" WHERE "jobId" = :id AND "event" <> 'enqueued'
        ORDER BY "ord")");
    s.findExisting = QStringLiteral(R"(
        SELECT "id", "filename", "sourcePath", "contentHash", "status" FROM "ParseJob"
        WHERE "sourcePath" IN (SELECT jsonb_array_elements_text(CAST(:paths AS jsonb)))
           OR "contentHash" IN (SELECT jsonb_array_elements_text(CAST(:hashes AS jsonb)))
        ORDER BY "createdAt")");
    s.lockPlaybook = QStringLiteral(
        R"(SELECT 1 FROM "CallboardPlaybook" p JOIN "ParseJob" j ON j."playbookId" = p."id"
               WHERE j."id" = :id FOR UPDATE OF p)");
    return s;
}

} // namespace

const Statements &Statements::postgres()
{
    static const Statements statements = build();
    return statements;
}

} // namespace Engine

// The queue's statements on SQLite: one writer at a time and no round trips to save, so a
// transition is several plain statements in one transaction (JobQueue runs them in order).
#include "engine/sql/statements.h"

namespace Engine {

namespace {

Statements build()
{
    Statements s;
    s.isPostgres = false;
    s.buildCommon();

    // Two index-friendly candidates instead of one OR (which would scan and sort the whole
    // table on every claim): the best ready job through the claim index, the best expired one
    // through the lock-expiry index; the better of the two wins. SQLite's planner prefers the
    // seed's status index and then sorts every queued row, hence INDEXED BY.
    s.claimNextPick = QStringLiteral(R"(
        SELECT "id", "status", "workerId" FROM (
            SELECT * FROM (
                SELECT "id", "status", "workerId", "priority", "createdAt"
                FROM "ParseJob" INDEXED BY "ParseJob_claim_idx"
                WHERE "status" IN ('queued', 'retrying') AND ("runAfter" IS NULL OR "runAfter" <= %1)
                ORDER BY "priority" DESC, "createdAt" ASC LIMIT 1)
            UNION ALL
            SELECT * FROM (
                SELECT "id", "status", "workerId", "priority", "createdAt"
                FROM "ParseJob" INDEXED BY "ParseJob_lockExpiry_idx"
                WHERE "status" = 'running' AND "lockExpiry" < %1 AND "controlRequest" IS NULL
                ORDER BY "priority" DESC, "createdAt" ASC LIMIT 1))
        ORDER BY "priority" DESC, "createdAt" ASC LIMIT 1)")
                          .arg(s.now);

    s.progressRow = QStringLiteral(R"(
            UPDATE "ParseJob" SET "completedChunks" = :completed, "totalChunks" = :total,
                "progress" = :progress, "currentState" = :state,
                "checkpoints" = json_insert("checkpoints", '$[#]', json(:checkpoint)),
                "updatedAt" = strftime('%Y-%m-%dT%H:%M:%fZ','now')
            WHERE "id" = :id AND "workerId" = :worker AND "status" = 'running'
            RETURNING "controlRequest")");
    s.dropChunkResultsFrom = QStringLiteral(
        R"(DELETE FROM "CallboardChunkResult" WHERE "jobId" = :id AND "firstChunk" >= :first)");
    s.storeChunkResults = QStringLiteral(R"(
                INSERT INTO "CallboardChunkResult" ("jobId", "firstChunk", "chunkCount", "ops")
                VALUES (:id, :first, :count, :ops))");

    s.msUntilNextScheduled = QStringLiteral(R"(
        SELECT CAST((julianday(MIN("runAfter")) - julianday('now')) * 86400000 AS INTEGER)
        FROM "ParseJob"
        WHERE "status" IN ('queued', 'retrying') AND "runAfter" IS NOT NULL
          AND "runAfter" > strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
    // rowid gives the insert order within one millisecond.
    s.events = QStringLiteral(R"(
        SELECT "id" || ':enqueued', "id", 'enqueued',
               json_object('actor', "enqueuedBy", 'to', 'queued', 'filename', "filename",
                           'priority', COALESCE(
                               (SELECT json_extract("details", '$.from') FROM "JobEvent"
                                WHERE "jobId" = :id AND "event" = 'priority_changed'
                                ORDER BY rowid LIMIT 1), "priority")),
               "createdAt", 0 AS "ord"
        FROM "ParseJob" WHERE "id" = :id
        UNION ALL
        SELECT "id", "jobId", "event", "details", "createdAt", rowid
        FROM "JobEvent" WHERE "jobId" = :id AND "event" <> 'enqueued'
        ORDER BY "ord")");
    s.findExisting = QStringLiteral(R"(
        SELECT "id", "filename", "sourcePath", "contentHash", "status" FROM "ParseJob"
        WHERE "sourcePath" IN (SELECT "value" FROM json_each(:paths))
           OR "contentHash" IN (SELECT "value" FROM json_each(:hashes))
        ORDER BY "createdAt")");
    return s;
}

} // namespace

const Statements &Statements::sqlite()
{
    static const Statements statements = build();
    return statements;
}

} // namespace Engine

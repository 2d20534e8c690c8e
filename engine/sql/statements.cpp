#include "engine/sql/statements.h"

#include "engine/database.h"
#include "engine/sqldialect.h"

namespace Engine {

const Statements &Statements::of(const QSqlDatabase &db)
{
    return Database::isPostgres(db) ? postgres() : sqlite();
}

QString Statements::insertEvent(const QString &rows)
{
    return QStringLiteral(R"(INSERT INTO "JobEvent" ("id", "jobId", "event", "details", "createdAt")
            )") + rows;
}

QString Statements::json(const QString &placeholder) const
{
    return SqlDialect(isPostgres).json(placeholder);
}

QString Statements::status(const QString &placeholder) const
{
    return SqlDialect(isPostgres).status(placeholder);
}

QString Statements::timestamp(const QString &placeholder) const
{
    return SqlDialect(isPostgres).timestamp(placeholder);
}

QString Statements::nowPlusSeconds(const QString &placeholder) const
{
    return SqlDialect(isPostgres).nowPlusSeconds(placeholder);
}

QString Statements::jobColumns(bool withText)
{
    QString columns = QStringLiteral(
        R"("id", "type", "priority", "status", "filename", "config", "playbookId", "retryCount",
           "maxRetries", "totalChunks", "completedChunks", "progress", "lastError",
           "failureReason", "workerId", "lockedAt", "lockExpiry", "createdAt", "startedAt",
           "completedAt", "updatedAt", "runAfter", "controlRequest", "sourcePath",
           "failurePermanent")");
    if (withText)
        columns += QStringLiteral(R"(, "rawText", "checkpoints", "currentState")");
    return columns;
}

// The statements whose text differs between the dialects only in a fragment.
void Statements::buildCommon()
{
    const SqlDialect sql(isPostgres);
    now = sql.now();
    forUpdate = isPostgres ? QStringLiteral(" FOR UPDATE") : QString();
    const QString updatedNow = QStringLiteral("\"updatedAt\" = %1").arg(now);

    insertJob = QStringLiteral(
                    R"(INSERT INTO "ParseJob" ("id", "priority", "rawText", "filename", "config",
                  "maxRetries", "runAfter", "enqueuedBy", "sourcePath", "contentHash",
                  "createdAt", "updatedAt")
                  VALUES (:id, :priority, :rawText, :filename, %1, :maxRetries, %2, :actor,
                          :sourcePath, :contentHash, %3, %3))")
                    .arg(sql.json(QStringLiteral(":config")),
                         sql.timestamp(QStringLiteral(":runAfter")), now);
    insertEventValues = insertEvent(QStringLiteral("VALUES (:id, :jobId, :event, %1, %2)")
                                        .arg(sql.json(QStringLiteral(":details")), now));

    claimOnePick = QStringLiteral(R"(
        SELECT "id", "status", "workerId" FROM "ParseJob"
        WHERE "id" = :id
          AND (("status" IN ('queued', 'retrying') AND ("runAfter" IS NULL OR "runAfter" <= %1))
               OR ("status" = 'running' AND "lockExpiry" < %1 AND "controlRequest" IS NULL))%2)")
                       .arg(now, forUpdate);
    claimPicked = QStringLiteral(R"(
        UPDATE "ParseJob" SET "status" = 'running', "workerId" = :worker, "lockedAt" = %1,
            "lockExpiry" = %2, "startedAt" = COALESCE("startedAt", %1), "updatedAt" = %1,
            "runAfter" = NULL
        WHERE "id" = :id RETURNING %3)")
                      .arg(now, sql.nowPlusSeconds(QStringLiteral(":lock")), jobColumns(true));
    renewLock = QStringLiteral(R"(
        UPDATE "ParseJob" SET "lockExpiry" = %1
        WHERE "id" = :id AND "workerId" = :worker AND "status" = 'running')")
                    .arg(sql.nowPlusSeconds(QStringLiteral(":lock")));

    chunkResults = QStringLiteral(R"(
        SELECT "firstChunk", "chunkCount", "ops" FROM "CallboardChunkResult"
        WHERE "jobId" = :id ORDER BY "firstChunk")");
    dropChunkResults = QStringLiteral(
        R"(DELETE FROM "CallboardChunkResult" WHERE "jobId" = :id)");
    insertPlaybook = QStringLiteral(R"(
        INSERT INTO "CallboardPlaybook" ("id", "jobId", "title", "characterCount", "actCount",
            "sceneCount", "speechCount", "document", "createdAt", "confidence", "warnings")
        VALUES (:id, :jobId, :title, :characters, :acts, :scenes, :speeches, %1, %2, :confidence,
                :warnings))")
                         .arg(sql.document(QStringLiteral(":document")), now);
    complete = QStringLiteral(R"(
            UPDATE "ParseJob" SET "status" = 'completed', "completedAt" = %1, "progress" = 100,
                "playbookId" = COALESCE(:playbookId, "playbookId"), "workerId" = NULL,
                "currentState" = NULL,
                "completedChunks" = CASE WHEN :completed >= 0 THEN :completed ELSE "completedChunks" END,
                "totalChunks" = CASE WHEN :total >= 0 THEN :total ELSE "totalChunks" END,
                "lockedAt" = NULL, "lockExpiry" = NULL, "controlRequest" = NULL, %2
            WHERE "id" = :id AND "workerId" = :worker AND "status" = 'running')")
                   .arg(now, updatedNow);

    noteError = QStringLiteral(R"(UPDATE "ParseJob" SET "lastError" = :error WHERE "id" = :id)");
    retryBudget = QStringLiteral(R"(
            SELECT "retryCount", "maxRetries" FROM "ParseJob"
            WHERE "id" = :id AND "workerId" = :worker AND "status" = 'running')");
    scheduleRetry = QStringLiteral(R"(
                UPDATE "ParseJob" SET "status" = 'retrying', "retryCount" = "retryCount" + 1,
                    "lastError" = :error, "runAfter" = %1, "workerId" = NULL, "lockedAt" = NULL,
                    "lockExpiry" = NULL, %2
                WHERE "id" = :id)")
                        .arg(sql.nowPlusSeconds(QStringLiteral(":delay")), updatedNow);
    fail = QStringLiteral(R"(
                UPDATE "ParseJob" SET "status" = 'failed', "lastError" = :error,
                    "failureReason" = :reason, "failurePermanent" = :permanent,
                    "completedAt" = %1, "workerId" = NULL,
                    "lockedAt" = NULL, "lockExpiry" = NULL, "controlRequest" = NULL, %2
                WHERE "id" = :id)")
               .arg(now, updatedNow);
    release = QStringLiteral(R"(
            UPDATE "ParseJob" SET "status" = 'queued', "workerId" = NULL, "lockedAt" = NULL,
                "lockExpiry" = NULL, %1
            WHERE "id" = :id AND "workerId" = :worker AND "status" = 'running')")
                  .arg(updatedNow);
    pendingControl = QStringLiteral(R"(
        SELECT "controlRequest" FROM "ParseJob"
        WHERE "id" = :id AND "workerId" = :worker AND "status" = 'running'%1)")
                         .arg(forUpdate);
    applyPendingControl = QStringLiteral(R"(
        UPDATE "ParseJob" SET "status" = %1, "controlRequest" = NULL, "workerId" = NULL,
            "lockedAt" = NULL, "lockExpiry" = NULL,
            "completedAt" = CASE WHEN :cancelled = 1 THEN %2 ELSE "completedAt" END, %3
        WHERE "id" = :id)")
                              .arg(sql.status(QStringLiteral(":status")), now, updatedNow);
    orphanedControl = QStringLiteral(R"(
        SELECT "id", "controlRequest" FROM "ParseJob"
        WHERE "status" = 'running' AND "lockExpiry" < %1 AND "controlRequest" IS NOT NULL)")
                          .arg(now);
    lockCurrent = QStringLiteral(
                      R"(SELECT "status", "workerId",
                           CASE WHEN "lockExpiry" IS NOT NULL AND "lockExpiry" < %1 THEN 1 ELSE 0 END,
                           "controlRequest", "failurePermanent"
                          FROM "ParseJob" WHERE "id" = :id%2)")
                      .arg(now, forUpdate);
    requestControl = QStringLiteral(
                         R"(UPDATE "ParseJob" SET "controlRequest" = :request, %1 WHERE "id" = :id)")
                         .arg(updatedNow);
    applyControl = QStringLiteral(R"(
                UPDATE "ParseJob" SET "status" = %1, "controlRequest" = NULL, "workerId" = NULL,
                    "lockedAt" = NULL, "lockExpiry" = NULL, "runAfter" = NULL,
                    "retryCount" = CASE WHEN :reset = 1 THEN 0 ELSE "retryCount" END,
                    "failureReason" = CASE WHEN :reset = 1 THEN NULL ELSE "failureReason" END,
                    "completedAt" = CASE WHEN :terminal = 1 THEN %2
                                         WHEN :reset = 1 THEN NULL ELSE "completedAt" END, %3
                WHERE "id" = :id)")
                       .arg(sql.status(QStringLiteral(":status")), now, updatedNow);
    priorityAndStatus = QStringLiteral(
        R"(SELECT "priority", "status" FROM "ParseJob" WHERE "id" = :id)");
    setPriority = QStringLiteral(
                      R"(UPDATE "ParseJob" SET "priority" = :priority, %1 WHERE "id" = :id)")
                      .arg(updatedNow);

    job = QStringLiteral(R"(SELECT %1 FROM "ParseJob" WHERE "id" = :id)").arg(jobColumns(false));
    jobWithText = QStringLiteral(R"(SELECT %1 FROM "ParseJob" WHERE "id" = :id)")
                      .arg(jobColumns(true));
    countsByStatus = QStringLiteral(
        R"(SELECT "status", COUNT(*) FROM "ParseJob" GROUP BY "status")");
    databaseNow = QStringLiteral("SELECT %1").arg(now);
}

} // namespace Engine

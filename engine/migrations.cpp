#include "engine/migrations.h"

#include "engine/database.h"
#include "engine/enginetr.h"
#include "engine/logging.h"
#include "engine/oneshotquery.h"

#include <QSqlError>
#include <QSqlQuery>

namespace Engine::Migrations {

namespace {

/// A step that depends on what the database holds (run after the statements, in the same
/// transaction): the connection, whether it is PostgreSQL, and the version migrate() started
/// from.
using MigrationStep = bool (*)(QSqlDatabase db, bool postgres, int fromVersion, QString *error);

struct Migration
{
    int version;
    const char *name;
    QStringList postgres;
    QStringList sqlite;
};

bool moveOrCreatePlaybookTable(QSqlDatabase db, bool postgres, int fromVersion, QString *error);

/// The step of a migration, if it has one.
MigrationStep stepOf(int version)
{
    switch (version) {
    case 8: return moveOrCreatePlaybookTable;
    default: return nullptr;
    }
}

QStringList s(std::initializer_list<const char *> statements)
{
    QStringList list;
    for (const char *statement : statements)
        list << QString::fromUtf8(statement);
    return list;
}

/// On a server built with lz4 (PostgreSQL 14 or later) these columns go to TOAST compressed
/// with it; elsewhere the statement changes nothing.
QString lz4Compression(std::initializer_list<std::pair<const char *, const char *>> columns)
{
    QString alters;
    for (const auto &[table, column] : columns)
        alters += QStringLiteral("EXECUTE 'ALTER TABLE \"%1\" ALTER COLUMN \"%2\" SET COMPRESSION lz4';\n")
                      .arg(QLatin1String(table), QLatin1String(column));
    return QStringLiteral(R"(DO $$ BEGIN
                IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'
                                                       AND 'lz4' = ANY(enumvals)) THEN
                    %1
                END IF;
            END $$)")
        .arg(alters);
}

// Migration 1 is exactly what `prisma migrate` creates from the web application's model, so both
// can share one database; it tolerates tables that Prisma already created.
const QList<Migration> &migrations()
{
    static const QList<Migration> list{
        {1, "seed schema: ParseJob and JobEvent",
         s({R"(DO $$ BEGIN CREATE TYPE "JobType" AS ENUM ('PARSE_PLAY');
               EXCEPTION WHEN duplicate_object THEN NULL; END $$)",
            R"(DO $$ BEGIN CREATE TYPE "JobStatus" AS ENUM ('queued', 'running', 'paused',
               'retrying', 'completed', 'failed', 'cancelled');
               EXCEPTION WHEN duplicate_object THEN NULL; END $$)",
            R"(CREATE TABLE IF NOT EXISTS "ParseJob" (
                "id" TEXT NOT NULL,
                "type" "JobType" NOT NULL DEFAULT 'PARSE_PLAY',
                "priority" INTEGER NOT NULL DEFAULT 0,
                "status" "JobStatus" NOT NULL DEFAULT 'queued',
                "rawText" TEXT NOT NULL,
                "filename" TEXT NOT NULL,
                "config" JSONB,
                "playbookId" TEXT,
                "retryCount" INTEGER NOT NULL DEFAULT 0,
                "maxRetries" INTEGER NOT NULL DEFAULT 3,
                "checkpoints" JSONB NOT NULL DEFAULT '[]',
                "currentState" JSONB,
                "totalChunks" INTEGER,
                "completedChunks" INTEGER NOT NULL DEFAULT 0,
                "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
                "lastError" TEXT,
                "failureReason" TEXT,
                "workerId" TEXT,
                "lockedAt" TIMESTAMP(3),
                "lockExpiry" TIMESTAMP(3),
                "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
                "startedAt" TIMESTAMP(3),
                "completedAt" TIMESTAMP(3),
                "updatedAt" TIMESTAMP(3) NOT NULL,
                CONSTRAINT "ParseJob_pkey" PRIMARY KEY ("id")))",
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_status_priority_createdAt_idx"
               ON "ParseJob"("status", "priority", "createdAt"))",
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_workerId_idx" ON "ParseJob"("workerId"))",
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_playbookId_idx" ON "ParseJob"("playbookId"))",
            R"(CREATE TABLE IF NOT EXISTS "JobEvent" (
                "id" TEXT NOT NULL,
                "jobId" TEXT NOT NULL,
                "event" TEXT NOT NULL,
                "details" JSONB,
                "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
                CONSTRAINT "JobEvent_pkey" PRIMARY KEY ("id"),
                CONSTRAINT "JobEvent_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "ParseJob"("id")
                    ON DELETE CASCADE ON UPDATE CASCADE))",
            R"(CREATE INDEX IF NOT EXISTS "JobEvent_jobId_createdAt_idx"
               ON "JobEvent"("jobId", "createdAt"))"}),
         s({R"(CREATE TABLE IF NOT EXISTS "ParseJob" (
                "id" TEXT NOT NULL PRIMARY KEY,
                "type" TEXT NOT NULL DEFAULT 'PARSE_PLAY' CHECK ("type" IN ('PARSE_PLAY')),
                "priority" INTEGER NOT NULL DEFAULT 0,
                "status" TEXT NOT NULL DEFAULT 'queued' CHECK ("status" IN ('queued', 'running',
                    'paused', 'retrying', 'completed', 'failed', 'cancelled')),
                "rawText" TEXT NOT NULL,
                "filename" TEXT NOT NULL,
                "config" TEXT,
                "playbookId" TEXT,
                "retryCount" INTEGER NOT NULL DEFAULT 0,
                "maxRetries" INTEGER NOT NULL DEFAULT 3,
                "checkpoints" TEXT NOT NULL DEFAULT '[]',
                "currentState" TEXT,
                "totalChunks" INTEGER,
                "completedChunks" INTEGER NOT NULL DEFAULT 0,
                "progress" REAL NOT NULL DEFAULT 0,
                "lastError" TEXT,
                "failureReason" TEXT,
                "workerId" TEXT,
                "lockedAt" TEXT,
                "lockExpiry" TEXT,
                "createdAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                "startedAt" TEXT,
                "completedAt" TEXT,
                "updatedAt" TEXT NOT NULL))",
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_status_priority_createdAt_idx"
               ON "ParseJob"("status", "priority", "createdAt"))",
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_workerId_idx" ON "ParseJob"("workerId"))",
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_playbookId_idx" ON "ParseJob"("playbookId"))",
            R"(CREATE TABLE IF NOT EXISTS "JobEvent" (
                "id" TEXT NOT NULL PRIMARY KEY,
                "jobId" TEXT NOT NULL REFERENCES "ParseJob"("id") ON DELETE CASCADE ON UPDATE CASCADE,
                "event" TEXT NOT NULL,
                "details" TEXT,
                "createdAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))))",
            R"(CREATE INDEX IF NOT EXISTS "JobEvent_jobId_createdAt_idx"
               ON "JobEvent"("jobId", "createdAt"))"})},
        {2, "engine columns: runAfter, controlRequest; claim-order indexes",
         s({R"(ALTER TABLE "ParseJob" ADD COLUMN IF NOT EXISTS "runAfter" TIMESTAMP(3))",
            R"(ALTER TABLE "ParseJob" ADD COLUMN IF NOT EXISTS "controlRequest" TEXT
               CHECK ("controlRequest" IN ('pause', 'cancel')))",
            // The seed's (status, priority, createdAt) index cannot serve the claim order
            // (priority DESC, createdAt ASC): without this one every claim sorts the backlog.
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_claim_idx" ON "ParseJob"
               ("priority" DESC, "createdAt") WHERE "status" IN ('queued', 'retrying'))",
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_lockExpiry_idx" ON "ParseJob"("lockExpiry")
               WHERE "status" = 'running')",
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_updatedAt_idx" ON "ParseJob"("updatedAt"))",
            // Events of one millisecond need an order of their own: the insert order.
            R"(ALTER TABLE "JobEvent" ADD COLUMN IF NOT EXISTS "seq" BIGSERIAL)"}),
         s({R"(ALTER TABLE "ParseJob" ADD COLUMN "runAfter" TEXT)",
            R"(ALTER TABLE "ParseJob" ADD COLUMN "controlRequest" TEXT
               CHECK ("controlRequest" IN ('pause', 'cancel')))",
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_claim_idx" ON "ParseJob"
               ("priority" DESC, "createdAt") WHERE "status" IN ('queued', 'retrying'))",
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_lockExpiry_idx" ON "ParseJob"("lockExpiry")
               WHERE "status" = 'running')",
            R"(CREATE INDEX IF NOT EXISTS "ParseJob_updatedAt_idx" ON "ParseJob"("updatedAt"))"})},
        // Migration 3 created "Playbook" with CREATE TABLE IF NOT EXISTS: the name the web
        // application most likely uses for its own playbooks, whose table it would silently have
        // kept. Callboard's playbooks now live in "CallboardPlaybook" (migration 8); version 3
        // stays as a number only.
        {3, "Playbook table (now CallboardPlaybook, migration 8)", {}, {}},
        // Metrics read recent events by time (retries in a window, workers seen lately); without
        // this index each such query scans every event ever written.
        {4, "JobEvent time index for metrics",
         s({R"(CREATE INDEX IF NOT EXISTS "JobEvent_createdAt_idx" ON "JobEvent"("createdAt"))"}),
         s({R"(CREATE INDEX IF NOT EXISTS "JobEvent_createdAt_idx" ON "JobEvent"("createdAt"))"})},
        // A job's creation is recorded on its row (createdAt, and now who enqueued it) instead of
        // in an "enqueued" event: that event row, with its foreign-key check and three index
        // entries, was two thirds of the cost of a bulk enqueue. JobQueue::events() shows it.
        {5, "who enqueued a job, on its row",
         s({R"(ALTER TABLE "ParseJob" ADD COLUMN IF NOT EXISTS "enqueuedBy" TEXT)"}),
         s({R"(ALTER TABLE "ParseJob" ADD COLUMN "enqueuedBy" TEXT)"})},
        // Idle workers sleep until the next retry or scheduled job is due rather than until the
        // next poll; only jobs that wait for a time are in this index, so enqueues do not pay.
        {6, "index of jobs that wait for a time",
         s({R"(CREATE INDEX IF NOT EXISTS "ParseJob_runAfter_idx" ON "ParseJob"("runAfter")
               WHERE "status" IN ('queued', 'retrying') AND "runAfter" IS NOT NULL)"}),
         s({R"(CREATE INDEX IF NOT EXISTS "ParseJob_runAfter_idx" ON "ParseJob"("runAfter")
               WHERE "status" IN ('queued', 'retrying') AND "runAfter" IS NOT NULL)"})},
        // What each checkpoint's chunks added to the playbook, written once: the checkpoint in
        // "currentState" is then only the parser's carry-over state. Deleted at completion, when
        // the playbook row holds the whole result. No unique key: a job started over deletes its
        // results from the first chunk on in the same statement that writes the new ones.
        {7, "chunk results of running parses",
         s({R"(CREATE TABLE IF NOT EXISTS "CallboardChunkResult" (
                "jobId" TEXT NOT NULL REFERENCES "ParseJob"("id") ON DELETE CASCADE ON UPDATE CASCADE,
                "firstChunk" INTEGER NOT NULL,
                "chunkCount" INTEGER NOT NULL,
                "ops" TEXT NOT NULL,
                "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP))",
            R"(CREATE INDEX IF NOT EXISTS "CallboardChunkResult_jobId_idx"
               ON "CallboardChunkResult"("jobId", "firstChunk"))"}),
         s({R"(CREATE TABLE IF NOT EXISTS "CallboardChunkResult" (
                "jobId" TEXT NOT NULL REFERENCES "ParseJob"("id") ON DELETE CASCADE ON UPDATE CASCADE,
                "firstChunk" INTEGER NOT NULL,
                "chunkCount" INTEGER NOT NULL,
                "ops" TEXT NOT NULL,
                "createdAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))))",
            R"(CREATE INDEX IF NOT EXISTS "CallboardChunkResult_jobId_idx"
               ON "CallboardChunkResult"("jobId", "firstChunk"))"})},
        // Callboard's tables get names of their own, so that it can share a database with the
        // web application: the "Playbook" an older Callboard made is renamed (its rows kept);
        // a "Playbook" of anyone else is left as it is.
        {8, "Callboard's playbooks in \"CallboardPlaybook\"", {}, {}},
        // Liveness was guessed from lock expiries, so an idle worker of another process vanished
        // once its last event aged out. Each pool now keeps one row of its own, written at start
        // and by every heartbeat, deleted at a clean shutdown; a row whose heartbeat is older
        // than its own lock duration is a lost process (its locks have expired by then).
        {9, "workers and their heartbeats",
         s({R"(CREATE TABLE IF NOT EXISTS "CallboardWorker" (
                "id" TEXT NOT NULL,
                "host" TEXT NOT NULL,
                "pid" BIGINT NOT NULL,
                "version" TEXT NOT NULL,
                "slots" INTEGER NOT NULL DEFAULT 0,
                "lockSeconds" DOUBLE PRECISION NOT NULL,
                "heartbeatSeconds" DOUBLE PRECISION NOT NULL,
                "jobCount" INTEGER NOT NULL DEFAULT 0,
                "jobIds" JSONB NOT NULL DEFAULT '[]',
                "startedAt" TIMESTAMP(3) NOT NULL,
                "lastHeartbeatAt" TIMESTAMP(3) NOT NULL,
                CONSTRAINT "CallboardWorker_pkey" PRIMARY KEY ("id")))"}),
         s({R"(CREATE TABLE IF NOT EXISTS "CallboardWorker" (
                "id" TEXT NOT NULL PRIMARY KEY,
                "host" TEXT NOT NULL,
                "pid" INTEGER NOT NULL,
                "version" TEXT NOT NULL,
                "slots" INTEGER NOT NULL DEFAULT 0,
                "lockSeconds" REAL NOT NULL,
                "heartbeatSeconds" REAL NOT NULL,
                "jobCount" INTEGER NOT NULL DEFAULT 0,
                "jobIds" TEXT NOT NULL DEFAULT '[]',
                "startedAt" TEXT NOT NULL,
                "lastHeartbeatAt" TEXT NOT NULL))"})},
        // Where a play came from (the file's absolute path; two hamlet.txt from different folders
        // differ), a hash of its text (re-adding a play is said before it is queued twice), and
        // whether a failure is one no retry can fix (the window then offers no Retry). Nullable,
        // so the web application's Prisma client ignores them. No index: the duplicate check is
        // one scan per Add Plays dialog, and an index would cost every bulk enqueue.
        {10, "source path, content hash and permanent failures on the job",
         s({R"(ALTER TABLE "ParseJob" ADD COLUMN IF NOT EXISTS "sourcePath" TEXT)",
            R"(ALTER TABLE "ParseJob" ADD COLUMN IF NOT EXISTS "contentHash" TEXT)",
            R"(ALTER TABLE "ParseJob" ADD COLUMN IF NOT EXISTS "failurePermanent" BOOLEAN)"}),
         s({R"(ALTER TABLE "ParseJob" ADD COLUMN "sourcePath" TEXT)",
            R"(ALTER TABLE "ParseJob" ADD COLUMN "contentHash" TEXT)",
            R"(ALTER TABLE "ParseJob" ADD COLUMN "failurePermanent" BOOLEAN)"})},
        // Review of playbooks: the job table's *Needs review* badge and filter read the
        // confidence and the count of serious quality warnings beside each playbook (never its
        // document); an editor's corrections are revisions of it, the parser's original kept.
        // Playbooks stored before this version get their confidence from their document and no
        // warning count (judged by the confidence alone).
        {11, "playbook review: confidence, warnings, revisions",
         s({R"(ALTER TABLE "CallboardPlaybook" ADD COLUMN IF NOT EXISTS "confidence" DOUBLE PRECISION)",
            R"(ALTER TABLE "CallboardPlaybook" ADD COLUMN IF NOT EXISTS "warnings" INTEGER)",
            // Through json: the column is jsonb until migration 14 and json after it.
            R"(UPDATE "CallboardPlaybook" SET "confidence" = (CAST("document" AS json)->'meta'->>'confidence')::double precision
               WHERE json_typeof(CAST("document" AS json)->'meta'->'confidence') = 'number')",
            R"(CREATE TABLE IF NOT EXISTS "CallboardPlaybookRevision" (
                "playbookId" TEXT NOT NULL REFERENCES "CallboardPlaybook"("id") ON DELETE CASCADE ON UPDATE CASCADE,
                "revision" INTEGER NOT NULL,
                "document" JSONB NOT NULL,
                "correction" JSONB NOT NULL,
                "actor" TEXT NOT NULL,
                "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
                CONSTRAINT "CallboardPlaybookRevision_pkey" PRIMARY KEY ("playbookId", "revision")))"}),
         s({R"(ALTER TABLE "CallboardPlaybook" ADD COLUMN "confidence" REAL)",
            R"(ALTER TABLE "CallboardPlaybook" ADD COLUMN "warnings" INTEGER)",
            R"(UPDATE "CallboardPlaybook" SET "confidence" = json_extract("document", '$.meta.confidence')
               WHERE json_type("document", '$.meta.confidence') IN ('real', 'integer'))",
            R"(CREATE TABLE IF NOT EXISTS "CallboardPlaybookRevision" (
                "playbookId" TEXT NOT NULL REFERENCES "CallboardPlaybook"("id") ON DELETE CASCADE ON UPDATE CASCADE,
                "revision" INTEGER NOT NULL,
                "document" TEXT NOT NULL,
                "correction" TEXT NOT NULL,
                "actor" TEXT NOT NULL,
                "createdAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                PRIMARY KEY ("playbookId", "revision")))"})},
        // A play's text and its playbook are 100–300 kB each and go to TOAST compressed. pglz
        // cost the server more CPU than the parser spent on the play (a 2-core machine drained
        // at half speed); lz4 is several times cheaper at about the same size. Only where the
        // server was built with lz4 (PostgreSQL 14 or later): elsewhere nothing changes. Rows
        // already stored keep their compression until rewritten. Nothing to do on SQLite.
        {12, "lz4 compression for play texts and playbooks",
         {lz4Compression({{"ParseJob", "rawText"}, {"CallboardPlaybook", "document"},
                          {"CallboardPlaybookRevision", "document"}, {"CallboardChunkResult", "ops"}})},
         {}},
        // Until this version a pool's batched completion on PostgreSQL stored its playbooks
        // without their confidence, so the job table's Needs review badge stayed blank for
        // them. Those get it from their document, as migration 11 gave older ones. SQLite's
        // completions always stored it.
        {13, "confidence of playbooks a pool completed on PostgreSQL",
         s({R"(UPDATE "CallboardPlaybook" SET "confidence" = (CAST("document" AS json)->'meta'->>'confidence')::double precision
               WHERE "confidence" IS NULL AND json_typeof(CAST("document" AS json)->'meta'->'confidence') = 'number')"}),
         {}},
        // Playbooks are written once and read whole; nothing looks inside them in SQL. As jsonb
        // the server rebuilt each document into its binary form on the way in, a third of its
        // work in a drain of real plays; json only checks the text. A new type forgets the
        // column's compression, so lz4 (migration 12) is set again.
        {14, "playbook documents stored as json",
         s({R"(ALTER TABLE "CallboardPlaybook" ALTER COLUMN "document" TYPE json USING CAST("document" AS json))",
            R"(ALTER TABLE "CallboardPlaybookRevision" ALTER COLUMN "document" TYPE json USING CAST("document" AS json))"})
             << lz4Compression({{"CallboardPlaybook", "document"}, {"CallboardPlaybookRevision", "document"}}),
         {}},
    };
    return list;
}

bool exec(QSqlQuery &query, const QString &sql, QString *error)
{
    if (query.exec(sql))
        return true;
    *error = query.lastError().text();
    return false;
}

/// Whether a statement failed for want of a right rather than for a broken schema: the
/// PostgreSQL class 42501 (insufficient_privilege, also "must be owner of table"), or SQLite's
/// SQLITE_READONLY (8) and its extended codes.
bool isPermissionError(const QSqlError &error, bool postgres)
{
    const QString code = error.nativeErrorCode();
    if (postgres)
        return code == QLatin1String("42501");
    return (code.toInt() & 0xff) == 8;
}

bool tableExists(QSqlDatabase db, const QString &table, QString *error)
{
    QSqlQuery query(db);
    // to_regclass resolves through the search_path like the unqualified statements do.
    const QString sql = Database::isPostgres(db)
        ? QStringLiteral("SELECT to_regclass(quote_ident(:t)) IS NOT NULL")
        : QStringLiteral("SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = :t");
    if (!execOneShot(query, sql, {{QStringLiteral(":t"), table}}) || !query.next()) {
        *error = query.lastError().text();
        return false;
    }
    return query.value(0).toBool();
}

bool ensureMigrationTable(QSqlQuery &query, bool postgres, QString *error)
{
    const QString sql = postgres
        ? QStringLiteral(R"(CREATE TABLE IF NOT EXISTS "_CallboardMigration" ("version" INTEGER
              PRIMARY KEY, "name" TEXT NOT NULL, "appliedAt" TIMESTAMP(3) NOT NULL DEFAULT
              CURRENT_TIMESTAMP))")
        : QStringLiteral(R"(CREATE TABLE IF NOT EXISTS "_CallboardMigration" ("version" INTEGER
              PRIMARY KEY, "name" TEXT NOT NULL, "appliedAt" TEXT NOT NULL DEFAULT
              (strftime('%Y-%m-%dT%H:%M:%fZ','now'))))");
    return exec(query, sql, error);
}

/// The columns that make a table of one of Callboard's names Callboard's (or the web
/// application's, whose Prisma schema migration 1 reproduces): the seed's columns.
const QList<std::pair<QString, QStringList>> &ownTables()
{
    static const QList<std::pair<QString, QStringList>> tables{
        {QStringLiteral("ParseJob"),
         {QStringLiteral("id"), QStringLiteral("type"), QStringLiteral("priority"),
          QStringLiteral("status"), QStringLiteral("rawText"), QStringLiteral("filename"),
          QStringLiteral("config"), QStringLiteral("playbookId"), QStringLiteral("retryCount"),
          QStringLiteral("maxRetries"), QStringLiteral("checkpoints"),
          QStringLiteral("currentState"), QStringLiteral("totalChunks"),
          QStringLiteral("completedChunks"), QStringLiteral("progress"),
          QStringLiteral("lastError"), QStringLiteral("failureReason"),
          QStringLiteral("workerId"), QStringLiteral("lockedAt"), QStringLiteral("lockExpiry"),
          QStringLiteral("createdAt"), QStringLiteral("startedAt"),
          QStringLiteral("completedAt"), QStringLiteral("updatedAt")}},
        {QStringLiteral("JobEvent"),
         {QStringLiteral("id"), QStringLiteral("jobId"), QStringLiteral("event"),
          QStringLiteral("details"), QStringLiteral("createdAt")}},
        {QStringLiteral("CallboardPlaybook"),
         {QStringLiteral("id"), QStringLiteral("jobId"), QStringLiteral("title"),
          QStringLiteral("document"), QStringLiteral("createdAt")}},
    };
    return tables;
}

QStringList columnsOf(QSqlDatabase db, const QString &table, QString *error)
{
    QSqlQuery query(db);
    const QString sql = Database::isPostgres(db)
        ? QStringLiteral("SELECT attname FROM pg_attribute WHERE attrelid = "
                         "to_regclass(quote_ident(:t)) AND attnum > 0 AND NOT attisdropped")
        : QStringLiteral("SELECT name FROM pragma_table_info(:t)");
    QStringList columns;
    if (!execOneShot(query, sql, {{QStringLiteral(":t"), table}})) {
        *error = query.lastError().text();
        return columns;
    }
    while (query.next())
        columns << query.value(0).toString();
    return columns;
}

bool run(QSqlDatabase db, const QStringList &statements, QString *error)
{
    QSqlQuery query(db);
    for (const QString &statement : statements) {
        if (!exec(query, statement, error))
            return false;
    }
    return true;
}

bool moveOrCreatePlaybookTable(QSqlDatabase db, bool postgres, int fromVersion, QString *error)
{
    QString failure;
    const bool exists = tableExists(db, QStringLiteral("CallboardPlaybook"), &failure);
    if (!failure.isEmpty()) {
        *error = failure;
        return false;
    }
    if (exists)
        return true;
    // Only a database that an older Callboard migrated past version 3 has Callboard's
    // "Playbook"; its columns say so too. Any other "Playbook" belongs to someone else.
    bool ours = false;
    if (fromVersion >= 3) {
        const QStringList columns = columnsOf(db, QStringLiteral("Playbook"), &failure);
        if (!failure.isEmpty()) {
            *error = failure;
            return false;
        }
        ours = true;
        for (const char *column : {"id", "jobId", "title", "characterCount", "actCount",
                                   "sceneCount", "speechCount", "document", "createdAt"})
            ours = ours && columns.contains(QString::fromLatin1(column));
    }
    if (ours) {
        qCInfo(lcDb) << "moving Callboard's playbooks from \"Playbook\" to \"CallboardPlaybook\"";
        return run(db,
                   postgres
                       ? s({R"(ALTER TABLE "Playbook" RENAME TO "CallboardPlaybook")",
                            R"(ALTER INDEX IF EXISTS "Playbook_pkey" RENAME TO "CallboardPlaybook_pkey")",
                            R"(ALTER INDEX IF EXISTS "Playbook_jobId_idx"
                               RENAME TO "CallboardPlaybook_jobId_idx")"})
                       : s({R"(ALTER TABLE "Playbook" RENAME TO "CallboardPlaybook")",
                            R"(DROP INDEX IF EXISTS "Playbook_jobId_idx")",
                            R"(CREATE INDEX "CallboardPlaybook_jobId_idx"
                               ON "CallboardPlaybook"("jobId"))"}),
                   error);
    }
    return run(db,
               postgres
                   ? s({R"(CREATE TABLE "CallboardPlaybook" (
                            "id" TEXT NOT NULL,
                            "jobId" TEXT,
                            "title" TEXT,
                            "characterCount" INTEGER NOT NULL DEFAULT 0,
                            "actCount" INTEGER NOT NULL DEFAULT 0,
                            "sceneCount" INTEGER NOT NULL DEFAULT 0,
                            "speechCount" INTEGER NOT NULL DEFAULT 0,
                            "document" JSONB NOT NULL,
                            "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
                            CONSTRAINT "CallboardPlaybook_pkey" PRIMARY KEY ("id")))",
                        R"(CREATE INDEX "CallboardPlaybook_jobId_idx"
                           ON "CallboardPlaybook"("jobId"))"})
                   : s({R"(CREATE TABLE "CallboardPlaybook" (
                            "id" TEXT NOT NULL PRIMARY KEY,
                            "jobId" TEXT,
                            "title" TEXT,
                            "characterCount" INTEGER NOT NULL DEFAULT 0,
                            "actCount" INTEGER NOT NULL DEFAULT 0,
                            "sceneCount" INTEGER NOT NULL DEFAULT 0,
                            "speechCount" INTEGER NOT NULL DEFAULT 0,
                            "document" TEXT NOT NULL,
                            "createdAt" TEXT NOT NULL
                                DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))))",
                        R"(CREATE INDEX "CallboardPlaybook_jobId_idx"
                           ON "CallboardPlaybook"("jobId"))"}),
               error);
}

} // namespace

int latestVersion()
{
    return migrations().constLast().version;
}

namespace {

int readVersion(QSqlDatabase db, QString *error)
{
    // Reading the version writes nothing, so a role that may only read and write rows (and a
    // read-only SQLite file) can run every command on an up-to-date schema.
    QString failure;
    const bool exists = tableExists(db, QStringLiteral("_CallboardMigration"), &failure);
    if (!failure.isEmpty()) {
        *error = failure;
        return -1;
    }
    if (!exists)
        return 0;
    QSqlQuery query(db);
    if (!exec(query, QStringLiteral(R"(SELECT COALESCE(MAX("version"), 0) FROM "_CallboardMigration")"),
              error)
        || !query.next())
        return -1;
    return query.value(0).toInt();
}

/// Sets *kind to Schema when the database is someone else's (Database: it could not be read).
bool checkOwner(QSqlDatabase db, QString *error, Error::Kind *kind)
{
    QString failure;
    if (tableExists(db, QStringLiteral("_CallboardMigration"), &failure))
        return true;
    if (!failure.isEmpty()) {
        *error = failure;
        return false;
    }
    if (!Database::isPostgres(db)) {
        // A SQLite file is one application's: only an empty one may become Callboard's.
        QSqlQuery query(db);
        if (!exec(query, QStringLiteral("SELECT name FROM sqlite_master WHERE type IN ('table', "
                                        "'view') AND name NOT LIKE 'sqlite!_%' ESCAPE '!' "
                                        "ORDER BY name"),
                  error))
            return false;
        QStringList tables;
        while (query.next())
            tables << QLatin1Char('"') + query.value(0).toString() + QLatin1Char('"');
        if (tables.isEmpty())
            return true;
        *kind = Error::Kind::Schema;
        *error = Tr::tr("not a Callboard database (it holds %1): Callboard leaves it as it is; "
                        "choose another file")
                     .arg(tables.mid(0, 5).join(QStringLiteral(", "))
                          + (tables.size() > 5 ? QStringLiteral(", …") : QString()));
        return false;
    }
    // A PostgreSQL database may be shared with the web application (DESIGN.md "Data model"):
    // its other tables are not ours to judge, but a table with one of our names must be the
    // seed's, or the migrations would ALTER someone else's table.
    for (const auto &[table, required] : ownTables()) {
        const QStringList columns = columnsOf(db, table, &failure);
        if (!failure.isEmpty()) {
            *error = failure;
            return false;
        }
        if (columns.isEmpty())
            continue;
        for (const QString &column : required) {
            if (!columns.contains(column)) {
                *kind = Error::Kind::Schema;
                *error = Tr::tr("The table \"%1\" in database %2 is not Callboard's (it "
                                "has no column \"%3\"): Callboard leaves it as it is; "
                                        "use another database")
                             .arg(table, db.databaseName(), column);
                return false;
            }
        }
    }
    return true;
}

/// Sets *kind to Schema for a database this build may not or cannot migrate.
bool runMigrations(QSqlDatabase db, QString *error, Error::Kind *kind, QStringList *applied,
                   int targetVersion)
{
    const bool postgres = Database::isPostgres(db);
    int version = readVersion(db, error);
    if (version < 0)
        return false;
    if (version > latestVersion()) {
        *kind = Error::Kind::Schema;
        *error = Tr::tr("The database schema is version %1, newer than this Callboard "
                        "understands (%2): upgrade Callboard")
                     .arg(version)
                     .arg(latestVersion());
        return false;
    }
    const int target = targetVersion > 0 ? targetVersion : latestVersion();
    if (version >= target)
        return true;
    if (version == 0 && !checkOwner(db, error, kind))
        return false;

    QSqlQuery query(db);
    // Says which right is missing instead of the bare driver text, since the fix (run migrate
    // once as the schema's owner) is not where the error shows.
    auto refused = [&](const QSqlError &sqlError) {
        if (!isPermissionError(sqlError, postgres))
            return false;
        const QString detail = sqlError.databaseText().section(QLatin1Char('\n'), 0, 0).trimmed();
        *kind = Error::Kind::Schema;
        *error = postgres
            ? Tr::tr("The database schema is at version %1 and needs migrating to %2, "
                     "but user '%3' may not change the schema (%4): run `callboard "
                             "migrate` once as the owner of the tables, with the CREATE right "
                             "on the schema")
                  .arg(version)
                  .arg(target)
                  .arg(db.userName(), detail)
            : Tr::tr("The database schema is at version %1 and needs migrating to %2, "
                     "but the SQLite file %3 is read-only (%4): run `callboard migrate` "
                             "once with write access to the file and its folder")
                  .arg(version)
                  .arg(target)
                  .arg(db.databaseName(), detail);
        return true;
    };
    if (version == 0 && !ensureMigrationTable(query, postgres, error)) {
        refused(query.lastError());
        return false;
    }
    for (const Migration &migration : migrations()) {
        if (migration.version <= version)
            continue;
        if (migration.version > target)
            break;
        auto fail = [&](const QString &what) {
            const QSqlError sqlError = query.lastError();
            *error = Tr::tr("Migration %1 (%2) failed: %3")
                         .arg(migration.version)
                         .arg(QString::fromUtf8(migration.name), what);
            refused(sqlError);
            query.exec(QStringLiteral("ROLLBACK"));
            return false;
        };
        const MigrationStep step = stepOf(migration.version);
        const QString record =
            QStringLiteral(R"(INSERT INTO "_CallboardMigration" ("version", "name") VALUES (%1, '%2'))")
                .arg(migration.version)
                .arg(QString::fromUtf8(migration.name).replace(QLatin1Char('\''), QLatin1String("''")));
        if (postgres) {
            // Each of these strings is one round trip (PostgreSQL's simple query protocol runs
            // them in order and stops at the first error): a database on another host paid one
            // per statement, 18 s for a new database at a 100 ms round trip.
            // Two processes may start at once: the loser waits for the lock, then sees the
            // version moved.
            if (!exec(query, QStringLiteral("BEGIN; SELECT pg_advisory_xact_lock(74201)"), error))
                return fail(*error);
            // The table exists by now: one statement, not readVersion's check and read.
            if (!exec(query,
                      QStringLiteral(
                          R"(SELECT COALESCE(MAX("version"), 0) FROM "_CallboardMigration")"),
                      error)
                || !query.next())
                return fail(query.lastError().text());
            if (query.value(0).toInt() >= migration.version) {
                query.exec(QStringLiteral("COMMIT"));
                continue;
            }
            QStringList batch = migration.postgres;
            if (!step)
                batch << record << QStringLiteral("COMMIT");
            if (!batch.isEmpty() && !exec(query, batch.join(QStringLiteral(";\n")), error))
                return fail(*error);
            if (step) {
                if (!step(db, postgres, version, error))
                    return fail(*error);
                if (!exec(query, record + QStringLiteral("; COMMIT"), error))
                    return fail(*error);
            }
        } else {
            if (!exec(query, QStringLiteral("BEGIN IMMEDIATE"), error)) {
                refused(query.lastError());
                return false;
            }
            QString check;
            if (readVersion(db, &check) >= migration.version) {
                query.exec(QStringLiteral("COMMIT"));
                continue;
            }
            for (const QString &statement : migration.sqlite) {
                if (!exec(query, statement, error))
                    return fail(*error);
            }
            if (step && !step(db, postgres, version, error))
                return fail(*error);
            if (!exec(query, record, error) || !exec(query, QStringLiteral("COMMIT"), error))
                return fail(*error);
        }
        qCDebug(lcDb) << "applied migration" << migration.version << migration.name;
        if (applied)
            applied->append(QStringLiteral("%1 %2").arg(migration.version).arg(
                QString::fromUtf8(migration.name)));
    }
    return true;
}

} // namespace

Expected<int> currentVersion(QSqlDatabase db)
{
    QString error;
    const int version = readVersion(db, &error);
    if (version < 0)
        return Error(Error::Kind::Database, error);
    return version;
}

Expected<void> checkOwnership(QSqlDatabase db)
{
    QString error;
    Error::Kind kind = Error::Kind::Database;
    if (!checkOwner(db, &error, &kind))
        return Error(kind, error);
    return {};
}

Expected<void> migrate(QSqlDatabase db, QStringList *applied, int targetVersion)
{
    QString error;
    Error::Kind kind = Error::Kind::Database;
    if (!runMigrations(db, &error, &kind, applied, targetVersion))
        return Error(kind, error);
    return {};
}

} // namespace Engine::Migrations

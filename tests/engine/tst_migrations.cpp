#include "engine/database.h"
#include "engine/jobqueue.h"
#include "engine/migrations.h"
#include "testdatabase.h"

#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QRegularExpression>
#include <QTest>

using namespace Engine;

class TestMigrations final : public QObject
{
    Q_OBJECT

private slots:
    void migrateIsIdempotent_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }
    void migrateIsIdempotent();
    void olderDatabaseIsMigrated_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }
    void olderDatabaseIsMigrated();
    void newerDatabaseIsRefused_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }
    void newerDatabaseIsRefused();
    void postgresSchemaMatchesPrisma();
    void sqliteRejectsUnknownStatus();
    void readingTheVersionWritesNothing_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }
    void readingTheVersionWritesNothing();
    void webApplicationTablesAreAdopted();
    void foreignTableIsRefused_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }
    void foreignTableIsRefused();
    void foreignPlaybookTableIsLeftAlone_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }
    void foreignPlaybookTableIsLeftAlone();
    void oldPlaybookTableIsMoved_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }
    void oldPlaybookTableIsMoved();
    void missingConfidenceIsFilledIn();
    void playbooksBecomeJsonAndKeepLz4();

private:
    static bool hasMigrationTable(const TestDatabase &test);
    static bool hasTable(const TestDatabase &test, const QString &table);
    static bool emptyDatabase(TestDatabase &test, int keepVersion);
};

bool TestMigrations::hasTable(const TestDatabase &test, const QString &table)
{
    QSqlQuery query(test.db());
    query.prepare(test.isPostgres()
                      ? QStringLiteral("SELECT to_regclass(quote_ident(:t)) IS NOT NULL")
                      : QStringLiteral("SELECT COUNT(*) > 0 FROM sqlite_master "
                                       "WHERE type = 'table' AND name = :t"));
    query.bindValue(QStringLiteral(":t"), table);
    return query.exec() && query.next() && query.value(0).toBool();
}

// Drops every table and type of Callboard's, then migrates up to keepVersion (none for 0).
bool TestMigrations::emptyDatabase(TestDatabase &test, int keepVersion)
{
    QSqlQuery sql(test.db());
    for (const char *statement : {R"(DROP TABLE "_CallboardMigration")",
                                  R"(DROP TABLE "CallboardPlaybookRevision")", R"(DROP TABLE "CallboardPlaybook")",
                                  R"(DROP TABLE "CallboardWorker")",
                                  R"(DROP TABLE "CallboardChunkResult")", R"(DROP TABLE "JobEvent")",
                                  R"(DROP TABLE "ParseJob")"}) {
        if (!sql.exec(QString::fromLatin1(statement)))
            return false;
    }
    if (test.isPostgres() && !sql.exec(QStringLiteral(R"(DROP TYPE "JobStatus"; DROP TYPE "JobType")")))
        return false;
    return keepVersion == 0 || Migrations::migrate(test.db(), nullptr, keepVersion).ok();
}

bool TestMigrations::hasMigrationTable(const TestDatabase &test)
{
    QSqlQuery query(test.db());
    query.exec(test.isPostgres()
                   ? QStringLiteral(R"(SELECT to_regclass('"_CallboardMigration"') IS NOT NULL)")
                   : QStringLiteral("SELECT COUNT(*) > 0 FROM sqlite_master "
                                    "WHERE name = '_CallboardMigration'"));
    return query.next() && query.value(0).toBool();
}

// A role without the CREATE right, or a read-only file, must be able to ask.
void TestMigrations::readingTheVersionWritesNothing()
{
    OPEN_TEST_DATABASE(test);
    QVERIFY(QSqlQuery(test.db()).exec(QStringLiteral(R"(DROP TABLE "_CallboardMigration")")));
    QCOMPARE(*Migrations::currentVersion(test.db()), 0);
    QVERIFY(!hasMigrationTable(test));
}

// The web application's Prisma schema (seed tables, no migrations table) is Callboard's to
// migrate: both share one database.
void TestMigrations::webApplicationTablesAreAdopted()
{
    TestDatabase test(QStringLiteral("postgres"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    QSqlQuery sql(test.db());
    for (const char *statement : {R"(DROP TABLE "_CallboardMigration")", R"(DROP TABLE "CallboardPlaybookRevision")", R"(DROP TABLE "CallboardPlaybook")",
                                  R"(CREATE TABLE "ParsingSession" ("id" TEXT PRIMARY KEY))"})
        QVERIFY2(sql.exec(QString::fromLatin1(statement)), statement);
    QStringList applied;
    QVERIFY_OK(Migrations::migrate(test.db(), &applied));
    QCOMPARE(applied.size(), Migrations::latestVersion());
    QCOMPARE(*Migrations::currentVersion(test.db()), Migrations::latestVersion());
}

// A table with Callboard's name but not its columns is someone else's: refused, not altered.
void TestMigrations::foreignTableIsRefused()
{
    OPEN_TEST_DATABASE(test);
    QSqlQuery sql(test.db());
    for (const char *statement : {R"(DROP TABLE "_CallboardMigration")", R"(DROP TABLE "CallboardPlaybookRevision")", R"(DROP TABLE "CallboardPlaybook")",
                                  R"(DROP TABLE "CallboardChunkResult")",
                                  R"(DROP TABLE "JobEvent")", R"(DROP TABLE "ParseJob")",
                                  R"(CREATE TABLE "ParseJob" ("id" INTEGER PRIMARY KEY, "title" TEXT))"})
        QVERIFY2(sql.exec(QString::fromLatin1(statement)), statement);
    QVERIFY(!Migrations::checkOwnership(test.db()));
    const auto migrated = Migrations::migrate(test.db());
    QVERIFY(!migrated);
    const QString error = migrated.error().message;
    QVERIFY2(error.contains(QStringLiteral("not Callboard's"))
                 || error.contains(QStringLiteral("not a Callboard database")),
             qPrintable(error));
    QVERIFY(!hasMigrationTable(test));
    QVERIFY(sql.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob" WHERE "title" IS NULL)")));
    // Qualified: SQLite reads an unknown bare "name" as a string.
    QVERIFY(!sql.exec(QStringLiteral(R"(SELECT "ParseJob"."runAfter" FROM "ParseJob")")));
}

// The web application's own "Playbook" (other columns, its rows) is there first: Callboard
// migrates beside it, keeps its playbooks in "CallboardPlaybook" and never touches the other.
void TestMigrations::foreignPlaybookTableIsLeftAlone()
{
    OPEN_TEST_DATABASE(test);
    // On PostgreSQL a database the web application made (nothing of Callboard's yet); a SQLite
    // file is Callboard's alone, so there the foreign table arrives at version 2.
    QVERIFY(emptyDatabase(test, test.isPostgres() ? 0 : 2));
    QSqlQuery sql(test.db());
    QVERIFY2(sql.exec(QStringLiteral(R"(CREATE TABLE "Playbook" ("id" TEXT PRIMARY KEY,
        "name" TEXT NOT NULL, "ownerId" TEXT NOT NULL, "public" BOOLEAN NOT NULL))")),
             qPrintable(sql.lastError().text()));
    QVERIFY(sql.exec(QStringLiteral(R"(INSERT INTO "Playbook" VALUES ('pb-1', 'Hamlet', 'u-1',
        TRUE))")));
    QStringList applied;
    QVERIFY_OK(Migrations::migrate(test.db(), &applied));
    QVERIFY(!applied.filter(QRegularExpression(QStringLiteral("^8 "))).isEmpty());
    QVERIFY(hasTable(test, QStringLiteral("CallboardPlaybook")));

    JobQueue queue(test.db());
    EnqueueInput input;
    input.filename = QStringLiteral("hamlet.txt");
    input.rawText = QByteArrayLiteral("HAMLET. Who is there?\n");
    const QString id = queue.enqueue(input);
    QVERIFY(queue.claimNext(QStringLiteral("w-1")));
    QVERIFY(queue.complete(id, QStringLiteral("w-1"),
                           {{QStringLiteral("title"), QStringLiteral("Hamlet")}}));
    const auto playbook = queue.playbook(id);
    QVERIFY(playbook);
    QCOMPARE(playbook->title, QStringLiteral("Hamlet"));

    // The foreign table: the same columns, the same single row.
    QVERIFY(sql.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardPlaybook")")));
    QVERIFY(sql.next());
    QCOMPARE(sql.value(0).toInt(), 1);
    QVERIFY(sql.exec(QStringLiteral(R"(SELECT "id", "name", "ownerId", COUNT(*) OVER ()
        FROM "Playbook")")));
    QVERIFY(sql.next());
    QCOMPARE(sql.value(0).toString(), QStringLiteral("pb-1"));
    QCOMPARE(sql.value(1).toString(), QStringLiteral("Hamlet"));
    QCOMPARE(sql.value(3).toInt(), 1);
    QSqlQuery columns(test.db());
    QVERIFY(columns.exec(test.isPostgres()
                             ? QStringLiteral("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = 'Playbook' ORDER BY ordinal_position")
                             : QStringLiteral("SELECT name FROM pragma_table_info('Playbook')")));
    QStringList names;
    while (columns.next())
        names << columns.value(0).toString();
    QCOMPARE(names, (QStringList{QStringLiteral("id"), QStringLiteral("name"),
                                 QStringLiteral("ownerId"), QStringLiteral("public")}));
    // And a second migrate, as every command does on open, still leaves it be.
    applied.clear();
    QVERIFY_OK(Migrations::migrate(test.db(), &applied));
    QVERIFY(applied.isEmpty());
}

// A database an older Callboard left at version 6, with its playbooks in "Playbook": they move to
// "CallboardPlaybook", and the jobs still find them.
void TestMigrations::oldPlaybookTableIsMoved()
{
    OPEN_TEST_DATABASE(test);
    QVERIFY(emptyDatabase(test, 2));
    QSqlQuery sql(test.db());
    // Migration 3 as it was.
    const QStringList old = test.isPostgres()
        ? QStringList{QStringLiteral(R"(CREATE TABLE IF NOT EXISTS "Playbook" (
                "id" TEXT NOT NULL, "jobId" TEXT, "title" TEXT,
                "characterCount" INTEGER NOT NULL DEFAULT 0, "actCount" INTEGER NOT NULL DEFAULT 0,
                "sceneCount" INTEGER NOT NULL DEFAULT 0, "speechCount" INTEGER NOT NULL DEFAULT 0,
                "document" JSONB NOT NULL,
                "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
                CONSTRAINT "Playbook_pkey" PRIMARY KEY ("id")))"),
                      QStringLiteral(R"(CREATE INDEX IF NOT EXISTS "Playbook_jobId_idx" ON "Playbook"("jobId"))")}
        : QStringList{QStringLiteral(R"(CREATE TABLE IF NOT EXISTS "Playbook" (
                "id" TEXT NOT NULL PRIMARY KEY, "jobId" TEXT, "title" TEXT,
                "characterCount" INTEGER NOT NULL DEFAULT 0, "actCount" INTEGER NOT NULL DEFAULT 0,
                "sceneCount" INTEGER NOT NULL DEFAULT 0, "speechCount" INTEGER NOT NULL DEFAULT 0,
                "document" TEXT NOT NULL,
                "createdAt" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))))"),
                      QStringLiteral(R"(CREATE INDEX IF NOT EXISTS "Playbook_jobId_idx" ON "Playbook"("jobId"))")};
    for (const QString &statement : old)
        QVERIFY2(sql.exec(statement), qPrintable(sql.lastError().text()));
    QVERIFY(sql.exec(QStringLiteral(R"(INSERT INTO "_CallboardMigration" ("version", "name")
        VALUES (3, 'Playbook table'))")));
    QVERIFY_OK(Migrations::migrate(test.db(), nullptr, 6));
    QCOMPARE(*Migrations::currentVersion(test.db()), 6);
    QVERIFY(!hasTable(test, QStringLiteral("CallboardPlaybook")));

    QVERIFY(sql.exec(QStringLiteral(R"(INSERT INTO "ParseJob" ("id", "status", "rawText",
        "filename", "playbookId", "updatedAt") VALUES ('old-job', 'completed', 'A. Hi.', 'old.txt',
        'pb-old', '2026-01-01T00:00:00.000Z'))")));
    QVERIFY(sql.exec(QStringLiteral(R"(INSERT INTO "Playbook" ("id", "jobId", "title",
        "speechCount", "document") VALUES ('pb-old', 'old-job', 'Old Play', 12,
        '{"title":"Old Play"}'), ('pb-other', 'gone-job', 'Other', 1, '{"title":"Other"}'))")));

    QStringList applied;
    QVERIFY_OK(Migrations::migrate(test.db(), &applied));
    QVERIFY(!applied.filter(QRegularExpression(QStringLiteral("^8 "))).isEmpty());
    QVERIFY(!hasTable(test, QStringLiteral("Playbook")));
    QVERIFY(sql.exec(QStringLiteral(R"(SELECT "id", "title", "speechCount" FROM "CallboardPlaybook"
        ORDER BY "id")")));
    QVERIFY(sql.next());
    QCOMPARE(sql.value(0).toString(), QStringLiteral("pb-old"));
    QCOMPARE(sql.value(2).toInt(), 12);
    QVERIFY(sql.next());
    QCOMPARE(sql.value(0).toString(), QStringLiteral("pb-other"));
    QVERIFY(!sql.next());
    JobQueue queue(test.db());
    const auto playbook = queue.playbook(QStringLiteral("old-job"));
    QVERIFY(playbook);
    QCOMPARE(playbook->document.value(QStringLiteral("title")).toString(), QStringLiteral("Old Play"));
    // Its index came along under the new name.
    QVERIFY(sql.exec(test.isPostgres()
                         ? QStringLiteral("SELECT COUNT(*) FROM pg_indexes WHERE indexname = "
                                          "'CallboardPlaybook_jobId_idx'")
                         : QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name = "
                                          "'CallboardPlaybook_jobId_idx'")));
    QVERIFY(sql.next());
    QCOMPARE(sql.value(0).toInt(), 1);
}

void TestMigrations::missingConfidenceIsFilledIn()
{
    // Playbooks a pool completed on PostgreSQL before version 13 have no confidence column
    // value: the badge reads it, so migration 13 takes it from the document.
    TestDatabase test(QStringLiteral("postgres"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    QVERIFY(emptyDatabase(test, 12));
    QSqlQuery sql(test.db());
    QVERIFY2(sql.exec(QStringLiteral(R"(INSERT INTO "CallboardPlaybook" ("id", "jobId", "title",
        "document", "confidence") VALUES
        ('pb-blank', NULL, 'Blank', '{"meta":{"confidence":0.62}}', NULL),
        ('pb-judged', NULL, 'Judged', '{"meta":{"confidence":0.62}}', 0.9),
        ('pb-none', NULL, 'None', '{"title":"None"}', NULL))")),
             qPrintable(sql.lastError().text()));
    QVERIFY_OK(Migrations::migrate(test.db()));
    QVERIFY(sql.exec(QStringLiteral(
        R"(SELECT "id", "confidence" FROM "CallboardPlaybook" ORDER BY "id")")));
    QVERIFY(sql.next());
    QCOMPARE(sql.value(0).toString(), QStringLiteral("pb-blank"));
    QCOMPARE(sql.value(1).toDouble(), 0.62);
    QVERIFY(sql.next());
    QCOMPARE(sql.value(1).toDouble(), 0.9); // judged when stored: kept
    QVERIFY(sql.next());
    QVERIFY(sql.value(1).isNull()); // nothing to take it from
}

void TestMigrations::playbooksBecomeJsonAndKeepLz4()
{
    // Migration 14 turns the jsonb documents into json. The new type must not cost the column
    // its lz4 (a type change resets it to the server's default, pglz).
    TestDatabase test(QStringLiteral("postgres"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    QVERIFY(emptyDatabase(test, 13));
    QSqlQuery sql(test.db());
    const QString document = QStringLiteral(R"({"title":"Old","meta":{"confidence":0.5},"acts":[]})");
    QVERIFY2(sql.exec(QStringLiteral(R"(INSERT INTO "CallboardPlaybook" ("id", "title", "document")
        VALUES ('pb-old', 'Old', '%1'))").arg(document)), qPrintable(sql.lastError().text()));
    QVERIFY(sql.exec(QStringLiteral(R"(INSERT INTO "CallboardPlaybookRevision" ("playbookId",
        "revision", "document", "correction", "actor") VALUES ('pb-old', 1, '%1', '{}', 'ed'))")
                         .arg(document)));
    QVERIFY_OK(Migrations::migrate(test.db()));
    QVERIFY(sql.exec(QStringLiteral(R"(SELECT EXISTS (SELECT 1 FROM pg_settings
        WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)))")));
    QVERIFY(sql.next());
    const bool lz4 = sql.value(0).toBool();
    for (const char *table : {"CallboardPlaybook", "CallboardPlaybookRevision"}) {
        QVERIFY(sql.exec(QStringLiteral(R"(SELECT atttypid::regtype::text, attcompression::text
            FROM pg_attribute WHERE attrelid = to_regclass('"%1"') AND attname = 'document')")
                             .arg(QLatin1String(table))));
        QVERIFY(sql.next());
        QCOMPARE(sql.value(0).toString(), QStringLiteral("json"));
        if (lz4)
            QCOMPARE(sql.value(1).toString(), QStringLiteral("l"));
        QVERIFY(sql.exec(QStringLiteral(R"(SELECT "document"->'meta'->>'confidence' FROM "%1")")
                             .arg(QLatin1String(table))));
        QVERIFY(sql.next());
        QCOMPARE(sql.value(0).toString(), QStringLiteral("0.5")); // the document came through
    }
}

void TestMigrations::migrateIsIdempotent()
{
    OPEN_TEST_DATABASE(test);
    QCOMPARE(*Migrations::currentVersion(test.db()), Migrations::latestVersion());
    QStringList applied;
    QVERIFY_OK(Migrations::migrate(test.db(), &applied));
    QVERIFY(applied.isEmpty());
    QSqlQuery count(test.db());
    QVERIFY(count.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "_CallboardMigration")")));
    QVERIFY(count.next());
    QCOMPARE(count.value(0).toInt(), Migrations::latestVersion());
}

void TestMigrations::olderDatabaseIsMigrated()
{
    QFETCH(QString, backend);
    // A database at version 1 (the seed's schema only), as an older Callboard left it.
    TestDatabase fresh(backend);
    QVERIFY2(fresh.isValid(), qPrintable(fresh.error()));
    QSqlQuery reset(fresh.db());
    for (const char *sql : {R"(DROP TABLE "CallboardPlaybookRevision")", R"(DROP TABLE "CallboardPlaybook")",
                            R"(DROP TABLE "CallboardChunkResult")", R"(DROP TABLE "CallboardWorker")",
                            R"(DROP TABLE "JobEvent")", R"(DROP TABLE "ParseJob")",
                            R"(DELETE FROM "_CallboardMigration")"})
        QVERIFY2(reset.exec(QString::fromLatin1(sql)), qPrintable(reset.lastError().text()));
    if (fresh.isPostgres())
        QVERIFY(reset.exec(QStringLiteral(R"(DROP TYPE "JobStatus"; DROP TYPE "JobType")")));
    QStringList applied;
    QVERIFY_OK(Migrations::migrate(fresh.db(), &applied, 1));
    QCOMPARE(applied.size(), 1);
    QCOMPARE(*Migrations::currentVersion(fresh.db()), 1);
    QVERIFY(reset.exec(QStringLiteral(R"(INSERT INTO "ParseJob" ("id", "rawText", "filename",
        "updatedAt") VALUES ('old-1', 'A. Hi.', 'old.txt', '2026-01-01T00:00:00.000Z'))")));

    applied.clear();
    QVERIFY_OK(Migrations::migrate(fresh.db(), &applied));
    QCOMPARE(applied.size(), Migrations::latestVersion() - 1);
    QVERIFY(reset.exec(QStringLiteral(R"(SELECT "filename", "runAfter", "controlRequest"
        FROM "ParseJob" WHERE "id" = 'old-1')")));
    QVERIFY(reset.next());
    QCOMPARE(reset.value(0).toString(), QStringLiteral("old.txt"));
    QVERIFY(reset.value(1).isNull());
    QVERIFY(reset.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardPlaybook")")));
}

void TestMigrations::newerDatabaseIsRefused()
{
    OPEN_TEST_DATABASE(test);
    QSqlQuery query(test.db());
    QVERIFY(query.exec(QStringLiteral(
        R"(INSERT INTO "_CallboardMigration" ("version", "name") VALUES (999, 'from the future'))")));
    const auto migrated = Migrations::migrate(test.db());
    QVERIFY(!migrated);
    const QString error = migrated.error().message;
    QVERIFY2(error.contains(QStringLiteral("newer")), qPrintable(error));
    QVERIFY(error.contains(QStringLiteral("999")));
}

void TestMigrations::postgresSchemaMatchesPrisma()
{
    TestDatabase test(QStringLiteral("postgres"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    struct Column { const char *name, *type; bool nullable; const char *defaultValue; };
    // What `prisma migrate` generates for the seed's ParseJob model.
    const QList<Column> seedColumns{
        {"id", "text", false, nullptr},
        {"type", "USER-DEFINED", false, "'PARSE_PLAY'::\"JobType\""},
        {"priority", "integer", false, "0"},
        {"status", "USER-DEFINED", false, "'queued'::\"JobStatus\""},
        {"rawText", "text", false, nullptr},
        {"filename", "text", false, nullptr},
        {"config", "jsonb", true, nullptr},
        {"playbookId", "text", true, nullptr},
        {"retryCount", "integer", false, "0"},
        {"maxRetries", "integer", false, "3"},
        {"checkpoints", "jsonb", false, "'[]'::jsonb"},
        {"currentState", "jsonb", true, nullptr},
        {"totalChunks", "integer", true, nullptr},
        {"completedChunks", "integer", false, "0"},
        {"progress", "double precision", false, "0"},
        {"lastError", "text", true, nullptr},
        {"failureReason", "text", true, nullptr},
        {"workerId", "text", true, nullptr},
        {"lockedAt", "timestamp without time zone", true, nullptr},
        {"lockExpiry", "timestamp without time zone", true, nullptr},
        {"createdAt", "timestamp without time zone", false, "CURRENT_TIMESTAMP"},
        {"startedAt", "timestamp without time zone", true, nullptr},
        {"completedAt", "timestamp without time zone", true, nullptr},
        {"updatedAt", "timestamp without time zone", false, nullptr},
    };
    QSqlQuery query(test.db());
    QVERIFY(query.prepare(QStringLiteral(
        R"(SELECT data_type, is_nullable, column_default, datetime_precision, udt_name
           FROM information_schema.columns
           WHERE table_name = 'ParseJob' AND column_name = :name)")));
    for (const Column &column : seedColumns) {
        query.bindValue(QStringLiteral(":name"), QString::fromLatin1(column.name));
        QVERIFY(query.exec());
        QVERIFY2(query.next(), column.name);
        QCOMPARE(query.value(0).toString(), QString::fromLatin1(column.type));
        QCOMPARE(query.value(1).toString(), column.nullable ? QStringLiteral("YES") : QStringLiteral("NO"));
        if (column.defaultValue)
            QCOMPARE(query.value(2).toString(), QString::fromLatin1(column.defaultValue));
        else
            QVERIFY2(query.value(2).isNull(), column.name);
        if (QByteArray(column.type).startsWith("timestamp"))
            QCOMPARE(query.value(3).toInt(), 3);
    }
    // Columns the engine adds are nullable or defaulted, so a Prisma client still inserts rows.
    QVERIFY(query.exec(QStringLiteral(
        R"(SELECT column_name FROM information_schema.columns WHERE table_name = 'ParseJob'
           AND is_nullable = 'NO' AND column_default IS NULL)")));
    QStringList required;
    while (query.next())
        required << query.value(0).toString();
    required.sort();
    QCOMPARE(required, (QStringList{"filename", "id", "rawText", "updatedAt"}));

    QVERIFY(query.exec(QStringLiteral(
        R"(SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
           WHERE t.typname = 'JobStatus' ORDER BY e.enumsortorder)")));
    QStringList labels;
    while (query.next())
        labels << query.value(0).toString();
    QCOMPARE(labels, (QStringList{"queued", "running", "paused", "retrying", "completed",
                                  "failed", "cancelled"}));
    QVERIFY(query.exec(QStringLiteral(
        R"(SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
           WHERE t.typname = 'JobType')")));
    QVERIFY(query.next());
    QCOMPARE(query.value(0).toString(), QStringLiteral("PARSE_PLAY"));

    QVERIFY(query.exec(QStringLiteral(
        R"(SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('ParseJob', 'JobEvent'))")));
    QHash<QString, QString> indexes;
    while (query.next())
        indexes.insert(query.value(0).toString(), query.value(1).toString());
    const QHash<QString, QString> seedIndexes{
        {"ParseJob_status_priority_createdAt_idx", R"(("status", priority, "createdAt"))"},
        {"ParseJob_workerId_idx", R"(("workerId"))"},
        {"ParseJob_playbookId_idx", R"(("playbookId"))"},
        {"JobEvent_jobId_createdAt_idx", R"(("jobId", "createdAt"))"}};
    for (auto it = seedIndexes.cbegin(); it != seedIndexes.cend(); ++it) {
        QVERIFY2(indexes.contains(it.key()), qPrintable(it.key()));
        QString definition = indexes.value(it.key());
        QString expected = it.value();
        QVERIFY2(definition.remove(QLatin1Char('"')).endsWith(expected.remove(QLatin1Char('"'))),
                 qPrintable(definition));
    }
    QVERIFY(indexes.contains(QStringLiteral("ParseJob_pkey")));
    QVERIFY(indexes.contains(QStringLiteral("ParseJob_claim_idx")));
}

void TestMigrations::sqliteRejectsUnknownStatus()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    QSqlQuery query(test.db());
    QVERIFY(!query.exec(QStringLiteral(R"(INSERT INTO "ParseJob" ("id", "status", "rawText",
        "filename", "updatedAt") VALUES ('x', 'done', 't', 'f', 'now'))")));
    QVERIFY(query.exec(QStringLiteral(R"(INSERT INTO "ParseJob" ("id", "status", "rawText",
        "filename", "updatedAt") VALUES ('x', 'paused', 't', 'f', 'now'))")));
}

QTEST_GUILESS_MAIN(TestMigrations)
#include "tst_migrations.moc"

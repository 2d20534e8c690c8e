// The command line as a user and a script see it: exit codes, stdout, stderr, --json shapes.
#include "clirunner.h"
#include "engine/jobqueue.h"
#include "engine/playbookcorrection.h"
#include "testdatabase.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

namespace {

using Result = CliResult;

const char kPlay[] = "THE TEST PLAY\n\nACT I.\n\nSCENE I. A room.\n\nHAMLET. Who is there?\n\n"
                     "HORATIO. A friend to this ground.\n\nHAMLET. Then stand and unfold "
                     "yourself.\n\nSCENE II. A hall.\n\nHORATIO. My lord, I came to see your "
                     "father's funeral.\n\nHAMLET. I pray thee, do not mock me.\n";

} // namespace

class TestCli final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    Result run(const QStringList &arguments, int timeoutMs = 60000)
    {
        return runCallboard(m_dir.path(), arguments, timeoutMs);
    }

    Result run(const TestDatabase &db, const QStringList &arguments, int timeoutMs = 60000)
    {
        return run(QStringList{QStringLiteral("--db"), db.urlString()} + arguments, timeoutMs);
    }

    QString writeFile(const QString &name, const QByteArray &bytes)
    {
        return writeTestFile(m_dir.path(), name, bytes);
    }

    static bool oneErrorLine(const Result &result)
    {
        return result.errLines().size() == 1;
    }

    static int scalar(const TestDatabase &db, const QString &sql)
    {
        QSqlQuery query(db.db());
        if (!query.exec(sql) || !query.next())
            return -1;
        return query.value(0).toInt();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFileInfo::exists(QStringLiteral(CALLBOARD_BINARY)), CALLBOARD_BINARY);
    }

    void versionAndHelp()
    {
        Result version = run({QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.startsWith(QStringLiteral("callboard ")));
        Result help = run({QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        for (const char *command : {"migrate", "enqueue", "worker", "list", "show", "pause",
                                    "resume", "cancel", "retry", "priority", "playbook", "parse",
                                    "stats", "import-legacy"})
            QVERIFY2(help.out.contains(QLatin1String(command)), command);
        Result commandHelp = run({QStringLiteral("enqueue"), QStringLiteral("--help")});
        QCOMPARE(commandHelp.exitCode, 0);
        QVERIFY(commandHelp.out.contains(QStringLiteral("--chunk-size")));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("unknown command") << QStringList{"frobnicate"};
        QTest::newRow("missing argument") << QStringList{"enqueue"};
        QTest::newRow("missing job") << QStringList{"show"};
        QTest::newRow("too many") << QStringList{"show", "a", "b"};
        QTest::newRow("bad number") << QStringList{"priority", "abcd", "high"};
        QTest::newRow("bad option value") << QStringList{"enqueue", "x.txt", "--priority", "x"};
        QTest::newRow("unknown option") << QStringList{"list", "--bogus"};
        QTest::newRow("bad status") << QStringList{"list", "--status", "sleeping"};
        QTest::newRow("bad log format") << QStringList{"--log-format", "xml", "list"};
        QTest::newRow("bad provider") << QStringList{"enqueue", "x.txt", "--provider", "magic"};
        QTest::newRow("bad workers") << QStringList{"worker", "--workers", "0"};
        QTest::newRow("bad seconds") << QStringList{"worker", "--lock-seconds", "-1"};
    }

    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        writeFile(QStringLiteral("x.txt"), kPlay);
        const Result result = run(QStringList{"--db", "sqlite:" + m_dir.filePath("usage.db")}
                                  + arguments);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(oneErrorLine(result), qPrintable(result.err));
        QVERIFY(result.out.isEmpty());
    }

    void connectionErrors()
    {
        // A closed port: bind one, note it, close it.
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        const quint16 port = server.serverPort();
        server.close();

        const Result badUrl = run({"--db", "mysql://user:hunter2secret@host/db", "list"});
        QCOMPARE(badUrl.exitCode, 1);
        QVERIFY2(oneErrorLine(badUrl), qPrintable(badUrl.err));
        QVERIFY(badUrl.err.contains("Unsupported database URL"));
        QVERIFY(!badUrl.err.contains("hunter2secret"));

        const Result malformed = run({"--db", "postgres://user:hunter2secret@[::1/db", "list"});
        QCOMPARE(malformed.exitCode, 1);
        QVERIFY2(oneErrorLine(malformed), qPrintable(malformed.err));
        QVERIFY(!malformed.err.contains("hunter2secret"));

        const QString closed = QStringLiteral("postgres://bob:hunter2secret@127.0.0.1:%1/queue")
                                   .arg(port);
        for (const QString &command : {QStringLiteral("list"), QStringLiteral("migrate"),
                                       QStringLiteral("worker")}) {
            const Result unreachable = run({"--db", closed, command, "--verbose"});
            QCOMPARE(unreachable.exitCode, 1);
            QVERIFY2(unreachable.err.contains("Cannot reach PostgreSQL"), qPrintable(unreachable.err));
            QVERIFY2(!unreachable.err.contains("hunter2secret"), qPrintable(unreachable.err));
            QVERIFY(!unreachable.out.contains("hunter2secret"));
        }
        const Result quiet = run({"--db", closed, "list"});
        QVERIFY2(oneErrorLine(quiet), qPrintable(quiet.err));

        QString error;
        const QString admin = TestDatabase::postgresAdminUrl(&error);
        QVERIFY2(!admin.isEmpty(), qPrintable(error));
        auto url = Engine::DatabaseUrl::parse(admin);
        QVERIFY(url);
        url->database = QStringLiteral("cbtest_no_such_database");
        const Result missing = run({"--db", url->toUrlString(), "stats"});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(oneErrorLine(missing), qPrintable(missing.err));
        QVERIFY2(missing.err.contains("does not exist"), qPrintable(missing.err));
    }

    void workflow_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }

    // enqueue → list → worker --drain → list/show/playbook/stats, as in the README.
    void workflow()
    {
        OPEN_TEST_DATABASE(db);
        const QString a = writeFile("first.txt", QByteArray("\xEF\xBB\xBF") + kPlay);
        const QString b = writeFile("second.txt", kPlay);

        Result migrate = run(db, {"migrate"});
        QCOMPARE(migrate.exitCode, 0);
        QVERIFY(migrate.out.contains("already up to date"));

        Result enqueue = run(db, {"enqueue", a, b, "--priority", "5", "--chunk-size", "3"});
        QCOMPARE(enqueue.exitCode, 0);
        const QStringList ids = enqueue.outLines();
        QCOMPARE(ids.size(), 2);
        // The byte order mark is not part of the play.
        QSqlQuery text(db.db());
        QVERIFY(text.exec(QStringLiteral(R"(SELECT "rawText", "config" FROM "ParseJob" WHERE "id" = '%1')")
                              .arg(ids.at(0))));
        QVERIFY(text.next());
        QVERIFY(text.value(0).toString().startsWith(QStringLiteral("THE TEST PLAY")));
        text.finish();

        Result list = run(db, {"list", "--json"});
        QCOMPARE(list.exitCode, 0);
        QJsonArray jobs = list.json().array();
        QCOMPARE(jobs.size(), 2);
        for (const QJsonValue &job : jobs) {
            QCOMPARE(job["status"].toString(), "queued");
            QCOMPARE(job["priority"].toInt(), 5);
            QCOMPARE(job["config"]["chunkSize"].toInt(), 3);
            for (const char *column : {"id", "filename", "retryCount", "maxRetries", "progress",
                                       "createdAt", "updatedAt", "lockExpiry", "workerId"})
                QVERIFY2(job.toObject().contains(QLatin1String(column)), column);
        }
        Result table = run(db, {"list"});
        QCOMPARE(table.exitCode, 0);
        QCOMPARE(table.outLines().size(), 3);
        QVERIFY(table.outLines().at(0).startsWith("ID"));

        Result worker = run(db, {"worker", "--drain", "--workers", "2"}, 120000);
        QCOMPARE(worker.exitCode, 0);

        list = run(db, {"list", "--status", "completed", "--json"});
        QCOMPARE(list.json().array().size(), 2);

        // A unique prefix is enough, as with git.
        Result show = run(db, {"show", ids.at(0).left(8), "--events", "--json"});
        QCOMPARE(show.exitCode, 0);
        const QJsonObject job = show.json().object();
        QCOMPARE(job["id"].toString(), ids.at(0));
        QCOMPARE(job["status"].toString(), "completed");
        QCOMPARE(job["progress"].toDouble(), 100.0);
        QVERIFY(!job["completedAt"].isNull());
        QStringList events;
        for (const QJsonValue &event : job["events"].toArray())
            events << event["event"].toString();
        QCOMPARE(events.first(), "enqueued");
        QCOMPARE(events.count("claimed"), 1);
        QCOMPARE(events.last(), "completed");

        Result human = run(db, {"show", ids.at(1), "--events"});
        QCOMPARE(human.exitCode, 0);
        QVERIFY(human.out.contains("completed"));
        QVERIFY(human.out.contains("enqueued"));

        Result playbook = run(db, {"playbook", ids.at(0), "--json"});
        QCOMPARE(playbook.exitCode, 0);
        QCOMPARE(playbook.json()["title"].toString(), "THE TEST PLAY");
        Result playbookText = run(db, {"playbook", ids.at(0)});
        QCOMPARE(playbookText.exitCode, 0);
        QVERIFY(playbookText.out.contains("HAMLET"));
        QVERIFY(playbookText.out.contains("SCENE II. A hall."));

        Result stats = run(db, {"stats", "--json"});
        QCOMPARE(stats.exitCode, 0);
        QCOMPARE(stats.json()["counts"]["completed"].toInt(), 2);
        QCOMPARE(stats.json()["total"].toInt(), 2);
        QCOMPARE(run(db, {"stats"}).exitCode, 0);
    }

    void enqueueFilesFrom_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }

    // More files than a command line holds: names on standard input or in a list file, after
    // the arguments, in order; names are taken whole (spaces kept), blank lines and CRs skipped.
    void enqueueFilesFrom()
    {
        OPEN_TEST_DATABASE(db);
        const QString argument = writeFile("argument.txt", kPlay);
        const QString spaced = writeFile(" spaced name .txt", kPlay);
        const QString third = writeFile("third.txt", QByteArray(kPlay) + "\nEXTRA. Line.\n");
        QVERIFY(!argument.isEmpty() && !spaced.isEmpty() && !third.isEmpty());
        const QByteArray list = QFile::encodeName(spaced) + "\r\n\n" + QFile::encodeName(third) + "\n";

        const Result fromStdin = runCallboard(m_dir.path(),
                                              {"--db", db.urlString(), "enqueue", argument,
                                               "--files-from", "-", "--json"},
                                              60000, {}, list);
        QCOMPARE(fromStdin.exitCode, 0);
        const QJsonArray jobs = fromStdin.json().array();
        QCOMPARE(jobs.size(), 3);
        QCOMPARE(jobs.at(0)["filename"].toString(), "argument.txt");
        QCOMPARE(jobs.at(1)["filename"].toString(), " spaced name .txt");
        QCOMPARE(jobs.at(2)["filename"].toString(), "third.txt");
        QCOMPARE(scalar(db, QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")), 3);
        QCOMPARE(scalar(db, QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob" WHERE "id" = '%1'
                                              AND "sourcePath" = '%2')")
                                .arg(jobs.at(2)["id"].toString(), third)),
                 1);

        // A list file, and a name in it that cannot be read: nothing from this call is queued.
        const QString listFile = writeFile("list.txt", QFile::encodeName(third) + "\n"
                                                           + QFile::encodeName(m_dir.filePath("gone.txt")));
        const Result missing = run(db, {"enqueue", "--files-from", listFile});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(oneErrorLine(missing), qPrintable(missing.err));
        QVERIFY2(missing.err.contains("gone.txt") && missing.err.contains("no such file"),
                 qPrintable(missing.err));
        QCOMPARE(scalar(db, QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")), 3);

        const Result listed = run(db, {"enqueue", "--files-from", listFile + QStringLiteral(".none")});
        QCOMPARE(listed.exitCode, 1);
        QVERIFY2(oneErrorLine(listed) && listed.err.contains("list.txt.none"), qPrintable(listed.err));

        const Result empty = runCallboard(m_dir.path(),
                                          {"--db", db.urlString(), "enqueue", "--files-from", "-"},
                                          60000, {}, "\n\n");
        QCOMPARE(empty.exitCode, 1);
        QVERIFY2(empty.err.contains("names no file"), qPrintable(empty.err));
        QCOMPARE(scalar(db, QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")), 3);
    }

    void enqueueRejects_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }

    void enqueueRejects()
    {
        OPEN_TEST_DATABASE(db);
        const QString good = writeFile("good.txt", kPlay);
        const QString latin1 = writeFile("latin1.txt", QByteArray("HAMLET. Gr\xFC\xDF Gott.\n"));
        const QString empty = writeFile("empty.txt", QByteArray("\xEF\xBB\xBF  \n"));

        Result bad = run(db, {"enqueue", good, latin1});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(oneErrorLine(bad), qPrintable(bad.err));
        QVERIFY(bad.err.contains("latin1.txt"));
        QVERIFY(bad.err.contains("UTF-8"));
        QCOMPARE(scalar(db, QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")), 0);

        Result blank = run(db, {"enqueue", empty});
        QCOMPARE(blank.exitCode, 1);
        QVERIFY(blank.err.contains("empty.txt"));

        Result missing = run(db, {"enqueue", good, m_dir.filePath("nope.txt")});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains("nope.txt"));
        QCOMPARE(scalar(db, QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")), 0);

        Result json = run(db, {"enqueue", good, "--json", "--max-retries", "1"});
        QCOMPARE(json.exitCode, 0);
        QCOMPARE(json.json().array().size(), 1);
        QCOMPARE(json.json().array().at(0)["filename"].toString(), "good.txt");
    }

    void control_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }

    void control()
    {
        OPEN_TEST_DATABASE(db);
        const QString play = writeFile("control.txt", kPlay);
        const QStringList ids = run(db, {"enqueue", play, play}).outLines();
        QCOMPARE(ids.size(), 2);
        auto status = [&](const QString &id) {
            return run(db, {"show", id, "--json"}).json()["status"].toString();
        };

        Result pause = run(db, {"pause", ids.at(0), ids.at(1)});
        QCOMPARE(pause.exitCode, 0);
        QCOMPARE(pause.outLines().size(), 2);
        QCOMPARE(status(ids.at(0)), "paused");
        QCOMPARE(run(db, {"resume", ids.at(0)}).exitCode, 0);
        QCOMPARE(status(ids.at(0)), "queued");
        QCOMPARE(run(db, {"cancel", ids.at(0)}).exitCode, 0);
        QCOMPARE(status(ids.at(0)), "cancelled");
        QCOMPARE(run(db, {"retry", ids.at(0)}).exitCode, 0);
        QCOMPARE(status(ids.at(0)), "queued");

        Result priority = run(db, {"priority", ids.at(0), "7"});
        QCOMPARE(priority.exitCode, 0);
        QCOMPARE(run(db, {"show", ids.at(0), "--json"}).json()["priority"].toInt(), 7);
        Result negative = run(db, {"priority", ids.at(0), "--", "-3"});
        QCOMPARE(negative.exitCode, 0);
        QCOMPARE(run(db, {"show", ids.at(0), "--json"}).json()["priority"].toInt(), -3);

        // Not allowed by the state machine: one line, exit 1, nothing changed.
        Result retry = run(db, {"retry", ids.at(0)});
        QCOMPARE(retry.exitCode, 1);
        QVERIFY2(oneErrorLine(retry), qPrintable(retry.err));
        QCOMPARE(status(ids.at(0)), "queued");

        // A missing id among good ones changes nothing.
        Result missing = run(db, {"cancel", ids.at(0), "00000000-0000-0000-0000-000000000000"});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(oneErrorLine(missing), qPrintable(missing.err));
        QVERIFY(missing.err.contains("No job with id 00000000-0000-0000-0000-000000000000"));
        QCOMPARE(status(ids.at(0)), "queued");
        for (const char *command : {"show", "playbook", "pause", "resume", "cancel", "retry"}) {
            Result notFound = run(db, {QLatin1String(command), "nosuchjob"});
            QCOMPARE(notFound.exitCode, 1);
            QVERIFY2(notFound.err.contains("No job with id nosuchjob"), qPrintable(notFound.err));
            QVERIFY(oneErrorLine(notFound));
        }
        Result noPlaybook = run(db, {"playbook", ids.at(1)});
        QCOMPARE(noPlaybook.exitCode, 1);
        QVERIFY(noPlaybook.err.contains("no playbook"));
    }

    void retryRefusesPermanentFailure_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }

    // A text that is not a play fails for good: `retry` says so in one line and leaves the job
    // failed; `restart` (start over) remains the way back.
    void retryRefusesPermanentFailure()
    {
        OPEN_TEST_DATABASE(db);
        const QString notes = writeFile("notes.txt", "Shopping list\n\nmilk, eggs and bread\n");
        const QString id = run(db, {"enqueue", notes}).outLines().value(0);
        QVERIFY(!id.isEmpty());
        QCOMPARE(run(db, {"worker", "--drain"}, 120000).exitCode, 0);
        const QJsonObject failed = run(db, {"show", id, "--json"}).json().object();
        QCOMPARE(failed["status"].toString(), "failed");
        QCOMPARE(failed["failurePermanent"].toBool(), true);

        Result retry = run(db, {"retry", id});
        QCOMPARE(retry.exitCode, 1);
        QVERIFY2(oneErrorLine(retry), qPrintable(retry.err));
        QVERIFY2(retry.err.contains("no retry can fix"), qPrintable(retry.err));
        QCOMPARE(run(db, {"show", id, "--json"}).json()["status"].toString(), "failed");
        QCOMPARE(run(db, {"restart", id}).exitCode, 0);
        QCOMPARE(run(db, {"show", id, "--json"}).json()["status"].toString(), "queued");
    }

    void showSaysWhatNeedsReview_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }

    // The window's Needs review badge and its serious warnings, headless: what an operator on
    // a worker machine sees of a parse.
    void showSaysWhatNeedsReview()
    {
        OPEN_TEST_DATABASE(db);
        const QString variants = writeFile(
            "variants.txt", "THE TEST PLAY\n\nACT I.\n\nSCENE I. A room.\n\nSHAWN KEOGH. Who is there?\n\n"
                            "PEGEEN. A friend to this ground.\n\nSHAWN KEOUGH. Then stand.\n\n"
                            "PEGEEN. Go on.\n\nSHAWN KEOUGH. I will.\n");
        const QString clean = writeFile("clean.txt", kPlay);
        const QString variantsId = run(db, {"enqueue", variants}).outLines().value(0);
        const QString cleanId = run(db, {"enqueue", clean}).outLines().value(0);
        QCOMPARE(run(db, {"worker", "--drain"}, 120000).exitCode, 0);

        const Result text = run(db, {"show", variantsId});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("needs review (confidence"), qPrintable(text.out));
        QVERIFY2(text.out.contains("spelling variants: SHAWN KEOGH / SHAWN KEOUGH"), qPrintable(text.out));
        const QJsonObject review = run(db, {"show", variantsId, "--json"}).json()["review"].toObject();
        QCOMPARE(review["needsReview"].toBool(), true);
        QCOMPARE(review["seriousWarnings"].toInt(), 1);
        QVERIFY(review["confidence"].isDouble());

        const QJsonObject cleanReview = run(db, {"show", cleanId, "--json"}).json()["review"].toObject();
        QCOMPARE(cleanReview["needsReview"].toBool(), false);
        QCOMPARE(cleanReview["seriousWarnings"].toInt(), 0);
        QVERIFY2(run(db, {"show", cleanId}).out.contains("review       ok ("),
                 qPrintable(run(db, {"show", cleanId}).out));
    }

    void parse_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }

    void parse()
    {
        OPEN_TEST_DATABASE(db);
        const QString play = writeFile("parse.txt", kPlay);
        Result json = run(db, {"parse", play, "--json", "--chunk-size", "4"});
        QCOMPARE(json.exitCode, 0);
        QCOMPARE(json.json()["title"].toString(), "THE TEST PLAY");
        QCOMPARE(json.json()["acts"].toArray().size(), 1);
        Result text = run(db, {"parse", play});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("Title: THE TEST PLAY"));
        QCOMPARE(scalar(db, QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob" WHERE "status" = 'completed')")), 2);

        const QString prose = writeFile("prose.txt", "Just some prose without any speakers.\n");
        Result failed = run(db, {"parse", prose});
        QCOMPARE(failed.exitCode, 1);
        QVERIFY2(oneErrorLine(failed), qPrintable(failed.err));
        QVERIFY(failed.err.contains("prose.txt"));
    }

    void jsonLogs()
    {
        TestDatabase db(QStringLiteral("sqlite"));
        QVERIFY2(db.isValid(), qPrintable(db.error()));
        Result worker = run(db, {"worker", "--drain", "--log-format", "json"});
        QCOMPARE(worker.exitCode, 0);
        QVERIFY(!worker.errLines().isEmpty());
        for (const QString &line : worker.errLines()) {
            const QJsonObject record = QJsonDocument::fromJson(line.toUtf8()).object();
            QVERIFY2(record.contains("level") && record.contains("category")
                         && record.contains("message"),
                     qPrintable(line));
        }
    }

    void legacyImport_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }

    // The web application's Prisma model of ParsingSession, with every optional column.
    void legacyImport()
    {
        OPEN_TEST_DATABASE(db);
        QSqlQuery sql(db.db());
        const QString ts = QLatin1String(db.isPostgres() ? "TIMESTAMP(3)" : "TEXT");
        const QString json = QLatin1String(db.isPostgres() ? "JSONB" : "TEXT");
        if (db.isPostgres())
            QVERIFY(sql.exec("CREATE TYPE \"ParsingStatus\" AS ENUM ('pending', 'warming', "
                             "'parsing', 'completed', 'failed', 'aborted')"));
        QVERIFY2(sql.exec(QStringLiteral(
                     R"(CREATE TABLE "ParsingSession" ("id" TEXT NOT NULL PRIMARY KEY,
                        "status" %1 NOT NULL DEFAULT 'pending', "filename" TEXT,
                        "rawText" TEXT, "metadata" %2, "currentState" %2, "error" TEXT,
                        "progress" DOUBLE PRECISION, "createdAt" %3 NOT NULL,
                        "updatedAt" %3 NOT NULL))")
                              .arg(QLatin1String(db.isPostgres() ? "\"ParsingStatus\"" : "TEXT"), json, ts)),
                 qPrintable(sql.lastError().text()));
        const QString play = QString::fromUtf8(kPlay);
        struct Row { const char *id, *status, *filename; bool text; const char *error; };
        const QList<Row> rows{{"clsess001", "pending", "a.txt", true, nullptr},
                              {"clsess002", "warming", "b.txt", true, nullptr},
                              {"clsess003", "parsing", "c.txt", true, nullptr},
                              {"clsess004", "completed", "d.txt", true, nullptr},
                              {"clsess005", "failed", "e.txt", true, "LLM timeout"},
                              {"clsess006", "aborted", nullptr, false, nullptr},
                              {"clsess007", "pending", "g.txt", false, nullptr}};
        for (const Row &row : rows) {
            sql.prepare(QStringLiteral(R"(INSERT INTO "ParsingSession" ("id", "status", "filename",
                "rawText", "metadata", "currentState", "error", "progress", "createdAt", "updatedAt")
                VALUES (:id, %1, :filename, :text, %2, %3, :error, 42, %4, %4))")
                            .arg(QLatin1String(db.isPostgres() ? "CAST(:status AS \"ParsingStatus\")" : ":status"),
                                 QLatin1String(db.isPostgres() ? "CAST(:meta AS jsonb)" : ":meta"),
                                 QLatin1String(db.isPostgres() ? "CAST(:state AS jsonb)" : ":state"),
                                 QLatin1String(db.isPostgres() ? "CAST(:at AS timestamp(3))" : ":at")));
            sql.bindValue(":id", QString::fromLatin1(row.id));
            sql.bindValue(":status", QString::fromLatin1(row.status));
            sql.bindValue(":filename", row.filename ? QVariant(QString::fromLatin1(row.filename))
                                                    : QVariant(QMetaType::fromType<QString>()));
            sql.bindValue(":text", row.text ? QVariant(play) : QVariant(QMetaType::fromType<QString>()));
            sql.bindValue(":meta", QStringLiteral(R"({"uploadedBy":"ann"})"));
            sql.bindValue(":state", QString::fromLatin1(row.status) == "parsing"
                                        ? QVariant(QStringLiteral(R"({"legacyChunk":3})"))
                                        : QVariant(QMetaType::fromType<QString>()));
            sql.bindValue(":error", row.error ? QVariant(QString::fromLatin1(row.error))
                                              : QVariant(QMetaType::fromType<QString>()));
            sql.bindValue(":at", QStringLiteral("2024-03-01T10:00:00.000Z"));
            QVERIFY2(sql.exec(), qPrintable(sql.lastError().text()));
        }
        const QString countJobs = QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")");

        Result dry = run(db, {"import-legacy", "--dry-run"});
        QCOMPARE(dry.exitCode, 0);
        QCOMPARE(dry.outLines().size(), 1 + 7 + 1); // header, one line per session, summary
        QVERIFY(dry.outLines().last().contains("dry run"));
        QCOMPARE(scalar(db, countJobs), 0);
        QCOMPARE(scalar(db, QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent")")), 0);

        Result real = run(db, {"import-legacy", "--json"});
        QCOMPARE(real.exitCode, 0);
        QCOMPARE(real.json()["imported"].toInt(), 7);
        QCOMPARE(real.json()["legacySessions"].toInt(), 7);
        QCOMPARE(scalar(db, countJobs), 7);
        QCOMPARE(scalar(db, QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "event" = 'imported')")), 7);

        auto job = [&](const char *id) {
            return run(db, {"show", QLatin1String(id), "--json"}).json().object();
        };
        QCOMPARE(job("clsess001")["status"].toString(), "queued");
        QCOMPARE(job("clsess002")["status"].toString(), "queued");
        QCOMPARE(job("clsess002")["startedAt"], QJsonValue(QJsonValue::Null));
        const QJsonObject parsing = job("clsess003");
        QCOMPARE(parsing["status"].toString(), "running");
        QVERIFY(QDateTime::fromString(parsing["lockExpiry"].toString(), Qt::ISODateWithMs)
                < QDateTime::currentDateTimeUtc().addSecs(1));
        QCOMPARE(parsing["createdAt"].toString(), "2024-03-01T10:00:00.000Z");
        QCOMPARE(job("clsess004")["status"].toString(), "completed");
        QVERIFY(!job("clsess004")["completedAt"].isNull());
        QCOMPARE(job("clsess005")["status"].toString(), "failed");
        QCOMPARE(job("clsess005")["failureReason"].toString(), "LLM timeout");
        QCOMPARE(job("clsess006")["status"].toString(), "cancelled");
        QCOMPARE(job("clsess006")["filename"].toString(), "legacy-clsess006.txt");
        const QJsonObject noText = job("clsess007");
        QCOMPARE(noText["status"].toString(), "failed");
        QVERIFY(noText["failureReason"].toString().contains("without its text"));
        const QJsonObject config = job("clsess001")["config"].toObject();
        QCOMPARE(config["legacy"]["metadata"]["uploadedBy"].toString(), "ann");

        QSqlQuery state(db.db());
        QVERIFY(state.exec(R"(SELECT "currentState", "rawText" FROM "ParseJob" WHERE "id" = 'clsess003')"));
        QVERIFY(state.next());
        QCOMPARE(QJsonDocument::fromJson(state.value(0).toString().toUtf8())["legacyChunk"].toInt(), 3);
        QCOMPARE(state.value(1).toString(), play);
        state.finish();

        // Idempotent: a second run copies nothing.
        Result again = run(db, {"import-legacy"});
        QCOMPARE(again.exitCode, 0);
        QVERIFY(again.outLines().last().contains("0 imported, 7 already present"));
        QCOMPARE(scalar(db, countJobs), 7);

        // The parsing session is resumed by an ordinary worker through the expired-lock reclaim.
        Result worker = run(db, {"worker", "--drain"}, 120000);
        QCOMPARE(worker.exitCode, 0);
        QCOMPARE(job("clsess003")["status"].toString(), "completed");
        QCOMPARE(job("clsess001")["status"].toString(), "completed");
    }

    void legacyImportMinimal_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }

    // An early version of the table: no text, no filename, no timestamps beyond createdAt.
    void legacyImportMinimal()
    {
        OPEN_TEST_DATABASE(db);
        Result none = run(db, {"import-legacy"});
        QCOMPARE(none.exitCode, 1);
        QVERIFY2(oneErrorLine(none), qPrintable(none.err));
        QVERIFY(none.err.contains("ParsingSession"));

        QSqlQuery sql(db.db());
        QVERIFY(sql.exec(QStringLiteral(R"(CREATE TABLE "ParsingSession" ("id" TEXT PRIMARY KEY,
                  "status" TEXT NOT NULL, "title" TEXT, "createdAt" %1))")
                             .arg(QLatin1String(db.isPostgres() ? "TIMESTAMP(3)" : "TEXT"))));
        QVERIFY(sql.exec(QStringLiteral(R"(INSERT INTO "ParsingSession" VALUES
                  ('m1', 'completed', 'Hamlet', NULL), ('m2', 'parsing', NULL, NULL),
                  ('m3', 'exploded', 'Odd', NULL))")));
        Result result = run(db, {"import-legacy"});
        QCOMPARE(result.exitCode, 0);
        QVERIFY(result.outLines().last().contains("3 legacy sessions: 3 imported"));
        auto job = [&](const char *id) {
            return run(db, {"show", QLatin1String(id), "--json"}).json().object();
        };
        QCOMPARE(job("m1")["status"].toString(), "completed");
        QCOMPARE(job("m1")["filename"].toString(), "Hamlet");
        QCOMPARE(job("m2")["status"].toString(), "failed"); // nothing to resume without text
        QCOMPARE(job("m3")["status"].toString(), "failed");
        QVERIFY(job("m3")["failureReason"].toString().contains("exploded"));
        QSqlQuery text(db.db());
        QVERIFY(text.exec(R"(SELECT "rawText" FROM "ParseJob" WHERE "id" = 'm1')"));
        QVERIFY(text.next());
        QCOMPARE(text.value(0).toString(), "(legacy session m1: no text stored)");
    }

    void playbookRevisions_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }
    // `playbook` prints the editor's latest revision; --original the parser's.
    void playbookRevisions()
    {
        OPEN_TEST_DATABASE(db);
        const QString file = writeFile(QStringLiteral("revisions.txt"), kPlay);
        Result parse = run(db, {"parse", file, "--json"});
        QCOMPARE(parse.exitCode, 0);
        const QJsonArray jobs = run(db, {"list", "--json"}).json().array();
        QCOMPARE(jobs.size(), 1);
        const QString id = jobs.at(0).toObject().value(QStringLiteral("id")).toString();
        {
            Engine::JobQueue queue(db.db());
            QCOMPARE(queue.correctPlaybook(id, Engine::PlaybookCorrection::rename(QStringLiteral("HAMLET"),
                                                                                    QStringLiteral("Hamlet")),
                                           QStringLiteral("editor")),
                     1);
        }
        const auto names = [](const QJsonObject &playbook) {
            QStringList out;
            for (const QJsonValue &c : playbook.value(QStringLiteral("characters")).toArray())
                out << c.toObject().value(QStringLiteral("name")).toString();
            return out;
        };
        Result latest = run(db, {"playbook", id, "--json"});
        QCOMPARE(latest.exitCode, 0);
        QVERIFY(names(latest.json().object()).contains(QStringLiteral("Hamlet")));
        QCOMPARE(latest.json().object().value(QStringLiteral("meta")).toObject().value(QStringLiteral("revision")).toInt(), 1);
        Result original = run(db, {"playbook", id, "--json", "--original"});
        QCOMPARE(original.exitCode, 0);
        QVERIFY(names(original.json().object()).contains(QStringLiteral("HAMLET")));
        QVERIFY(!names(original.json().object()).contains(QStringLiteral("Hamlet")));
        QCOMPARE(original.json().object(), parse.json().object());
        Result text = run(db, {"playbook", id});
        QVERIFY(text.out.contains("Revision 1"));
        QVERIFY(text.out.contains("Hamlet"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"

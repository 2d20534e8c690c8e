// The command line against hostile or unusual input (issue #10): least-privilege roles,
// absurd option values, other applications' databases, odd files, read-only files.
#include "clirunner.h"
#include "engine/database.h"
#include "engine/migrations.h"
#include "testdatabase.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QJsonArray>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <sys/stat.h>
#include <unistd.h>

namespace {

const char kPlay[] = "THE TEST PLAY\n\nACT I.\n\nSCENE I. A room.\n\nHAMLET. Who is there?\n\n"
                     "HORATIO. A friend to this ground.\n\nHAMLET. Then stand and unfold "
                     "yourself.\n";

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

/// A fresh PostgreSQL database on the test server that Callboard has never touched; dropped at
/// the end. The connection runs as the server's admin.
class EmptyPostgresDatabase final
{
public:
    EmptyPostgresDatabase()
    {
        QString error;
        const auto admin = Engine::DatabaseUrl::parse(TestDatabase::postgresAdminUrl(&error));
        if (!admin)
            return;
        m_admin = *admin;
        m_url = *admin;
        m_url.database = QStringLiteral("cbforeign_")
                         + QUuid::createUuid().toString(QUuid::Id128).left(12);
        {
            Engine::ScopedConnection connection(m_admin, QStringLiteral("foreign-admin"));
            QSqlQuery(connection.database()).exec(QStringLiteral("CREATE DATABASE ") + m_url.database);
        }
        if (const auto opened = Engine::Database::open(m_url, m_name))
            m_db = *opened;
    }
    ~EmptyPostgresDatabase()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
        Engine::ScopedConnection connection(m_admin, QStringLiteral("foreign-admin"));
        QSqlQuery(connection.database()).exec(QStringLiteral("DROP DATABASE ") + m_url.database);
    }
    QSqlDatabase db() const { return m_db; }
    QString urlString() const { return m_url.toUrlString(); }

private:
    QString m_name = Engine::Database::uniqueConnectionName(QStringLiteral("foreign"));
    Engine::DatabaseUrl m_admin;
    Engine::DatabaseUrl m_url;
    QSqlDatabase m_db;
};

QStringList rows(QSqlDatabase db, const QString &sql)
{
    QSqlQuery query(db);
    QStringList values;
    if (!query.exec(sql))
        return {QStringLiteral("error: ") + query.lastError().text()};
    while (query.next())
        values << query.value(0).toString();
    return values;
}

} // namespace

class TestCliAdversarial final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    CliResult run(const QStringList &arguments, int timeoutMs = 60000,
                  const QStringList &wrapper = {})
    {
        return runCallboard(m_dir.path(), arguments, timeoutMs, wrapper);
    }

    CliResult run(const TestDatabase &db, const QStringList &arguments, int timeoutMs = 60000)
    {
        return run(QStringList{QStringLiteral("--db"), db.urlString()} + arguments, timeoutMs);
    }

    QString writeFile(const QString &name, const QByteArray &bytes)
    {
        return writeTestFile(m_dir.path(), name, bytes);
    }

    /// Exit code, one line on stderr, nothing on stdout.
    static bool refusedCleanly(const CliResult &result, int exitCode)
    {
        return result.exitCode == exitCode && result.errLines().size() == 1 && result.out.isEmpty();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
    }

    // A role with only SELECT/INSERT/UPDATE/DELETE runs the reading commands on an up-to-date
    // schema; on an old one it is told which right it lacks, and nothing changes.
    void leastPrivilegeRole()
    {
        TestDatabase db(QStringLiteral("postgres"));
        QVERIFY2(db.isValid(), qPrintable(db.error()));
        const QString role = QStringLiteral("cbapp_") + QUuid::createUuid().toString(QUuid::Id128).left(8);
        QSqlQuery admin(db.db());
        QVERIFY2(admin.exec(QStringLiteral("CREATE ROLE %1 LOGIN").arg(role)),
                 qPrintable(admin.lastError().text()));
        QVERIFY(admin.exec(QStringLiteral("REVOKE CREATE ON SCHEMA public FROM PUBLIC")));
        QVERIFY(admin.exec(QStringLiteral("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN "
                                          "SCHEMA public TO %1").arg(role)));
        const QString id = run(db, {"enqueue", writeFile("play.txt", kPlay)}).out.trimmed();
        QVERIFY(!id.isEmpty());

        Engine::DatabaseUrl url = db.url();
        url.user = role;
        const QStringList asRole{"--db", url.toUrlString()};
        for (const QStringList &command : {QStringList{"list"}, QStringList{"stats"},
                                           QStringList{"show", id}}) {
            const CliResult result = run(asRole + command);
            QVERIFY2(result.exitCode == 0, qPrintable(command.join(' ') + ": " + result.err));
        }
        QVERIFY(run(asRole + QStringList{"list", "--json"}).out.contains(id));

        // Behind from migration 6 on (an index to create): the role may not apply it and is
        // told why.
        QVERIFY(admin.exec(QStringLiteral(R"(DELETE FROM "_CallboardMigration" WHERE "version" >= 6)")));
        QVERIFY(admin.exec(QStringLiteral(R"(DROP INDEX "ParseJob_runAfter_idx")")));
        const CliResult old = run(asRole + QStringList{"list"});
        QVERIFY2(refusedCleanly(old, 1), qPrintable(old.err));
        QVERIFY2(old.err.contains(role) && old.err.contains("may not change the schema")
                     && old.err.contains("callboard migrate"),
                 qPrintable(old.err));
        QCOMPARE(*Engine::Migrations::currentVersion(db.db()), 5);
        QCOMPARE(run(db, {"migrate"}).exitCode, 0);
        QCOMPARE(run(asRole + QStringList{"list"}).exitCode, 0);
        admin.exec(QStringLiteral("DROP OWNED BY %1").arg(role));
        admin.exec(QStringLiteral("DROP ROLE %1").arg(role));
    }

    void absurdOptionValues_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("lock 1e308") << QStringList{"worker", "--drain", "--lock-seconds", "1e308"};
        QTest::newRow("lock inf") << QStringList{"worker", "--drain", "--lock-seconds", "inf"};
        QTest::newRow("lock over a day") << QStringList{"worker", "--drain", "--lock-seconds", "86401"};
        QTest::newRow("lock 0.001") << QStringList{"worker", "--drain", "--lock-seconds", "0.001"};
        QTest::newRow("heartbeat 1e308")
            << QStringList{"worker", "--drain", "--heartbeat-seconds", "1e308"};
        QTest::newRow("shutdown 1e308")
            << QStringList{"worker", "--drain", "--shutdown-seconds", "1e308"};
        QTest::newRow("shutdown nan") << QStringList{"worker", "--drain", "--shutdown-seconds", "nan"};
        QTest::newRow("prefetch -1") << QStringList{"worker", "--drain", "--prefetch", "-1"};
        QTest::newRow("metrics port") << QStringList{"worker", "--drain", "--metrics-port", "70000"};
        QTest::newRow("window huge") << QStringList{"stats", "--window", "3000000000w"};
        QTest::newRow("window zero") << QStringList{"stats", "--window", "0s"};
        QTest::newRow("prune age huge")
            << QStringList{"prune", "--completed-older-than", "3000000000w"};
        QTest::newRow("prune batch 0")
            << QStringList{"prune", "--completed-older-than", "1d", "--batch-size", "0"};
        QTest::newRow("chunk size 0") << QStringList{"enqueue", "PLAY", "--chunk-size", "0"};
        QTest::newRow("retries 1e9") << QStringList{"enqueue", "PLAY", "--max-retries", "1000000000"};
        QTest::newRow("priority 2^40") << QStringList{"priority", "abcd1234", "1099511627776"};
    }

    // Each is a usage error (exit 2, one line) before anything touches the database.
    void absurdOptionValues()
    {
        QFETCH(QStringList, arguments);
        TestDatabase db(QStringLiteral("postgres"));
        QVERIFY2(db.isValid(), qPrintable(db.error()));
        arguments.replaceInStrings(QStringLiteral("PLAY"), writeFile("play.txt", kPlay));
        const CliResult result = run(db, arguments, 20000);
        QVERIFY2(refusedCleanly(result, 2), qPrintable(result.err));
        QSqlQuery events(db.db());
        QVERIFY(events.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent")")) && events.next());
        QCOMPARE(events.value(0).toInt(), 0);
    }

    void negativePriority()
    {
        TestDatabase db(QStringLiteral("sqlite"));
        QVERIFY2(db.isValid(), qPrintable(db.error()));
        const QString id = run(db, {"enqueue", writeFile("play.txt", kPlay)}).out.trimmed();
        const CliResult before = run(db, {"priority", id, "-5"});
        QVERIFY2(before.exitCode == 0, qPrintable(before.err));
        QCOMPARE(run(db, {"show", id, "--json"}).json()["priority"].toInt(), -5);
        // Options after the number, and a negative option value, still work.
        const CliResult after = run({"priority", id, "-7", "--db", db.urlString()});
        QVERIFY2(after.exitCode == 0, qPrintable(after.err));
        QCOMPARE(run(db, {"show", id, "--json"}).json()["priority"].toInt(), -7);
        const CliResult option = run(db, {"enqueue", "--priority", "-3", "--json",
                                          writeFile("other.txt", kPlay)});
        QVERIFY2(option.exitCode == 0, qPrintable(option.err));
        const QString other = option.json().array().at(0)["id"].toString();
        QCOMPARE(run(db, {"show", other, "--json"}).json()["priority"].toInt(), -3);
        QVERIFY(refusedCleanly(run(db, {"priority", id, "-1001"}), 2));
    }

    // Another application's SQLite file: refused, byte for byte unchanged, not switched to WAL.
    void foreignSqliteFile_data()
    {
        QTest::addColumn<QStringList>("schema");
        QTest::newRow("other tables") << QStringList{"CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
                                                     "INSERT INTO notes (body) VALUES ('keep me')"};
        QTest::newRow("a ParseJob of its own")
            << QStringList{R"(CREATE TABLE "ParseJob" ("id" INTEGER PRIMARY KEY, "title" TEXT))",
                           R"(INSERT INTO "ParseJob" ("title") VALUES ('not a job'))"};
    }

    void foreignSqliteFile()
    {
        QFETCH(QStringList, schema);
        const QString path = m_dir.filePath(QStringLiteral("foreign-%1.db").arg(QLatin1String(QTest::currentDataTag())));
        {
            const QString name = QStringLiteral("foreign-setup");
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(path);
            QVERIFY(db.open());
            for (const QString &sql : std::as_const(schema))
                QVERIFY2(QSqlQuery(db).exec(sql), qPrintable(sql));
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
        }
        const QByteArray before = fileHash(path);
        const QString play = writeFile("play.txt", kPlay);
        for (const QStringList &command : {QStringList{"list"}, QStringList{"migrate"},
                                           QStringList{"enqueue", play}, QStringList{"stats"}}) {
            const CliResult result = run(QStringList{"--db", "sqlite:" + path} + command);
            QVERIFY2(refusedCleanly(result, 1), qPrintable(command.join(' ') + ": " + result.err));
            QVERIFY2(result.err.contains("not a Callboard database"), qPrintable(result.err));
        }
        QCOMPARE(fileHash(path), before);
        QVERIFY(!QFileInfo::exists(path + "-wal"));
    }

    // On PostgreSQL, other tables may be the web application's, but a "ParseJob" that is not
    // the seed's is refused and left as it is.
    void foreignPostgresTable()
    {
        EmptyPostgresDatabase foreign;
        QVERIFY(foreign.db().isOpen());
        QSqlQuery sql(foreign.db());
        QVERIFY(sql.exec(QStringLiteral(R"(CREATE TABLE "ParseJob" ("id" SERIAL PRIMARY KEY, "title" TEXT))")));
        QVERIFY(sql.exec(QStringLiteral(R"(INSERT INTO "ParseJob" ("title") VALUES ('not a job'))")));
        const QString columns = QStringLiteral(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'ParseJob' "
            "ORDER BY ordinal_position");
        const QString tables = QStringLiteral(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "ORDER BY 1");
        const QStringList columnsBefore = rows(foreign.db(), columns);
        const QStringList tablesBefore = rows(foreign.db(), tables);
        for (const char *command : {"list", "migrate"}) {
            const CliResult result = run({"--db", foreign.urlString(), QLatin1String(command)});
            QVERIFY2(refusedCleanly(result, 1), qPrintable(result.err));
            QVERIFY2(result.err.contains("\"ParseJob\"") && result.err.contains("not Callboard's"),
                     qPrintable(result.err));
        }
        QCOMPARE(rows(foreign.db(), columns), columnsBefore);
        QCOMPARE(rows(foreign.db(), tables), tablesBefore);
        QCOMPARE(rows(foreign.db(), "SELECT typname FROM pg_type WHERE typname = 'JobStatus'"),
                 QStringList());
    }

    void postgresUrlNeedsDatabase()
    {
        QString error;
        auto url = Engine::DatabaseUrl::parse(TestDatabase::postgresAdminUrl(&error));
        QVERIFY(url);
        const QString withoutDatabase = QStringLiteral("postgres://%1@%2:%3")
                                            .arg(url->user, url->host).arg(url->port);
        const CliResult result = run({"--db", withoutDatabase, "list"});
        QVERIFY2(refusedCleanly(result, 1), qPrintable(result.err));
        QVERIFY(result.err.contains("names no database"));
    }

    void oddFiles()
    {
        TestDatabase db(QStringLiteral("sqlite"));
        QVERIFY2(db.isValid(), qPrintable(db.error()));
        const QString folder = m_dir.filePath("a-folder.txt");
        QVERIFY(QDir().mkpath(folder));
        CliResult result = run(db, {"enqueue", folder});
        QVERIFY2(refusedCleanly(result, 1), qPrintable(result.err));
        QVERIFY2(result.err.contains("is a directory"), qPrintable(result.err));

        // Nobody writes to this FIFO: opening it would block for ever.
        const QString fifo = m_dir.filePath("pipe.txt");
        QVERIFY(::mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
        result = run(db, {"enqueue", fifo}, 10000);
        QVERIFY2(refusedCleanly(result, 1), qPrintable(result.err));
        QVERIFY2(result.err.contains("is not a regular file"), qPrintable(result.err));
        result = run(db, {"parse", fifo}, 10000);
        QVERIFY2(refusedCleanly(result, 1), qPrintable(result.err));

        // A sparse 3 GB file is refused by its size, without reading it: in 1 GB of address
        // space the old whole-file read could not even allocate its buffer.
        const QString huge = m_dir.filePath("huge.txt");
        {
            QFile file(huge);
            QVERIFY(file.open(QIODevice::WriteOnly));
            QVERIFY(file.resize(3LL * 1024 * 1024 * 1024));
        }
        result = run(QStringList{"--db", db.urlString(), "enqueue", huge}, 30000,
                     {QStringLiteral("prlimit"), QStringLiteral("--as=1073741824"), QStringLiteral("--")});
        QVERIFY2(refusedCleanly(result, 1), qPrintable(result.err));
        QVERIFY2(result.err.contains("over the limit"), qPrintable(result.err));
        QFile::remove(huge);
        QCOMPARE(run(db, {"list", "--json"}).json().array().size(), 0);
    }

    // The queue's own file is no play: refused by name, never read (a read would drop the
    // process's SQLite locks on it).
    void queueFileIsNotAPlay()
    {
        TestDatabase db(QStringLiteral("sqlite"));
        QVERIFY2(db.isValid(), qPrintable(db.error()));
        for (const QString &suffix : {QString(), QStringLiteral("-wal")}) {
            const QString path = db.url().sqlitePath + suffix;
            if (!QFileInfo::exists(path))
                continue;
            const CliResult result = run(db, {"enqueue", path});
            QVERIFY2(refusedCleanly(result, 1), qPrintable(result.err));
            QVERIFY2(result.err.contains("queue database itself"), qPrintable(result.err));
        }
        QCOMPARE(run(db, {"list", "--json"}).json().array().size(), 0);
    }

    // A damaged embedded file: the worker says so and keeps a copy, and writes nothing.
    void damagedFileStopsTheWorker()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("queue.db"));
        const QString url = QStringLiteral("sqlite://") + path;
        const QString play = writeFile("tiny.txt", "HAMLET. To be.\nHORATIO. My lord.\n");
        for (int i = 0; i < 8; ++i)
            QCOMPARE(run({"--db", url, "enqueue", play, play, play, play, play}).exitCode, 0);
        {
            QFile file(path);
            QVERIFY(file.size() > 5 * 4096);
            QVERIFY(file.open(QIODevice::ReadWrite));
            QVERIFY(file.seek(2 * 4096));
            file.write(QByteArray(3 * 4096, char(0x5a)));
        }
        const CliResult result = run({"--db", url, "worker", "--drain"}, 30000);
        QVERIFY2(refusedCleanly(result, 1), qPrintable(result.err));
        QVERIFY2(result.err.contains("damaged"), qPrintable(result.err));
        const QStringList copies = QDir(dir.path()).entryList({QStringLiteral("queue.db.damaged-*")});
        QCOMPARE(copies.size(), 1);
        QVERIFY2(result.err.contains(copies.first()), qPrintable(result.err));
    }

    // The window on a machine without a display: one clear line and exit 1, not Qt's abort.
    void windowWithoutDisplaySaysSo()
    {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "CALLBOARD_DB"})
            env.remove(QLatin1String(name));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath("xdg"));
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(CALLBOARD_BINARY),
                      {QStringLiteral("--db"), QStringLiteral("sqlite://") + m_dir.filePath("gui.db")});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);  // no SIGABRT
        QCOMPARE(process.exitCode(), 1);
        const QStringList lines = QString::fromUtf8(process.readAllStandardError())
                                      .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines.first().contains("desktop session") && lines.first().contains("xvfb-run")
                     && lines.first().contains("--help"),
                 qPrintable(lines.first()));
    }

    // `callboard` without a command becomes the window's executable (the headless binary does
    // not link the window): same process, which opens its queue and stays up until told to go.
    void windowStartsThroughTheHeadlessBinary()
    {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("CALLBOARD_DB"));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath("xdg-window"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath("xdg-window-config"));
        process.setProcessEnvironment(env);
        const QString queue = m_dir.filePath("window.db");
        process.start(QStringLiteral(CALLBOARD_BINARY),
                      {QStringLiteral("--db"), QStringLiteral("sqlite://") + queue,
                       QStringLiteral("--workers"), QStringLiteral("0")});
        QVERIFY(process.waitForStarted());
        const QString exe = QStringLiteral("/proc/%1/exe").arg(process.processId());
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(exe).symLinkTarget().endsWith("/callboard-gui"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(queue).size() > 0, 20000);
        QCOMPARE(process.state(), QProcess::Running);
        process.terminate();
        QVERIFY(process.waitForFinished(20000));
    }

    // A file name with escape sequences reaches the terminal escaped, never raw.
    void controlCharactersInNames()
    {
        TestDatabase db(QStringLiteral("sqlite"));
        QVERIFY2(db.isValid(), qPrintable(db.error()));
        const QString name = QStringLiteral("evil\x1b[2J\x1b[31mred\x07\u202Etxt.txt");
        const QString path = writeFile(name, kPlay);
        QVERIFY(!path.isEmpty());
        const CliResult enqueue = run(db, {"enqueue", path});
        QCOMPARE(enqueue.exitCode, 0);
        const QString id = enqueue.out.trimmed();
        for (const CliResult &result : {run(db, {"list"}), run(db, {"show", id})}) {
            QCOMPARE(result.exitCode, 0);
            QVERIFY2(!result.out.contains(QChar(0x1b)) && !result.out.contains(QChar(0x07))
                         && !result.out.contains(QChar(0x202e)),
                     qPrintable(result.out));
            QVERIFY2(result.out.contains(QStringLiteral("evil\\x1b[2J\\x1b[31mred\\x07\\u202etxt.txt")),
                     qPrintable(result.out));
        }
        // JSON keeps the name as it is (escaped by JSON itself).
        QCOMPARE(run(db, {"show", id, "--json"}).json()["filename"].toString(), name);
        const CliResult missing = run(db, {"enqueue", m_dir.filePath("gone\x1b[31m.txt")});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(!missing.err.contains(QChar(0x1b)) && missing.err.contains("gone\\x1b[31m.txt"),
                 qPrintable(missing.err));
    }

    // list, show, playbook and stats read a SQLite file that this user may not write, in a
    // folder it may not write either; writing commands fail with one line; nothing changes.
    // Tests run as root, which ignores file modes, so the binary runs as "nobody" then.
    void readOnlySqliteFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString folder = dir.filePath("ro");
        QVERIFY(QDir().mkpath(folder));
        const QString path = folder + "/queue.db";
        const QStringList db{"--db", "sqlite:" + path};
        const CliResult parsed = run(db + QStringList{"parse", writeFile("play.txt", kPlay), "--json"});
        QVERIFY2(parsed.exitCode == 0, qPrintable(parsed.err));
        const QString id = run(db + QStringList{"list", "--json"}).json().array().at(0)["id"].toString();
        QVERIFY(!id.isEmpty());
        const QString queued = run(db + QStringList{"enqueue", writeFile("play.txt", kPlay)}).out.trimmed();
        QVERIFY(!queued.isEmpty());
        QVERIFY(!QFileInfo::exists(path + "-wal"));

        const QStringList asUser = ::geteuid() == 0
            ? QStringList{QStringLiteral("runuser"), QStringLiteral("-u"), QStringLiteral("nobody"), QStringLiteral("--")}
            : QStringList();
        const QFile::Permissions readable = QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther;
        const QFile::Permissions enterable = readable | QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther;
        QVERIFY(QFile::setPermissions(path, readable));
        QVERIFY(QFile::setPermissions(folder, enterable));
        QVERIFY(QFile::setPermissions(dir.path(), enterable | QFile::WriteOwner));
        const QByteArray before = fileHash(path);
        auto runAsUser = [&](const QStringList &arguments) {
            // The working folder must be one that user may enter.
            return runCallboard(folder, db + arguments, 60000, asUser);
        };
        for (const QStringList &command :
             {QStringList{"list"}, QStringList{"show", id, "--events"},
              QStringList{"playbook", id}, QStringList{"stats"}}) {
            const CliResult result = runAsUser(command);
            QVERIFY2(result.exitCode == 0, qPrintable(command.join(' ') + ": " + result.err));
        }
        QVERIFY(runAsUser({"list"}).out.contains(id.left(8)));
        const CliResult write = runAsUser({"priority", queued, "5"});
        QVERIFY2(refusedCleanly(write, 1), qPrintable(write.err));
        QVERIFY2(write.err.contains("readonly"), qPrintable(write.err));
        QCOMPARE(fileHash(path), before);
        QVERIFY(!QFileInfo::exists(path + "-wal"));
        QVERIFY(!QFileInfo::exists(path + "-shm"));
        QFile::setPermissions(folder, enterable | QFile::WriteOwner);
        QFile::setPermissions(path, readable | QFile::WriteOwner);
    }

    // parse runs its own job and leaves the rest of the queue to the workers.
    void parseRunsOnlyItsOwnJob()
    {
        TestDatabase db(QStringLiteral("postgres"));
        QVERIFY2(db.isValid(), qPrintable(db.error()));
        const QString play = writeFile("play.txt", kPlay);
        // Older and just as urgent as the parse's own job: a pool would take them first.
        const QStringList others = run(db, {"enqueue", play, play, play, "--priority", "1000"}).outLines();
        QCOMPARE(others.size(), 3);
        const CliResult parsed = run(db, {"parse", play, "--json"});
        QVERIFY2(parsed.exitCode == 0, qPrintable(parsed.err));
        QCOMPARE(parsed.json()["title"].toString(), "THE TEST PLAY");
        for (const QString &id : others) {
            const QJsonObject job = run(db, {"show", id, "--events", "--json"}).json().object();
            QCOMPARE(job["status"].toString(), "queued");
            QCOMPARE(job["events"].toArray().size(), 1); // only its creation
        }
        QCOMPARE(run(db, {"list", "--status", "completed", "--json"}).json().array().size(), 1);
    }

    void helpWarnsAboutPasswords()
    {
        const CliResult help = run({"--help"});
        QCOMPARE(help.exitCode, 0);
        for (const char *hint : {"/proc", "CALLBOARD_DB", "PGPASSWORD", "~/.pgpass"})
            QVERIFY2(help.out.contains(QLatin1String(hint)), hint);
    }
};

QTEST_GUILESS_MAIN(TestCliAdversarial)
#include "tst_cliadversarial.moc"

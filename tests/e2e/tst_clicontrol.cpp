// Job control through the real binary: restart, what `worker --drain` leaves and --wait, and the
// worker's defaults as the command line states and uses them.
#include "clirunner.h"
#include "testdatabase.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

namespace {

const char kPlay[] = "THE TEST PLAY\n\nACT I.\n\nSCENE I. A room.\n\nHAMLET. Who is there?\n\n"
                     "HORATIO. A friend to this ground.\n\nHAMLET. Then stand and unfold "
                     "yourself.\n\nSCENE II. A hall.\n\nHORATIO. My lord, I came to see your "
                     "father's funeral.\n\nHAMLET. I pray thee, do not mock me.\n";

} // namespace

class TestCliControl final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    CliResult run(const TestDatabase &db, const QStringList &arguments, int timeoutMs = 60000)
    {
        return runCallboard(m_dir.path(),
                            QStringList{QStringLiteral("--db"), db.urlString()} + arguments,
                            timeoutMs);
    }

    static bool sql(const TestDatabase &db, const QString &statement)
    {
        QSqlQuery query(db.db());
        if (query.exec(statement))
            return true;
        qWarning() << statement << query.lastError().text();
        return false;
    }

    /// now + seconds on the database clock, as an SQL expression.
    static QString inSeconds(const TestDatabase &db, double seconds)
    {
        return db.isPostgres()
                   ? QStringLiteral("(LOCALTIMESTAMP(3) + make_interval(secs => %1))").arg(seconds)
                   : QStringLiteral("strftime('%Y-%m-%dT%H:%M:%fZ','now','%1 seconds')")
                         .arg(seconds, 0, 'f', 3);
    }

    QJsonObject show(const TestDatabase &db, const QString &id)
    {
        const CliResult result = run(db, {QStringLiteral("show"), id, QStringLiteral("--events"),
                                          QStringLiteral("--json")});
        return result.json().object();
    }

    QString enqueue(const TestDatabase &db, const QString &name, const QStringList &options = {})
    {
        const QString path = writeTestFile(m_dir.path(), name, kPlay);
        const CliResult result = run(db, QStringList{QStringLiteral("enqueue"), path} + options);
        if (result.exitCode != 0) {
            qWarning() << result.err;
            return {};
        }
        return result.outLines().value(0);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFileInfo::exists(QStringLiteral(CALLBOARD_BINARY)), CALLBOARD_BINARY);
    }

    void restartStartsAJobOver_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }
    void restartStartsAJobOver()
    {
        OPEN_TEST_DATABASE(db);
        const QString id = enqueue(db, QStringLiteral("restart.txt"),
                                   {QStringLiteral("--chunk-size"), QStringLiteral("2")});
        QVERIFY(!id.isEmpty());
        // Progress written after every chunk, so that the chunk counts show which run it was.
        const QStringList worker0{QStringLiteral("worker"), QStringLiteral("--drain"),
                                  QStringLiteral("--progress-interval-ms"), QStringLiteral("0")};
        CliResult worker = run(db, worker0);
        QCOMPARE(worker.exitCode, 0);
        QJsonObject job = show(db, id);
        QCOMPARE(job.value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
        const QString firstPlaybook = job.value(QStringLiteral("playbookId")).toString();
        QVERIFY(!firstPlaybook.isEmpty());
        const int firstChunks = job.value(QStringLiteral("totalChunks")).toInt();
        QVERIFY(firstChunks > 1);

        const CliResult restart = run(db, {QStringLiteral("restart"), id.left(8),
                                           QStringLiteral("--chunk-size"), QStringLiteral("1000"),
                                           QStringLiteral("--provider"),
                                           QStringLiteral("heuristic")});
        QVERIFY2(restart.exitCode == 0, qPrintable(restart.err));
        QCOMPARE(restart.out, id + QStringLiteral(" restarted (queued)\n"));
        job = show(db, id);
        QCOMPARE(job.value(QStringLiteral("status")).toString(), QStringLiteral("queued"));
        QCOMPARE(job.value(QStringLiteral("progress")).toDouble(), 0.0);
        QCOMPARE(job.value(QStringLiteral("completedChunks")).toInt(), 0);
        QVERIFY(job.value(QStringLiteral("playbookId")).isNull());
        const QJsonObject config = job.value(QStringLiteral("config")).toObject();
        QCOMPARE(config.value(QStringLiteral("chunkSize")).toInt(), 1000);
        QCOMPARE(config.value(QStringLiteral("provider")).toString(), QStringLiteral("heuristic"));
        const QJsonObject event = job.value(QStringLiteral("events")).toArray().last().toObject();
        QCOMPARE(event.value(QStringLiteral("event")).toString(), QStringLiteral("restarted"));
        const QJsonObject details = event.value(QStringLiteral("details")).toObject();
        QCOMPARE(details.value(QStringLiteral("actor")).toString(), QStringLiteral("cli"));
        QCOMPARE(details.value(QStringLiteral("from")).toString(), QStringLiteral("completed"));
        QCOMPARE(details.value(QStringLiteral("changes")).toObject()
                     .value(QStringLiteral("chunkSize")).toObject()
                     .value(QStringLiteral("from")).toInt(), 2);

        // Parsed again from the first chunk, now in one chunk.
        worker = run(db, worker0);
        QCOMPARE(worker.exitCode, 0);
        job = show(db, id);
        QCOMPARE(job.value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
        QCOMPARE(job.value(QStringLiteral("totalChunks")).toInt(), 1);
        QVERIFY(job.value(QStringLiteral("playbookId")).toString() != firstPlaybook);
        const CliResult playbook = run(db, {QStringLiteral("playbook"), id, QStringLiteral("--json")});
        QCOMPARE(playbook.exitCode, 0);
        QCOMPARE(playbook.json().object().value(QStringLiteral("title")).toString(),
                 QStringLiteral("THE TEST PLAY"));
    }

    void enqueueStoresTheSourcePathAndRemoveDeletesFinishedJobs_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }
    void enqueueStoresTheSourcePathAndRemoveDeletesFinishedJobs()
    {
        OPEN_TEST_DATABASE(db);
        const QString keep = enqueue(db, QStringLiteral("keep.txt"));
        const QString drop = enqueue(db, QStringLiteral("drop.txt"));
        QVERIFY(!keep.isEmpty() && !drop.isEmpty());
        QJsonObject job = show(db, keep);
        QCOMPARE(job.value(QStringLiteral("sourcePath")).toString(),
                 QDir(m_dir.path()).absoluteFilePath(QStringLiteral("keep.txt")));
        const CliResult shown = run(db, {QStringLiteral("show"), keep});
        QVERIFY2(shown.out.contains(QStringLiteral("source")) && shown.out.contains(m_dir.path()),
                 qPrintable(shown.out));

        // Queued jobs are refused, all of them before any is removed.
        CliResult remove = run(db, {QStringLiteral("remove"), keep, drop});
        QCOMPARE(remove.exitCode, 1);
        QVERIFY2(remove.err.contains(QStringLiteral("is queued"))
                     && remove.err.contains(QStringLiteral("cancel")),
                 qPrintable(remove.err));
        QVERIFY(!show(db, keep).isEmpty());

        QCOMPARE(run(db, {QStringLiteral("worker"), QStringLiteral("--drain")}).exitCode, 0);
        const QString keepPlaybook = show(db, keep).value(QStringLiteral("playbookId")).toString();
        const QString dropPlaybook = show(db, drop).value(QStringLiteral("playbookId")).toString();
        QVERIFY(!keepPlaybook.isEmpty() && !dropPlaybook.isEmpty());
        auto playbooks = [&](const QString &id) {
            QSqlQuery query(db.db());
            query.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "CallboardPlaybook" WHERE "id" = '%1')")
                           .arg(id));
            return query.next() ? query.value(0).toInt() : -1;
        };

        remove = run(db, {QStringLiteral("remove"), keep.left(8)});
        QVERIFY2(remove.exitCode == 0, qPrintable(remove.err));
        QCOMPARE(remove.out, keep + QStringLiteral(" removed\n"));
        QCOMPARE(run(db, {QStringLiteral("show"), keep}).exitCode, 1);
        QCOMPARE(playbooks(keepPlaybook), 1);  // kept unless asked

        remove = run(db, {QStringLiteral("remove"), drop, QStringLiteral("--with-playbook")});
        QVERIFY2(remove.exitCode == 0, qPrintable(remove.err));
        QCOMPARE(remove.out, drop + QStringLiteral(" removed with its playbook\n"));
        QCOMPARE(playbooks(dropPlaybook), 0);
        QSqlQuery events(db.db());
        QVERIFY(events.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "JobEvent" WHERE "jobId" IN ('%1', '%2'))")
                                .arg(keep, drop)));
        QVERIFY(events.next());
        QCOMPARE(events.value(0).toInt(), 0);
        QCOMPARE(run(db, {QStringLiteral("remove")}).exitCode, 2);  // usage: no job named
    }

    void restartRefusesBadInputAndRunningJobs_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }
    void restartRefusesBadInputAndRunningJobs()
    {
        OPEN_TEST_DATABASE(db);
        const QString paused = enqueue(db, QStringLiteral("a.txt"));
        const QString running = enqueue(db, QStringLiteral("b.txt"));
        QVERIFY(!paused.isEmpty() && !running.isEmpty());
        QCOMPARE(run(db, {QStringLiteral("pause"), paused}).exitCode, 0);
        QVERIFY(sql(db, QStringLiteral(R"(UPDATE "ParseJob" SET "status" = 'running',
            "workerId" = 'elsewhere-1-0', "lockedAt" = %1, "lockExpiry" = %2 WHERE "id" = '%3')")
                            .arg(inSeconds(db, 0), inSeconds(db, 600), running)));

        const QList<std::pair<QStringList, int>> bad{
            {{QStringLiteral("restart"), paused, QStringLiteral("--chunk-size"), QStringLiteral("0")}, 2},
            {{QStringLiteral("restart"), paused, QStringLiteral("--chunk-size"), QStringLiteral("x")}, 2},
            {{QStringLiteral("restart"), paused, QStringLiteral("--provider"), QStringLiteral("gpt")}, 2},
            {{QStringLiteral("restart")}, 2},
            {{QStringLiteral("restart"), paused, QStringLiteral("nosuchjob")}, 1},
            // One running job among the ids: none is restarted.
            {{QStringLiteral("restart"), paused, running}, 1},
        };
        for (const auto &[arguments, code] : bad) {
            const CliResult result = run(db, arguments);
            QVERIFY2(result.exitCode == code, qPrintable(arguments.join(u' ') + u' ' + result.err));
            QVERIFY2(result.errLines().size() == 1, qPrintable(result.err));
            QVERIFY(result.out.isEmpty());
        }
        const CliResult refused = run(db, {QStringLiteral("restart"), paused, running});
        QVERIFY2(refused.err.contains(QStringLiteral("is running (worker elsewhere-1-0)")),
                 qPrintable(refused.err));
        QVERIFY2(refused.err.contains(QStringLiteral("pause or cancel it first")),
                 qPrintable(refused.err));
        QCOMPARE(show(db, paused).value(QStringLiteral("status")).toString(), QStringLiteral("paused"));
        QCOMPARE(show(db, running).value(QStringLiteral("status")).toString(), QStringLiteral("running"));
        for (const QString &id : {paused, running}) {
            for (const QJsonValue &event : show(db, id).value(QStringLiteral("events")).toArray())
                QVERIFY(event.toObject().value(QStringLiteral("event")).toString()
                        != QLatin1String("restarted"));
        }

        const CliResult help = runCallboard(m_dir.path(), {QStringLiteral("--help")});
        QVERIFY(help.out.contains(QStringLiteral("restart JOB...")));
        const CliResult restartHelp = runCallboard(m_dir.path(), {QStringLiteral("restart"),
                                                                  QStringLiteral("--help")});
        QCOMPARE(restartHelp.exitCode, 0);
        QVERIFY(restartHelp.out.contains(QStringLiteral("--chunk-size N")));
        QVERIFY(restartHelp.out.contains(QStringLiteral("--provider P")));
        QVERIFY(restartHelp.out.contains(QStringLiteral("pause or cancel")));
    }

    void drainSaysWhatItLeftAndWaitWorksIt_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }
    void drainSaysWhatItLeftAndWaitWorksIt()
    {
        OPEN_TEST_DATABASE(db);
        const QString held = enqueue(db, QStringLiteral("held.txt"));
        const QString retrying = enqueue(db, QStringLiteral("retrying.txt"));
        const QString ready = enqueue(db, QStringLiteral("ready.txt"));
        QVERIFY(!held.isEmpty() && !retrying.isEmpty() && !ready.isEmpty());
        // A crashed worker's job whose lock has not expired yet, and a retry due in a few
        // seconds.
        QVERIFY(sql(db, QStringLiteral(R"(UPDATE "ParseJob" SET "status" = 'running',
            "workerId" = 'crashed-4242-0', "lockedAt" = %1, "lockExpiry" = %2 WHERE "id" = '%3')")
                            .arg(inSeconds(db, 0), inSeconds(db, 4), held)));
        QVERIFY(sql(db, QStringLiteral(R"(UPDATE "ParseJob" SET "status" = 'retrying',
            "retryCount" = 1, "runAfter" = %1 WHERE "id" = '%2')")
                            .arg(inSeconds(db, 3), retrying)));

        QElapsedTimer timer;
        timer.start();
        const CliResult drain = run(db, {QStringLiteral("worker"), QStringLiteral("--drain")});
        QVERIFY2(drain.exitCode == 0, qPrintable(drain.err));
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(show(db, ready).value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
        QCOMPARE(show(db, held).value(QStringLiteral("status")).toString(), QStringLiteral("running"));
        QStringList left;
        for (const QString &line : drain.errLines()) {
            if (line.contains(QStringLiteral("queue drained; left:")))
                left << line;
        }
        QVERIFY2(left.size() == 1, qPrintable(drain.err));
        const QString line = left.constFirst();
        QVERIFY2(line.contains(QStringLiteral("1 running under other workers' locks")), qPrintable(line));
        QVERIFY2(line.contains(held.left(8) + QStringLiteral(" held.txt held by crashed-4242-0 until ")),
                 qPrintable(line));
        QVERIFY2(line.contains(QStringLiteral("1 waiting for their time")), qPrintable(line));
        QVERIFY2(line.contains(retrying.left(8) + QStringLiteral(" retrying.txt retrying, due ")),
                 qPrintable(line));

        // --wait: sits out the lock and the backoff, then works both. Both are set again here,
        // so that a slow machine has not let them run out already.
        QVERIFY(sql(db, QStringLiteral(R"(UPDATE "ParseJob" SET "lockExpiry" = %1 WHERE "id" = '%2')")
                            .arg(inSeconds(db, 4), held)));
        QVERIFY(sql(db, QStringLiteral(R"(UPDATE "ParseJob" SET "runAfter" = %1 WHERE "id" = '%2')")
                            .arg(inSeconds(db, 3), retrying)));
        timer.restart();
        const CliResult wait = run(db, {QStringLiteral("worker"), QStringLiteral("--drain"),
                                        QStringLiteral("--wait")});
        QVERIFY2(wait.exitCode == 0, qPrintable(wait.err));
        QVERIFY2(wait.err.contains(QStringLiteral("drained; waiting for: ")), qPrintable(wait.err));
        QVERIFY2(wait.err.contains(QStringLiteral("queue drained; left: nothing")), qPrintable(wait.err));
        for (const QString &id : {held, retrying})
            QCOMPARE(show(db, id).value(QStringLiteral("status")).toString(),
                     QStringLiteral("completed"));
        QVERIFY(timer.elapsed() < 30000);
        bool reclaimed = false;
        for (const QJsonValue &event : show(db, held).value(QStringLiteral("events")).toArray())
            reclaimed = reclaimed || event.toObject().value(QStringLiteral("event")).toString()
                                         == QLatin1String("reclaimed");
        QVERIFY(reclaimed);

        const CliResult usage = run(db, {QStringLiteral("worker"), QStringLiteral("--wait")});
        QCOMPARE(usage.exitCode, 2);
        QVERIFY2(usage.err.contains(QStringLiteral("--wait goes with --drain")), qPrintable(usage.err));
    }

    // The seed's defaults as the command line states and uses them: 2 workers, a 10-minute
    // lock, a 60 s heartbeat, a 30 s grace.
    void workerDefaults()
    {
        TestDatabase db(QStringLiteral("sqlite"));
        QVERIFY2(db.isValid(), qPrintable(db.error()));
        const CliResult help = runCallboard(m_dir.path(), {QStringLiteral("worker"),
                                                           QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains(QStringLiteral("(default WORKER_COUNT or 2)")));
        QVERIFY(help.out.contains(QStringLiteral("Lock duration of a claimed job (default 600)")));
        QVERIFY(help.out.contains(QStringLiteral("Lock renewal interval (default 60)")));
        QVERIFY(help.out.contains(QStringLiteral("running jobs at shutdown (default 30)")));
        const CliResult worker = run(db, {QStringLiteral("worker"), QStringLiteral("--drain")});
        QCOMPARE(worker.exitCode, 0);
        QVERIFY2(worker.err.contains(QStringLiteral(" started: 2 workers on ")), qPrintable(worker.err));
    }
};

QTEST_GUILESS_MAIN(TestCliControl)
#include "tst_clicontrol.moc"

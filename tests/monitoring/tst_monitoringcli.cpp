// The monitoring commands of the real binary: stats, prune, worker --metrics-port.
#include "engine/queuemetrics.h"
#include "engine/workerregistry.h"
#include "fixtures.h"
#include "testdatabase.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <csignal>

using Fixtures::Row;

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

namespace {

struct Result
{
    int exitCode = -1;
    QString out;
    QString err;
    QJsonObject json() const { return QJsonDocument::fromJson(out.toUtf8()).object(); }
};

Result run(const QString &url, const QStringList &arguments)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("CALLBOARD_DB"));
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(CALLBOARD_BINARY), QStringList{QStringLiteral("--db"), url} + arguments);
    Result result;
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

int httpStatus(quint16 port, const char *path, QString *body = nullptr)
{
    static QNetworkAccessManager manager;
    QNetworkReply *reply = manager.get(
        QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(QLatin1String(path)))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(10000);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (body)
        *body = QString::fromUtf8(reply->readAll());
    reply->deleteLater();
    return status;
}

quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

} // namespace

class TestMonitoringCli final : public QObject
{
    Q_OBJECT

private slots:
    BACKENDS(stats)
    BACKENDS(prune)
    BACKENDS(workerMetricsPort)
    BACKENDS(killedWorkerReadsAsLost)
};

void TestMonitoringCli::stats()
{
    OPEN_TEST_DATABASE(test);
    const QDateTime now = Engine::QueueMetrics(test.db()).databaseNow();
    Row row;
    row.createdAgo = 120;
    Fixtures::insertJob(test.db(), now, row);
    row = {};
    row.status = QStringLiteral("completed");
    row.createdAgo = 100;
    row.startedAgo = 90;
    row.completedAgo = 60;
    Fixtures::insertJob(test.db(), now, row);

    Result result = run(test.urlString(), {QStringLiteral("stats"), QStringLiteral("--json"),
                                           QStringLiteral("--window"), QStringLiteral("1h")});
    QCOMPARE(result.exitCode, 0);
    const QJsonObject json = result.json();
    QCOMPARE(json[QStringLiteral("counts")][QStringLiteral("queued")].toInt(), 1);
    QCOMPARE(json[QStringLiteral("counts")][QStringLiteral("completed")].toInt(), 1);
    QCOMPARE(json[QStringLiteral("total")].toInt(), 2);
    QCOMPARE(json[QStringLiteral("windowSeconds")].toInt(), 3600);
    QCOMPARE(json[QStringLiteral("durations")][QStringLiteral("runMs")][QStringLiteral("p50")].toDouble(),
             30000.0);
    QVERIFY(json[QStringLiteral("oldestQueuedAgeSeconds")].toDouble() >= 120);

    result = run(test.urlString(), {QStringLiteral("stats")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.contains(QStringLiteral("Stuck jobs")), qPrintable(result.out));
    QCOMPARE(run(test.urlString(), {QStringLiteral("stats"), QStringLiteral("--window"),
                                    QStringLiteral("soon")}).exitCode, 2);
}

void TestMonitoringCli::prune()
{
    OPEN_TEST_DATABASE(test);
    const QDateTime now = Engine::QueueMetrics(test.db()).databaseNow();
    Row row;
    row.status = QStringLiteral("completed");
    row.createdAgo = 50 * 86400;
    row.completedAgo = 40 * 86400;
    const QString old = Fixtures::insertJob(test.db(), now, row);
    Fixtures::insertEvent(test.db(), now, old, QStringLiteral("completed"), QStringLiteral("w-1-1"),
                          40 * 86400);
    row = {};
    row.createdAgo = 50 * 86400;
    Fixtures::insertJob(test.db(), now, row);

    Result result = run(test.urlString(), {QStringLiteral("prune"), QStringLiteral("--completed-older-than"),
                                           QStringLiteral("30d"), QStringLiteral("--dry-run"),
                                           QStringLiteral("--json")});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.json()[QStringLiteral("jobs")].toInt(), 1);
    QCOMPARE(result.json()[QStringLiteral("events")].toInt(), 1);
    QCOMPARE(Fixtures::scalar(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")), 2);

    result = run(test.urlString(), {QStringLiteral("prune"), QStringLiteral("--completed-older-than"),
                                    QStringLiteral("30d")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.contains(QStringLiteral("Deleted 1 finished jobs")), qPrintable(result.out));
    QCOMPARE(Fixtures::scalar(test.db(), QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")), 1);

    QCOMPARE(run(test.urlString(), {QStringLiteral("prune")}).exitCode, 2);
    QCOMPARE(run(test.urlString(), {QStringLiteral("prune"), QStringLiteral("--completed-older-than"),
                                    QStringLiteral("old")}).exitCode, 2);
}

void TestMonitoringCli::workerMetricsPort()
{
    OPEN_TEST_DATABASE(test);
    const quint16 port = freePort();
    QProcess worker;
    worker.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    worker.start(QStringLiteral(CALLBOARD_BINARY),
                 {QStringLiteral("--db"), test.urlString(), QStringLiteral("worker"),
                  QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--metrics-port"),
                  QString::number(port)});
    QVERIFY(worker.waitForStarted());
    QTRY_COMPARE_WITH_TIMEOUT(httpStatus(port, "/healthz"), 200, 20000);
    QString body;
    QCOMPARE(httpStatus(port, "/metrics", &body), 200);
    QVERIFY2(body.contains(QStringLiteral("\ncallboard_worker_up 1\n")), qPrintable(body));
    // The idle worker is listed by what it records itself, not by jobs it no longer holds.
    QVERIFY2(body.contains(QStringLiteral("\ncallboard_workers{state=\"idle\"} 1\n")), qPrintable(body));
    QVERIFY2(body.contains(QStringLiteral("\ncallboard_workers{state=\"lost\"} 0\n")), qPrintable(body));
    QVERIFY2(body.contains(QStringLiteral("\ncallboard_worker_slots 1\n")), qPrintable(body));

    Result stats = run(test.urlString(), {QStringLiteral("stats"), QStringLiteral("--json")});
    QCOMPARE(stats.exitCode, 0);
    const QJsonArray workers = stats.json()[QStringLiteral("workers")].toArray();
    QCOMPARE(workers.size(), 1);
    const QJsonObject self = workers.at(0).toObject();
    QCOMPARE(self[QStringLiteral("pid")].toInteger(), worker.processId());
    QCOMPARE(self[QStringLiteral("state")].toString(), QStringLiteral("idle"));
    QCOMPARE(self[QStringLiteral("version")].toString(), QStringLiteral(CALLBOARD_VERSION));
    QCOMPARE(self[QStringLiteral("slots")].toInt(), 1);
    QCOMPARE(self[QStringLiteral("jobCount")].toInt(), 0);
    stats = run(test.urlString(), {QStringLiteral("stats")});
    QVERIFY2(stats.out.contains(QStringLiteral("Workers:\n")), qPrintable(stats.out));
    QVERIFY2(stats.out.contains(QStringLiteral(" idle ")), qPrintable(stats.out));
    QVERIFY2(stats.out.contains(QString::number(worker.processId())), qPrintable(stats.out));

    worker.terminate();
    QVERIFY(worker.waitForFinished(60000));
    QCOMPARE(worker.exitCode(), 0);
    // A clean stop takes the worker off the table instead of leaving it to look lost.
    stats = run(test.urlString(), {QStringLiteral("stats"), QStringLiteral("--json")});
    QCOMPARE(stats.json()[QStringLiteral("workers")].toArray().size(), 0);
    QVERIFY(run(test.urlString(), {QStringLiteral("stats")}).out.contains(QStringLiteral("Workers: none")));

    // A taken port is a clear failure, not a silent worker without metrics.
    QTcpServer taken;
    QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
    const Result busy = run(test.urlString(), {QStringLiteral("worker"), QStringLiteral("--metrics-port"),
                                               QString::number(taken.serverPort())});
    QCOMPARE(busy.exitCode, 1);
    QVERIFY2(busy.err.contains(QString::number(taken.serverPort())), qPrintable(busy.err));
}

// Issue 13 item 7: a worker killed with SIGKILL leaves its row, which reads as lost once its
// heartbeat is older than its lock duration; another worker's heartbeat deletes it after
// WorkerRegistry::kPruneAfterLocks lock durations.
void TestMonitoringCli::killedWorkerReadsAsLost()
{
    OPEN_TEST_DATABASE(test);
    Engine::WorkerRegistry registry(test.db());
    const auto stateOf = [&registry](qint64 pid) -> QString {
        for (const Engine::WorkerRecord &record : registry.workers()) {
            if (record.pid == pid)
                return Engine::WorkerRecord::stateName(record.state);
        }
        return QStringLiteral("none");
    };
    const QStringList shortLocks{QStringLiteral("--db"), test.urlString(), QStringLiteral("worker"),
                                 QStringLiteral("--workers"), QStringLiteral("1"),
                                 QStringLiteral("--lock-seconds"), QStringLiteral("1"),
                                 QStringLiteral("--heartbeat-seconds"), QStringLiteral("0.2")};
    QProcess victim;
    victim.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    victim.start(QStringLiteral(CALLBOARD_BINARY), shortLocks);
    QVERIFY(victim.waitForStarted());
    const qint64 victimPid = victim.processId();
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(victimPid), QStringLiteral("idle"), 20000);
    // Beating: still idle a few lock durations later.
    QTest::qWait(2500);
    QCOMPARE(stateOf(victimPid), QStringLiteral("idle"));
    ::kill(pid_t(victimPid), SIGKILL);
    QVERIFY(victim.waitForFinished(5000));
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(victimPid), QStringLiteral("lost"), 5000);
    const Result stats = run(test.urlString(), {QStringLiteral("stats")});
    QVERIFY2(stats.out.contains(QStringLiteral(" lost ")), qPrintable(stats.out));

    QProcess survivor;
    survivor.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    survivor.start(QStringLiteral(CALLBOARD_BINARY), shortLocks);
    QVERIFY(survivor.waitForStarted());
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(survivor.processId()), QStringLiteral("idle"), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(victimPid), QStringLiteral("none"),
                              (Engine::WorkerRegistry::kPruneAfterLocks + 10) * 1000);
    survivor.terminate();
    QVERIFY(survivor.waitForFinished(30000));
    QCOMPARE(survivor.exitCode(), 0);
    QVERIFY(registry.workers().isEmpty());
}

QTEST_GUILESS_MAIN(TestMonitoringCli)
#include "tst_monitoringcli.moc"

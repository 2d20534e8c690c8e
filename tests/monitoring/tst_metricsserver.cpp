// MetricsServer in process: /metrics parsed and checked, /healthz following the real database
// connection (503 while PostgreSQL refuses it, 200 again after).
#include "app/metricsserver/metricsserver.h"
#include "engine/database.h"
#include "engine/queuemetrics.h"
#include "engine/workerregistry.h"
#include "fixtures.h"
#include "testdatabase.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

using namespace Engine;
using Fixtures::Row;

namespace {

struct Reply
{
    int status = 0;
    QByteArray contentType;
    QString body;
};

Reply get(quint16 port, const char *path)
{
    static QNetworkAccessManager manager;
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(QLatin1String(path))));
    QNetworkReply *reply = manager.get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(20000);
    Reply result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    result.body = QString::fromUtf8(reply->readAll());
    reply->deleteLater();
    return result;
}

/// Parses the exposition format strictly enough to catch malformed output: every sample line is
/// `name{labels} value`, every sample's family has a TYPE line before it.
QHash<QString, double> parse(const QString &text, QString *error)
{
    static const QRegularExpression sampleLine(QStringLiteral(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*)\})? (\S+)$)"));
    static const QRegularExpression typeLine(
        QStringLiteral(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter|histogram|summary|untyped)$)"));
    QHash<QString, double> samples;
    QSet<QString> families;
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        if (line.startsWith(QLatin1String("# HELP ")))
            continue;
        if (line.startsWith(QLatin1String("# TYPE "))) {
            const auto match = typeLine.match(line);
            if (!match.hasMatch()) {
                *error = QStringLiteral("bad TYPE line: ") + line;
                return {};
            }
            families << match.captured(1);
            continue;
        }
        const auto match = sampleLine.match(line);
        if (!match.hasMatch()) {
            *error = QStringLiteral("bad sample line: ") + line;
            return {};
        }
        QString family = match.captured(1);
        for (const char *suffix : {"_bucket", "_sum", "_count"}) {
            if (!families.contains(family) && family.endsWith(QLatin1String(suffix)))
                family.chop(int(qstrlen(suffix)));
        }
        if (!families.contains(family)) {
            *error = QStringLiteral("sample without TYPE: ") + line;
            return {};
        }
        bool ok = false;
        const QString value = match.captured(5);
        const double number = value == QLatin1String("+Inf") ? qInf() : value.toDouble(&ok);
        if (!ok && value != QLatin1String("+Inf")) {
            *error = QStringLiteral("bad value: ") + line;
            return {};
        }
        samples.insert(match.captured(1) + match.captured(2), number);
    }
    return samples;
}

double sample(quint16 port, const QString &key)
{
    const Reply reply = get(port, "/metrics");
    QString error;
    return parse(reply.body, &error).value(key, -1);
}

} // namespace

class TestMetricsServer final : public QObject
{
    Q_OBJECT

private slots:
    void metricsEndpoint_data();
    void metricsEndpoint();
    void healthzFollowsDatabase();
    void healthProbe();
    void refusesBusyPort();
};

void TestMetricsServer::metricsEndpoint_data()
{
    TestDatabase::addBackendColumn();
    TestDatabase::addBackendRows();
}

void TestMetricsServer::metricsEndpoint()
{
    OPEN_TEST_DATABASE(test);
    const QDateTime now = QueueMetrics(test.db()).databaseNow();
    for (int i = 0; i < 3; ++i) {
        Row row;
        row.createdAgo = 10 + i;
        Fixtures::insertJob(test.db(), now, row);
    }
    Row running;
    running.status = QStringLiteral("running");
    running.createdAgo = 20;
    running.startedAgo = 5;
    running.lockedAgo = 5;
    running.lockExpiryAgo = -595;
    running.workerId = QStringLiteral("box-7-1");
    Fixtures::insertJob(test.db(), now, running);
    // Its pool, as it records itself: active, since one of its workers holds the running job.
    WorkerRegistry(test.db()).registerPool(
        WorkerRecord::forThisProcess(QStringLiteral("box-7"), 2, 600, 60));

    MetricsServerOptions options;
    options.url = test.url();
    options.counterLagSeconds = 0;
    options.heartbeatMs = 60000;
    MetricsServer server(options);
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    QVERIFY(server.port() != 0);
    QCOMPARE(server.address(), QStringLiteral("127.0.0.1"));

    const Reply reply = get(server.port(), "/metrics");
    QCOMPARE(reply.status, 200);
    QVERIFY2(reply.contentType.startsWith("text/plain; version=0.0.4"), reply.contentType.constData());
    const QHash<QString, double> samples = parse(reply.body, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error + QLatin1Char('\n') + reply.body));
    QCOMPARE(samples.value(QStringLiteral("callboard_jobs{status=\"queued\"}")), 3.0);
    QCOMPARE(samples.value(QStringLiteral("callboard_jobs{status=\"running\"}")), 1.0);
    QCOMPARE(samples.value(QStringLiteral("callboard_jobs{status=\"completed\"}")), 0.0);
    QCOMPARE(samples.value(QStringLiteral("callboard_jobs_ready")), 3.0);
    QCOMPARE(samples.value(QStringLiteral("callboard_jobs_completed_total")), 0.0);
    QCOMPARE(samples.value(QStringLiteral("callboard_workers{state=\"active\"}")), 1.0);
    QCOMPARE(samples.value(QStringLiteral("callboard_workers{state=\"idle\"}")), 0.0);
    QCOMPARE(samples.value(QStringLiteral("callboard_workers{state=\"lost\"}")), 0.0);
    QCOMPARE(samples.value(QStringLiteral("callboard_worker_slots")), 2.0);
    QCOMPARE(samples.value(QStringLiteral("callboard_worker_up")), 1.0);
    QVERIFY(samples.value(QStringLiteral("callboard_oldest_queued_job_age_seconds")) >= 12.0);
    QVERIFY(samples.contains(QStringLiteral("callboard_job_run_duration_seconds_bucket{le=\"+Inf\"}")));

    // A job finishing after the server started moves the counters and the histogram.
    const QDateTime later = QueueMetrics(test.db()).databaseNow();
    Row done;
    done.status = QStringLiteral("completed");
    done.createdAgo = 10;
    done.startedAgo = 3;
    done.completedAgo = 0;
    Fixtures::insertJob(test.db(), later, done);
    Row failed;
    failed.status = QStringLiteral("failed");
    failed.createdAgo = 10;
    failed.startedAgo = 3;
    failed.completedAgo = 0;
    Fixtures::insertJob(test.db(), later, failed);
    QTRY_COMPARE_WITH_TIMEOUT(sample(server.port(), QStringLiteral("callboard_jobs_completed_total")),
                              1.0, 10000);
    // The finished gauges are cached for finishedCountsSeconds (60 s by default).
    QCOMPARE(sample(server.port(), QStringLiteral("callboard_jobs{status=\"completed\"}")), 0.0);
    const QHash<QString, double> after = parse(get(server.port(), "/metrics").body, &error);
    QCOMPARE(after.value(QStringLiteral("callboard_jobs_failed_total")), 1.0);
    QCOMPARE(after.value(QStringLiteral("callboard_job_run_duration_seconds_count")), 1.0);
    QCOMPARE(after.value(QStringLiteral("callboard_job_run_duration_seconds_bucket{le=\"2\"}")), 0.0);
    QCOMPARE(after.value(QStringLiteral("callboard_job_run_duration_seconds_bucket{le=\"5\"}")), 1.0);
    QVERIFY(qAbs(after.value(QStringLiteral("callboard_job_run_duration_seconds_sum")) - 3.0) < 0.01);
    // Counters never count a job twice.
    QCOMPARE(sample(server.port(), QStringLiteral("callboard_jobs_completed_total")), 1.0);

    QCOMPARE(get(server.port(), "/healthz").status, 200);
    QCOMPARE(get(server.port(), "/nothing-here").status, 404);

    options.finishedCountsSeconds = 0;
    MetricsServer fresh(options);
    QVERIFY2(fresh.start(&error), qPrintable(error));
    QCOMPARE(sample(fresh.port(), QStringLiteral("callboard_jobs{status=\"completed\"}")), 1.0);
    QCOMPARE(sample(fresh.port(), QStringLiteral("callboard_jobs{status=\"failed\"}")), 1.0);
}

void TestMetricsServer::healthzFollowsDatabase()
{
    // Losing the connection for real needs a server that can refuse it: PostgreSQL.
    TestDatabase test(QStringLiteral("postgres"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    MetricsServerOptions options;
    options.url = test.url();
    options.heartbeatMs = 60000;
    MetricsServer server(options);
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    QCOMPARE(get(server.port(), "/healthz").status, 200);

    // From the server's maintenance database: refuse new connections to the test database and
    // end the sessions in it (the metrics server's among them).
    QString adminError;
    const auto adminUrl = DatabaseUrl::parse(TestDatabase::postgresAdminUrl(&adminError));
    QVERIFY2(adminUrl, qPrintable(adminError + adminUrl.error().message));
    QSqlDatabase adminDb;
    {
        const auto opened = Database::open(*adminUrl, QStringLiteral("healthz-admin"));
        QVERIFY2(opened, qPrintable(opened.error().message));
        adminDb = *opened;
    }
    QSqlQuery admin(adminDb);
    QVERIFY2(admin.exec(QStringLiteral("ALTER DATABASE %1 WITH ALLOW_CONNECTIONS false")
                            .arg(test.url().database)),
             qPrintable(admin.lastError().text()));
    QVERIFY2(admin.exec(QStringLiteral(
                 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE datname = '%1'").arg(test.url().database)),
             qPrintable(admin.lastError().text()));
    Reply reply = get(server.port(), "/healthz");
    QCOMPARE(reply.status, 503);
    QVERIFY2(reply.body.contains(QStringLiteral("database")), qPrintable(reply.body));
    // Still down: the reconnect is refused.
    QCOMPARE(get(server.port(), "/healthz").status, 503);
    QCOMPARE(get(server.port(), "/metrics").status, 503);

    QVERIFY2(admin.exec(QStringLiteral("ALTER DATABASE %1 WITH ALLOW_CONNECTIONS true")
                            .arg(test.url().database)),
             qPrintable(admin.lastError().text()));
    admin.finish();
    adminDb.close();
    adminDb = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("healthz-admin"));
    QTRY_COMPARE_WITH_TIMEOUT(get(server.port(), "/healthz").status, 200, 15000);
    QCOMPARE(get(server.port(), "/metrics").status, 200);
    TestDatabase::reopen(test);  // the test's own session was ended too
}

void TestMetricsServer::healthProbe()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    bool poolRunning = true;
    MetricsServerOptions options;
    options.url = test.url();
    options.healthProbe = [&poolRunning] { return poolRunning; };
    MetricsServer server(options);
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    QCOMPARE(get(server.port(), "/healthz").status, 200);
    poolRunning = false;
    const Reply reply = get(server.port(), "/healthz");
    QCOMPARE(reply.status, 503);
    QCOMPARE(reply.body.trimmed(), QStringLiteral("worker pool not running"));
    QCOMPARE(sample(server.port(), QStringLiteral("callboard_worker_up")), 0.0);
}

void TestMetricsServer::refusesBusyPort()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    MetricsServerOptions options;
    options.url = test.url();
    MetricsServer first(options);
    QString error;
    QVERIFY2(first.start(&error), qPrintable(error));
    options.port = first.port();
    MetricsServer second(options);
    QVERIFY(!second.start(&error));
    QVERIFY2(error.contains(QString::number(first.port())), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestMetricsServer)
#include "tst_metricsserver.moc"

#include "engine/database.h"
#include "engine/jobqueue.h"
#include "testdatabase.h"

#include <QProcess>
#include <QSqlQuery>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace Engine;

class TestQueueConcurrency final : public QObject
{
    Q_OBJECT

private slots:
    void threadsClaimEachJobOnce_data();
    void threadsClaimEachJobOnce();
    void processesClaimEachJobOnce();

private:
    static void fill(JobQueue &queue, int count);
    static void verifyExactlyOnce(QSqlDatabase db, int count);
};

void TestQueueConcurrency::fill(JobQueue &queue, int count)
{
    QList<EnqueueInput> inputs;
    for (int i = 0; i < count; ++i) {
        EnqueueInput input;
        input.filename = QStringLiteral("job-%1.txt").arg(i);
        input.rawText = QByteArrayLiteral("A. line\n");
        input.priority = i % 3;
        inputs << input;
    }
    queue.enqueueMany(inputs);
}

void TestQueueConcurrency::verifyExactlyOnce(QSqlDatabase db, int count)
{
    QSqlQuery query(db);
    QVERIFY(query.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob" WHERE "status" = 'completed')")));
    QVERIFY(query.next());
    QCOMPARE(query.value(0).toInt(), count);
    QVERIFY(query.exec(QStringLiteral(
        R"(SELECT "jobId", SUM(CASE WHEN "event" = 'claimed' THEN 1 ELSE 0 END),
                  SUM(CASE WHEN "event" = 'completed' THEN 1 ELSE 0 END)
           FROM "JobEvent" GROUP BY "jobId")")));
    int jobs = 0;
    while (query.next()) {
        ++jobs;
        QCOMPARE(query.value(1).toInt(), 1);
        QCOMPARE(query.value(2).toInt(), 1);
    }
    QCOMPARE(jobs, count);
}

void TestQueueConcurrency::threadsClaimEachJobOnce_data()
{
    TestDatabase::addBackendColumn();
    QTest::addColumn<int>("jobs");
    QTest::newRow("sqlite") << QStringLiteral("sqlite") << 400;
    QTest::newRow("postgres") << QStringLiteral("postgres") << 2000;
}

void TestQueueConcurrency::threadsClaimEachJobOnce()
{
    OPEN_TEST_DATABASE(test);
    QFETCH(int, jobs);
    JobQueue queue(test.db());
    fill(queue, jobs);
    std::atomic<int> completed{0};
    std::atomic<int> errors{0};
    QList<QThread *> threads;
    for (int t = 0; t < 8; ++t) {
        threads << QThread::create([&, t] {
            ScopedConnection connection(test.url(), QStringLiteral("racer"));
            if (!connection.isOpen()) {
                ++errors;
                return;
            }
            JobQueue mine(connection.database());
            const QString worker = QStringLiteral("thread-%1").arg(t);
            try {
                while (auto job = mine.claimNext(worker)) {
                    if (mine.complete(job->id, worker))
                        ++completed;
                }
            } catch (const std::exception &error) {
                qWarning() << worker << error.what();
                ++errors;
            }
        });
        threads.last()->start();
    }
    for (QThread *thread : threads) {
        QVERIFY(thread->wait(120000));
        delete thread;
    }
    QCOMPARE(errors.load(), 0);
    QCOMPARE(completed.load(), jobs);
    verifyExactlyOnce(test.db(), jobs);
}

void TestQueueConcurrency::processesClaimEachJobOnce()
{
    TestDatabase test(QStringLiteral("postgres"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    JobQueue queue(test.db());
    const int jobs = 2000;
    fill(queue, jobs);
    QList<QProcess *> processes;
    for (int p = 0; p < 2; ++p) {
        auto *process = new QProcess(this);
        process->start(QStringLiteral(CLAIMHELPER_PATH),
                       {test.urlString(), QStringLiteral("proc-%1").arg(p)});
        processes << process;
    }
    QSet<QString> seen;
    int total = 0;
    QList<int> perProcess;
    for (QProcess *process : processes) {
        QVERIFY(process->waitForFinished(120000));
        QCOMPARE(process->exitCode(), 0);
        const QStringList ids = QString::fromUtf8(process->readAllStandardOutput())
                                    .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        perProcess << ids.size();
        total += ids.size();
        for (const QString &id : ids)
            seen.insert(id);
    }
    QCOMPARE(total, jobs);
    QCOMPARE(seen.size(), jobs);
    qInfo() << "jobs per process:" << perProcess;
    verifyExactlyOnce(test.db(), jobs);
}

QTEST_GUILESS_MAIN(TestQueueConcurrency)
#include "tst_queueconcurrency.moc"

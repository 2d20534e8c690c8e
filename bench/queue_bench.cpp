// Queue engine benchmark: enqueue rates, claim+complete rates, WorkerPool drain rates and
// enqueue→start latency, on SQLite and (with --pg URL) PostgreSQL. Prints one line per figure.
//
//   queue_bench [--pg postgres://…] [--no-sqlite] [--quick] [--only enqueue,claim,drain,latency]
#include "engine/database.h"
#include "engine/jobqueue.h"
#include "engine/migrations.h"
#include "engine/workerpool.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QMutex>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QUuid>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>

using namespace Engine;

namespace {

void print(const QString &db, const QString &what, double value, const QString &unit)
{
    std::printf("%-9s %-48s %12.1f %s\n", qPrintable(db), qPrintable(what), value, qPrintable(unit));
    std::fflush(stdout);
}

EnqueueInput noop(int i)
{
    EnqueueInput input;
    input.filename = QStringLiteral("bench-%1.txt").arg(i);
    input.rawText = QByteArrayLiteral("A. Hello.\n");
    return input;
}

/// A fresh database: a new SQLite file or a new PostgreSQL database.
DatabaseUrl freshDatabase(const QString &kind, const DatabaseUrl &admin, QTemporaryDir &dir)
{
    static int counter = 0;
    DatabaseUrl url;
    if (kind == QLatin1String("sqlite")) {
        url.sqlitePath = dir.filePath(QStringLiteral("bench-%1.db").arg(++counter));
    } else {
        url = admin;
        url.database = QStringLiteral("cbbench_") + QUuid::createUuid().toString(QUuid::Id128).left(12);
        ScopedConnection connection(admin, QStringLiteral("bench-admin"));
        QSqlQuery(connection.database()).exec(QStringLiteral("CREATE DATABASE ") + url.database);
    }
    ScopedConnection connection(url, QStringLiteral("bench-migrate"));
    if (const auto migrated = Migrations::migrate(connection.database()); !migrated)
        qFatal("migration failed: %s", qPrintable(migrated.error().message));
    // As the peers' harness does before every run: start without a pending checkpoint's writes.
    if (kind != QLatin1String("sqlite"))
        QSqlQuery(connection.database()).exec(QStringLiteral("CHECKPOINT"));
    return url;
}

/// A backlog of no-op jobs, with fresh planner statistics.
void fillQueue(const DatabaseUrl &url, int jobs)
{
    ScopedConnection connection(url, QStringLiteral("bench"));
    JobQueue queue(connection.database());
    QList<EnqueueInput> inputs;
    for (int i = 0; i < jobs; ++i)
        inputs << noop(i);
    queue.enqueueMany(inputs);
    QSqlQuery(connection.database()).exec(QStringLiteral("ANALYZE"));
}

void enqueueRates(const QString &kind, const DatabaseUrl &url, int single, int bulk)
{
    ScopedConnection connection(url, QStringLiteral("bench"));
    JobQueue queue(connection.database());
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < single; ++i)
        queue.enqueue(noop(i));
    print(kind, QStringLiteral("enqueue, 1 job per call (%1 jobs)").arg(single),
          single * 1000.0 / qMax<qint64>(1, timer.elapsed()), QStringLiteral("jobs/s"));
    QList<EnqueueInput> inputs;
    for (int i = 0; i < bulk; ++i)
        inputs << noop(i);
    timer.restart();
    queue.enqueueMany(inputs);
    print(kind, QStringLiteral("enqueue, bulk (%1 jobs, one transaction)").arg(bulk),
          bulk * 1000.0 / qMax<qint64>(1, timer.elapsed()), QStringLiteral("jobs/s"));
}

/// Runs `work(queue, workerId)` on `threads` threads, each with its own connection, and returns
/// the jobs completed per second.
double claimCompleteRate(const DatabaseUrl &url, int threads,
                         const std::function<int(JobQueue &, const QString &)> &work)
{
    std::atomic<int> done{0};
    QList<QThread *> workers;
    QElapsedTimer timer;
    timer.start();
    for (int t = 0; t < threads; ++t) {
        workers << QThread::create([&, t] {
            ScopedConnection connection(url, QStringLiteral("bench-worker"));
            Database::preferGenericPlans(connection.database()); // as WorkerPool does
            JobQueue queue(connection.database());
            done += work(queue, QStringLiteral("bench-%1").arg(t));
        });
        workers.last()->start();
    }
    for (QThread *thread : workers) {
        thread->wait();
        delete thread;
    }
    return done * 1000.0 / qMax<qint64>(1, timer.elapsed());
}

/// One job per statement: each completion shares its commit with the next claim.
int claimCompleteOneByOne(JobQueue &queue, const QString &id)
{
    int done = 0;
    auto job = queue.claimNext(id);
    while (job) {
        auto [completed, next] = queue.completeAndClaimNext(job->id, id);
        done += completed;
        job = std::move(next);
    }
    return done;
}

/// `batch` completions and `batch` claims per statement.
int claimCompleteInBatches(JobQueue &queue, const QString &id, int batch)
{
    int done = 0;
    const QStringList ids(batch, id);
    QList<Completion> finished;
    for (;;) {
        const BatchResult result = queue.completeAndClaim(finished, ids);
        done += int(result.completed.size()); // the last, empty claim's completions count too
        if (result.claimed.isEmpty())
            return done;
        finished.clear();
        for (const Job &job : result.claimed)
            finished << Completion{job.id, job.workerId, {}};
    }
}

void drainRate(const QString &kind, const DatabaseUrl &url, int workers, int jobs,
               int prefetch)
{
    fillQueue(url, jobs);
    WorkerPoolOptions options;
    options.url = url;
    options.workers = workers;
    options.prefetch = prefetch;
    options.drain = true;
    options.handler = [](JobContext &) { return JobOutcome::completed(); };
    WorkerPool pool(options);
    QSignalSpy drained(&pool, &WorkerPool::drained);
    QElapsedTimer timer;
    timer.start();
    if (const auto started = pool.start(); !started)
        qFatal("pool: %s", qPrintable(started.error().message));
    drained.wait(600000);
    const qint64 ms = timer.elapsed();
    pool.stop();
    const QString setting = prefetch < 0 ? QStringLiteral(" (auto prefetch)")
                                         : QStringLiteral(", prefetch %1").arg(prefetch);
    print(kind, QStringLiteral("WorkerPool drain, %1 workers%2 (%3 no-op jobs)")
                    .arg(workers).arg(setting).arg(jobs),
          jobs * 1000.0 / qMax<qint64>(1, ms), QStringLiteral("jobs/s"));
}

void latency(const QString &kind, const DatabaseUrl &url, int samples, int gapMs)
{
    QMutex mutex;
    QHash<QString, qint64> started;
    QElapsedTimer clock;
    clock.start();
    WorkerPoolOptions options;
    options.url = url;
    options.workers = 4;
    options.handler = [&](JobContext &context) {
        const qint64 now = clock.nsecsElapsed();
        QMutexLocker lock(&mutex);
        started.insert(context.job().id, now);
        return JobOutcome::completed();
    };
    WorkerPool pool(options);
    if (const auto started = pool.start(); !started)
        qFatal("pool: %s", qPrintable(started.error().message));
    QThread::msleep(300);
    ScopedConnection connection(url, QStringLiteral("bench-producer"));
    JobQueue queue(connection.database());
    QHash<QString, qint64> enqueued;
    QList<double> enqueueCall; // the producer's own round trip and commit, part of the latency
    for (int i = 0; i < samples; ++i) {
        const qint64 before = clock.nsecsElapsed();
        const QString id = queue.enqueue(noop(i));
        enqueued.insert(id, before);
        enqueueCall << (clock.nsecsElapsed() - before) / 1e6;
        // Let the event loop deliver notifications while we wait for the next send.
        QElapsedTimer gap;
        gap.start();
        while (gap.elapsed() < gapMs)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 2);
    }
    QElapsedTimer settle;
    settle.start();
    while (settle.elapsed() < 5000) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QMutexLocker lock(&mutex);
        if (started.size() >= samples)
            break;
    }
    pool.stop();
    QList<double> ms;
    for (auto it = enqueued.cbegin(); it != enqueued.cend(); ++it) {
        if (started.contains(it.key()))
            ms << (started.value(it.key()) - it.value()) / 1e6;
    }
    std::sort(ms.begin(), ms.end());
    if (ms.isEmpty())
        return;
    auto pct = [&](double p) { return ms.at(qMin(ms.size() - 1, int(p * ms.size()))); };
    print(kind, QStringLiteral("latency enqueue→start p50 (%1 jobs, %2 ms apart)").arg(ms.size()).arg(gapMs),
          pct(0.50), QStringLiteral("ms"));
    print(kind, QStringLiteral("latency enqueue→start p99"), pct(0.99), QStringLiteral("ms"));
    print(kind, QStringLiteral("latency enqueue→start max"), ms.last(), QStringLiteral("ms"));
    std::sort(enqueueCall.begin(), enqueueCall.end());
    print(kind, QStringLiteral("  of which the enqueue call itself, p50"),
          enqueueCall.at(enqueueCall.size() / 2), QStringLiteral("ms"));
    print(kind, QStringLiteral("  of which the enqueue call itself, p99"),
          enqueueCall.at(qMin(enqueueCall.size() - 1, int(0.99 * enqueueCall.size()))),
          QStringLiteral("ms"));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("pg"), QStringLiteral("PostgreSQL admin URL."), QStringLiteral("url")});
    parser.addOption({QStringLiteral("quick"), QStringLiteral("Smaller counts, for a smoke run.")});
    parser.addOption({QStringLiteral("no-sqlite"), QStringLiteral("Measure PostgreSQL only.")});
    parser.addOption({QStringLiteral("only"), QStringLiteral("enqueue,claim,drain,latency"), QStringLiteral("list")});
    parser.process(app);
    const bool quick = parser.isSet(QStringLiteral("quick"));
    const QStringList only = parser.value(QStringLiteral("only")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    auto want = [&](const char *part) { return only.isEmpty() || only.contains(QLatin1String(part)); };

    QTemporaryDir dir;
    QStringList kinds{QStringLiteral("sqlite")};
    DatabaseUrl admin;
    if (parser.isSet(QStringLiteral("pg"))) {
        const auto url = DatabaseUrl::parse(parser.value(QStringLiteral("pg")));
        if (!url)
            qFatal("%s", qPrintable(url.error().message));
        admin = *url;
        kinds.prepend(QStringLiteral("postgres"));
    }
    if (parser.isSet(QStringLiteral("no-sqlite")))
        kinds.removeAll(QStringLiteral("sqlite"));
    QLoggingCategory::setFilterRules(QStringLiteral("callboard.*.info=false"));
    const int scale = quick ? 10 : 1;
    for (const QString &kind : kinds) {
        if (want("enqueue"))
            enqueueRates(kind, freshDatabase(kind, admin, dir), 2000 / scale, 10000 / scale);
        if (want("claim")) {
            for (int threads : {1, 4, 8}) {
                const int jobs = 10000 / scale;
                const DatabaseUrl url = freshDatabase(kind, admin, dir);
                fillQueue(url, jobs);
                print(kind, QStringLiteral("claim+complete no-op, %1 threads (%2 jobs)")
                                .arg(threads).arg(jobs),
                      claimCompleteRate(url, threads, claimCompleteOneByOne),
                      QStringLiteral("jobs/s"));
            }
            for (int threads : {1, 4, 8}) {
                const int jobs = 20000 / scale;
                const DatabaseUrl url = freshDatabase(kind, admin, dir);
                fillQueue(url, jobs);
                print(kind, QStringLiteral("claim+complete no-op, %1 threads, 16 per statement")
                                .arg(threads),
                      claimCompleteRate(url, threads,
                                        [](JobQueue &queue, const QString &id) {
                                            return claimCompleteInBatches(queue, id, 16);
                                        }),
                      QStringLiteral("jobs/s"));
            }
        }
        if (want("drain")) {
            // The default (automatic prefetch), then one job per worker at a time, which is
            // what graphile-worker does without its local queue.
            for (int prefetch : {-1, 0}) {
                for (int workers : {1, 4, 16})
                    drainRate(kind, freshDatabase(kind, admin, dir), workers, 20000 / scale,
                              prefetch);
            }
        }
        if (want("latency"))
            latency(kind, freshDatabase(kind, admin, dir), 500 / scale, 20);
    }
    return 0;
}

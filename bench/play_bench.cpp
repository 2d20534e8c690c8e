// play_bench: real plays through the whole queue — enqueue, a WorkerPool parsing them chunk by
// chunk with checkpoints, playbooks stored — on SQLite and PostgreSQL, local and through a
// DelayProxy that puts the database on "another host". Prints plays/s, MB/s, round trips and
// bytes sent per play, the tables' size after the drain, and the ratio to the parser alone on
// the same number of threads, in wall time and in this process's CPU time.
//
//   play_bench [--pg postgres://admin…] [--no-sqlite] [--copies N] [--workers W]
//              [--delay-ms D] [--progress-interval-ms MS] [PLAYS_DIR]
#include "delayproxy.h"

#include "engine/database.h"
#include "engine/jobqueue.h"
#include "engine/migrations.h"
#include "engine/parse/parserun.h"
#include "engine/parsejobhandler.h"
#include "engine/workerpool.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QUuid>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <functional>
#include <tuple>

using namespace Engine;

namespace {

struct Play
{
    QString name;
    QByteArray text;
};

void print(const QString &where, const QString &what, double value, const QString &unit)
{
    std::printf("%-16s %-52s %12.2f %s\n", qPrintable(where), qPrintable(what), value, qPrintable(unit));
    std::fflush(stdout);
}

QList<Play> loadPlays(const QString &dir, int copies)
{
    QList<Play> plays;
    const QFileInfoList files = QDir(dir).entryInfoList({QStringLiteral("*.txt")}, QDir::Files, QDir::Name);
    for (int copy = 0; copy < copies; ++copy) {
        for (const QFileInfo &info : files) {
            QFile file(info.filePath());
            if (!file.open(QIODevice::ReadOnly))
                qFatal("cannot read %s", qPrintable(info.filePath()));
            plays << Play{QStringLiteral("%1-%2").arg(copy).arg(info.fileName()), file.readAll()};
        }
    }
    return plays;
}

/// CPU time of this whole process (every thread), in ms: on a machine that other work shares,
/// wall times move with the load and this does not.
double processCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double g_lastCpuMs = 0; ///< CPU time of the last parserOnlyMs() or drain()

qint64 textBytes(const QList<Play> &plays)
{
    qint64 bytes = 0;
    for (const Play &play : plays)
        bytes += play.text.size();
    return bytes;
}

/// The parser alone, on `threads` threads: the floor for what the queue adds.
double parserOnlyMs(const QList<Play> &plays, int threads, int chunkSize, bool withCheckpoints = false)
{
    QThreadPool pool;
    pool.setMaxThreadCount(threads);
    std::atomic<int> next{0};
    const double cpuStart = processCpuMs();
    QElapsedTimer timer;
    timer.start();
    for (int t = 0; t < threads; ++t) {
        pool.start([&] {
            const QJsonObject config = chunkSize > 0 ? QJsonObject{{QStringLiteral("chunkSize"), chunkSize}}
                                                     : QJsonObject();
            for (int i = next++; i < plays.size(); i = next++) {
                ParseError error;
                auto run = ParseRun::begin(QString::fromUtf8(plays.at(i).text), config, &error);
                while (run && !run->finished()) {
                    if (!run->runNextChunk(nullptr, &error))
                        qFatal("parser only: %s", qPrintable(error.message));
                    if (withCheckpoints) { // what the handler hands the pool after every chunk
                        run->currentState();
                        run->takeChunkResults();
                    }
                }
                if (!run)
                    qFatal("parser only: %s", qPrintable(error.message));
                run->playbook();
            }
        });
    }
    pool.waitForDone();
    g_lastCpuMs = processCpuMs() - cpuStart;
    return double(timer.nsecsElapsed()) / 1e6;
}

DatabaseUrl freshDatabase(bool postgres, const DatabaseUrl &admin, QTemporaryDir &dir)
{
    static int counter = 0;
    DatabaseUrl url;
    if (!postgres) {
        url.sqlitePath = dir.filePath(QStringLiteral("plays-%1.db").arg(++counter));
    } else {
        url = admin;
        url.database = QStringLiteral("cbplays_") + QUuid::createUuid().toString(QUuid::Id128).left(12);
        ScopedConnection connection(admin, QStringLiteral("bench-admin"));
        QSqlQuery(connection.database()).exec(QStringLiteral("CREATE DATABASE ") + url.database);
    }
    ScopedConnection connection(url, QStringLiteral("bench-migrate"));
    if (const auto migrated = Migrations::migrate(connection.database()); !migrated)
        qFatal("migration failed: %s", qPrintable(migrated.error().message));
    return url;
}

qint64 scalar(QSqlDatabase db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

/// Bytes the queue's tables take after the drain: rows, their TOAST and indexes.
qint64 tableBytes(const DatabaseUrl &url)
{
    ScopedConnection connection(url, QStringLiteral("bench-size"));
    QSqlDatabase db = connection.database();
    if (url.isPostgres()) {
        QSqlQuery(db).exec(QStringLiteral("VACUUM"));
        return scalar(db, QStringLiteral(R"(SELECT SUM(pg_total_relation_size(c.oid))::bigint
            FROM pg_class c WHERE c.relname IN ('ParseJob', 'JobEvent', 'CallboardPlaybook',
                                                'CallboardChunkResult') AND c.relkind = 'r')"));
    }
    QSqlQuery(db).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    QSqlQuery(db).exec(QStringLiteral("VACUUM"));
    return QFileInfo(url.sqlitePath).size();
}

struct DrainFigures
{
    double ms = 0;
    double cpuMs = 0; ///< this process's CPU time during the drain (a PostgreSQL server's not)
    qint64 roundTrips = 0;
    qint64 bytesToServer = 0;
    qint64 tableBytes = 0;
    qint64 completed = 0;
};

DrainFigures drain(const DatabaseUrl &url, const QList<Play> &plays, int workers, int chunkSize,
                   int progressIntervalMs, int delayMs)
{
    {
        ScopedConnection connection(url, QStringLiteral("bench-enqueue"));
        JobQueue queue(connection.database());
        QList<EnqueueInput> inputs;
        for (const Play &play : plays) {
            EnqueueInput input;
            input.filename = play.name;
            input.rawText = play.text;
            if (chunkSize > 0)
                input.config = {{QStringLiteral("chunkSize"), chunkSize}};
            inputs << input;
        }
        queue.enqueueMany(inputs, QStringLiteral("bench"));
    }
    // PostgreSQL through the proxy even when local (0 ms): the round trips are counted either way.
    std::unique_ptr<DelayProxy> proxy;
    DatabaseUrl workerUrl = url;
    if (url.isPostgres()) {
        proxy = std::make_unique<DelayProxy>(url.host, quint16(url.port), delayMs);
        if (!proxy->start())
            qFatal("proxy cannot listen");
        workerUrl.port = proxy->port();
    }
    WorkerPoolOptions options;
    options.url = workerUrl;
    options.workers = workers;
    options.drain = true;
    options.progressIntervalMs = progressIntervalMs;
    options.handler = parsePlayHandler;
    WorkerPool pool(options);
    QSignalSpy drained(&pool, &WorkerPool::drained);
    const double cpuStart = processCpuMs();
    QElapsedTimer timer;
    timer.start();
    if (const auto started = pool.start(); !started)
        qFatal("pool: %s", qPrintable(started.error().message));
    if (!drained.wait(1800000))
        qFatal("the drain did not finish");
    DrainFigures figures;
    figures.ms = double(timer.nsecsElapsed()) / 1e6;
    figures.cpuMs = processCpuMs() - cpuStart;
    pool.stop();
    if (proxy) {
        figures.roundTrips = proxy->counters().roundTrips;
        figures.bytesToServer = proxy->counters().bytesToServer;
    }
    {
        ScopedConnection connection(url, QStringLiteral("bench-count"));
        figures.completed = scalar(connection.database(),
                                   QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob" WHERE "status" = 'completed')"));
    }
    figures.tableBytes = tableBytes(url);
    return figures;
}

/// The run with the median wall time of `runs` runs of `measure`, and the fastest and slowest
/// wall times: on a 2-core machine one run moves by ±20 %, which decides a 2× target.
template<typename Figures>
std::tuple<Figures, double, double> medianOf(int runs, const std::function<Figures()> &measure)
{
    QList<Figures> all;
    for (int i = 0; i < runs; ++i)
        all << measure();
    std::sort(all.begin(), all.end(), [](const Figures &a, const Figures &b) { return a.ms < b.ms; });
    return {all.at(all.size() / 2), all.constFirst().ms, all.constLast().ms};
}

struct ParseFigures
{
    double ms = 0;
    double cpuMs = 0;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("plays"), QStringLiteral("Folder of plays (*.txt)."));
    parser.addOption({QStringLiteral("pg"), QStringLiteral("PostgreSQL admin URL."), QStringLiteral("url")});
    parser.addOption({QStringLiteral("no-sqlite"), QStringLiteral("Measure PostgreSQL only.")});
    parser.addOption({QStringLiteral("copies"), QStringLiteral("Copies of each play (default 10)."), QStringLiteral("n"), QStringLiteral("10")});
    parser.addOption({QStringLiteral("workers"), QStringLiteral("Worker threads (default 2)."), QStringLiteral("n"), QStringLiteral("2")});
    parser.addOption({QStringLiteral("delay-ms"), QStringLiteral("Delay each way for the remote runs (default 25; 0: none)."), QStringLiteral("ms"), QStringLiteral("25")});
    parser.addOption({QStringLiteral("repeat"), QStringLiteral("Runs of each local measurement, median shown (default 3)."), QStringLiteral("n"), QStringLiteral("3")});
    parser.addOption({QStringLiteral("progress-interval-ms"), QStringLiteral("Pool's progress interval (default 1000)."), QStringLiteral("ms"), QStringLiteral("1000")});
    parser.process(app);
    QLoggingCategory::setFilterRules(QStringLiteral("callboard.*.info=false\ncallboard.*.warning=false"));

    const QString dir = parser.positionalArguments().value(0, qEnvironmentVariable("CALLBOARD_PLAYS_DIR", QStringLiteral(CALLBOARD_PLAYS_DIR)));
    const int copies = parser.value(QStringLiteral("copies")).toInt();
    const int workers = parser.value(QStringLiteral("workers")).toInt();
    const int delayMs = parser.value(QStringLiteral("delay-ms")).toInt();
    const int interval = parser.value(QStringLiteral("progress-interval-ms")).toInt();
    const int repeat = qMax(1, parser.value(QStringLiteral("repeat")).toInt());
    const QList<Play> plays = loadPlays(dir, copies);
    if (plays.isEmpty())
        qFatal("no plays in %s", qPrintable(dir));
    const double mb = textBytes(plays) / 1e6;
    std::printf("%lld plays, %.1f MB of text, %d workers, progress interval %d ms, median of %d "
                "runs (the remote drain: one)\n",
                qlonglong(plays.size()), mb, workers, interval, repeat);

    auto parseOnly = [&](int chunkSize) {
        return std::function<ParseFigures()>([&plays, workers, chunkSize] {
            ParseFigures figures;
            figures.ms = parserOnlyMs(plays, workers, chunkSize);
            figures.cpuMs = g_lastCpuMs;
            return figures;
        });
    };
    const auto [parse, parseFastest, parseSlowest] = medianOf(repeat, parseOnly(0));
    const auto [parseOneChunk, oneChunkFastest, oneChunkSlowest] = medianOf(repeat, parseOnly(1000000));
    print(QStringLiteral("parser only"), QStringLiteral("default chunk size (runs: %1–%2 ms)")
                                             .arg(parseFastest, 0, 'f', 0).arg(parseSlowest, 0, 'f', 0),
          parse.ms, QStringLiteral("ms"));
    print(QStringLiteral("parser only"), QStringLiteral("one chunk per play (runs: %1–%2 ms)")
                                             .arg(oneChunkFastest, 0, 'f', 0).arg(oneChunkSlowest, 0, 'f', 0),
          parseOneChunk.ms, QStringLiteral("ms"));
    print(QStringLiteral("parser only"), QStringLiteral("default chunk size, with checkpoint data"),
          parserOnlyMs(plays, workers, 0, true), QStringLiteral("ms"));

    QTemporaryDir tmp;
    DatabaseUrl admin;
    QList<std::pair<QString, bool>> kinds;
    if (!parser.isSet(QStringLiteral("no-sqlite")))
        kinds << std::make_pair(QStringLiteral("sqlite"), false);
    if (parser.isSet(QStringLiteral("pg"))) {
        const auto url = DatabaseUrl::parse(parser.value(QStringLiteral("pg")));
        if (!url)
            qFatal("%s", qPrintable(url.error().message));
        admin = *url;
        kinds << std::make_pair(QStringLiteral("postgres"), true);
    }
    for (const auto &[kind, postgres] : kinds) {
        QList<std::pair<QString, int>> links{{QStringLiteral("local"), 0}};
        if (postgres && delayMs > 0)
            links << std::make_pair(QStringLiteral("rtt %1 ms").arg(2 * delayMs), delayMs);
        double localMs = 0;
        for (const auto &[link, delay] : links) {
            for (const int chunkSize : {0, 1000000}) {
                if (chunkSize && delay)
                    continue; // the chunk-size ratio is a local figure
                const auto [f, fastest, slowest] = medianOf(
                    delay ? 1 : repeat, std::function<DrainFigures()>([&, chunkSize = chunkSize, delay = delay] {
                        const DrainFigures figures = drain(freshDatabase(postgres, admin, tmp), plays,
                                                           workers, chunkSize, interval, delay);
                        if (figures.completed != plays.size())
                            std::printf("!! only %lld of %lld plays completed\n", figures.completed,
                                        qlonglong(plays.size()));
                        return figures;
                    }));
                const QString where = kind + QLatin1Char(' ') + link;
                const QString size = chunkSize ? QStringLiteral("one chunk per play") : QStringLiteral("default chunks");
                print(where, QStringLiteral("drain, %1: wall (runs: %2–%3 ms)")
                                 .arg(size).arg(fastest, 0, 'f', 0).arg(slowest, 0, 'f', 0),
                      f.ms, QStringLiteral("ms"));
                print(where, QStringLiteral("drain, %1: plays/s").arg(size), plays.size() * 1000.0 / f.ms, QStringLiteral("plays/s"));
                print(where, QStringLiteral("drain, %1: MB/s").arg(size), mb * 1000.0 / f.ms, QStringLiteral("MB/s"));
                print(where, QStringLiteral("drain, %1: ÷ parser alone").arg(size),
                      f.ms / (chunkSize ? parseOneChunk.ms : parse.ms), QStringLiteral("×"));
                print(where, QStringLiteral("drain, %1: CPU here ÷ parser alone's").arg(size),
                      f.cpuMs / (chunkSize ? parseOneChunk.cpuMs : parse.cpuMs), QStringLiteral("×"));
                if (postgres) {
                    print(where, QStringLiteral("drain, %1: round trips per play").arg(size),
                          double(f.roundTrips) / plays.size(), QStringLiteral("round trips"));
                    print(where, QStringLiteral("drain, %1: bytes sent per play").arg(size),
                          double(f.bytesToServer) / plays.size() / 1024.0, QStringLiteral("kB"));
                }
                print(where, QStringLiteral("drain, %1: tables ÷ play text").arg(size),
                      f.tableBytes / (mb * 1e6), QStringLiteral("×"));
                if (!chunkSize && !delay)
                    localMs = f.ms;
                if (delay)
                    print(where, QStringLiteral("drain: ÷ local drain"), f.ms / localMs, QStringLiteral("×"));
            }
        }
    }
    return 0;
}

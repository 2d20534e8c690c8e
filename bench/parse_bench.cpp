// parse_bench: throughput of the whole ParseRun (normalise, pre-scan, every chunk, playbook) on the
// real plays of shared/plays.
//
//   parse_bench [PLAYS_DIR] [--chunk-size N] [--repeat N]
//
// PLAYS_DIR defaults to $CALLBOARD_PLAYS_DIR, then to the path compiled in.
#include "engine/parse/parserun.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QTextStream>

#include <algorithm>

namespace {

struct Timing
{
    double bestMs = 0;
    int speeches = 0;
    int chunks = 0;
};

int countSpeeches(const QJsonObject &playbook)
{
    int n = 0;
    for (const QJsonValue &a : playbook.value(QStringLiteral("acts")).toArray()) {
        for (const QJsonValue &s : a.toObject().value(QStringLiteral("scenes")).toArray())
            n += int(s.toObject().value(QStringLiteral("speeches")).toArray().size());
    }
    return n;
}

// Best of `repeat` runs: the minimum is the least disturbed by other work on the machine.
bool timeRun(const QString &text, int chunkSize, int repeat, Timing *out, QString *error)
{
    const QJsonObject config{{QStringLiteral("chunkSize"), chunkSize}};
    double best = -1;
    for (int i = 0; i < repeat; ++i) {
        QElapsedTimer timer;
        timer.start();
        Engine::ParseError err;
        auto run = Engine::ParseRun::begin(text, config, &err);
        if (!run) {
            *error = err.message;
            return false;
        }
        while (!run->finished()) {
            if (!run->runNextChunk(nullptr, &err)) {
                *error = err.message;
                return false;
            }
        }
        const QJsonObject playbook = run->playbook();
        const double ms = double(timer.nsecsElapsed()) / 1e6;
        if (best < 0 || ms < best)
            best = ms;
        out->speeches = countSpeeches(playbook);
        out->chunks = run->totalChunks();
    }
    out->bestMs = best;
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    QStringList args = app.arguments().mid(1);
    int chunkSize = 200;
    int repeat = 5;
    QString dir = qEnvironmentVariable("CALLBOARD_PLAYS_DIR", QStringLiteral(CALLBOARD_PLAYS_DIR));
    for (int i = 0; i < args.size(); ++i) {
        if (args.at(i) == u"--chunk-size" && i + 1 < args.size())
            chunkSize = args.at(++i).toInt();
        else if (args.at(i) == u"--repeat" && i + 1 < args.size())
            repeat = std::max(1, args.at(++i).toInt());
        else
            dir = args.at(i);
    }

    const QStringList files = QDir(dir).entryList({QStringLiteral("*.txt")}, QDir::Files, QDir::Name);
    if (files.isEmpty()) {
        QTextStream(stderr) << "no plays (*.txt) in " << dir << '\n';
        return 1;
    }
    out << "chunk size " << chunkSize << ", best of " << repeat << " runs\n";
    out << QStringLiteral("%1 %2 %3 %4 %5 %6\n")
               .arg(QStringLiteral("play"), -14)
               .arg(QStringLiteral("KiB"), 8)
               .arg(QStringLiteral("chunks"), 7)
               .arg(QStringLiteral("speeches"), 9)
               .arg(QStringLiteral("ms"), 9)
               .arg(QStringLiteral("MB/s"), 8);
    QString largest;
    qint64 largestBytes = 0;
    double largestRate = 0;
    qint64 totalBytes = 0;
    double totalMs = 0;
    for (const QString &name : files) {
        QFile f(dir + u'/' + name);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QByteArray bytes = f.readAll();
        const QString text = QString::fromUtf8(bytes);
        Timing t;
        QString error;
        if (!timeRun(text, chunkSize, repeat, &t, &error)) {
            out << name << ": error: " << error << '\n';
            continue;
        }
        out << QStringLiteral("%1 %2 %3 %4 %5 %6\n")
                   .arg(QFileInfo(name).completeBaseName(), -14)
                   .arg(double(bytes.size()) / 1024, 8, 'f', 1)
                   .arg(t.chunks, 7)
                   .arg(t.speeches, 9)
                   .arg(t.bestMs, 9, 'f', 2)
                   .arg(double(bytes.size()) / 1e6 / (t.bestMs / 1000), 8, 'f', 1);
        totalBytes += bytes.size();
        totalMs += t.bestMs;
        if (bytes.size() > largestBytes) {
            largestBytes = bytes.size();
            largest = name;
            largestRate = double(bytes.size()) / 1e6 / (t.bestMs / 1000);
        }
    }
    out << QStringLiteral("largest play: %1, %2 MB/s\n").arg(largest).arg(largestRate, 0, 'f', 1);
    out << QStringLiteral("all plays: %1 MB in %2 ms, %3 MB/s\n")
               .arg(double(totalBytes) / 1e6, 0, 'f', 2)
               .arg(totalMs, 0, 'f', 1)
               .arg(double(totalBytes) / 1e6 / (totalMs / 1000), 0, 'f', 1);
    return 0;
}

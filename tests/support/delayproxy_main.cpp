// callboard-delayproxy: a database on another host, for trying Callboard by hand and for the
// benchmarks. Prints "listening on PORT", forwards with the delay, and on SIGINT or SIGTERM prints
// what it counted and exits.
#include "delayproxy.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>
#include <QTimer>

#include <atomic>
#include <csignal>

namespace {
std::atomic<bool> g_stop{false};
void requestStop(int)
{
    g_stop = true;
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("A TCP proxy that delays each direction and counts round trips."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("upstream"), QStringLiteral("Server to forward to."), QStringLiteral("host:port")});
    parser.addOption({QStringLiteral("delay-ms"), QStringLiteral("Delay each way (default 25)."), QStringLiteral("ms"), QStringLiteral("25")});
    parser.addOption({QStringLiteral("listen-port"), QStringLiteral("Port on 127.0.0.1 (default: any free one)."), QStringLiteral("port"), QStringLiteral("0")});
    parser.process(app);

    QTextStream err(stderr);
    const QString upstream = parser.value(QStringLiteral("upstream"));
    bool portOk = false, delayOk = false, listenOk = false;
    const quint16 upstreamPort = upstream.section(QLatin1Char(':'), -1).toUShort(&portOk);
    const int delay = parser.value(QStringLiteral("delay-ms")).toInt(&delayOk);
    const quint16 listenPort = parser.value(QStringLiteral("listen-port")).toUShort(&listenOk);
    if (!upstream.contains(QLatin1Char(':')) || !portOk || !delayOk || delay < 0 || !listenOk) {
        err << "usage: callboard-delayproxy --upstream HOST:PORT [--delay-ms N] [--listen-port P]\n";
        return 2;
    }
    DelayProxy proxy(upstream.section(QLatin1Char(':'), 0, -2), upstreamPort, delay);
    if (!proxy.start(listenPort)) {
        err << "cannot listen on port " << listenPort << "\n";
        return 1;
    }
    QTextStream out(stdout);
    out << "listening on " << proxy.port() << Qt::endl;

    std::signal(SIGINT, requestStop);
    std::signal(SIGTERM, requestStop);
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &app, [&] {
        if (!g_stop)
            return;
        const DelayProxy::Counters c = proxy.counters();
        out << "round trips " << c.roundTrips << ", connections " << c.connections
            << ", bytes to server " << c.bytesToServer << ", to client " << c.bytesToClient
            << Qt::endl;
        app.quit();
    });
    poll.start(100);
    return app.exec();
}

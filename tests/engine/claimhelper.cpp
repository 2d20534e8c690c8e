// Claims and completes jobs until the queue is empty; prints each id it completed.
// Used by tst_queueconcurrency to race several OS processes on one database.
#include "engine/database.h"
#include "engine/jobqueue.h"

#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 3)
        return 2;
    const auto url = Engine::DatabaseUrl::parse(args.at(1));
    if (!url)
        return 2;
    Engine::ScopedConnection connection(*url, QStringLiteral("claimhelper"));
    if (!connection.isOpen())
        return 1;
    Engine::JobQueue queue(connection.database());
    QTextStream out(stdout);
    const QString worker = args.at(2);
    auto job = queue.claimNext(worker);
    while (job) {
        out << job->id << '\n';
        job = queue.completeAndClaimNext(job->id, worker).second;
    }
    return 0;
}

#include "testhelpers.h"

#include <QFile>
#include <QSqlQuery>

namespace TestHelpers {

QByteArray playText(const QString &name)
{
    QFile file(qEnvironmentVariable("CALLBOARD_PLAYS_DIR", QStringLiteral(CALLBOARD_DEFAULT_PLAYS_DIR))
               + u'/' + name);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

int scalar(QSqlDatabase db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return -1;
    return query.value(0).toInt();
}

} // namespace TestHelpers

bool TestHelpers::ageWorker(QSqlDatabase db, const QString &id, int seconds)
{
    QSqlQuery query(db);
    query.prepare(db.driverName() == QLatin1String("QPSQL")
                      ? QStringLiteral(R"(UPDATE "CallboardWorker"
                            SET "lastHeartbeatAt" = "lastHeartbeatAt" - make_interval(secs => :s),
                                "startedAt" = "startedAt" - make_interval(secs => :s)
                            WHERE "id" = :id)")
                      : QStringLiteral(R"(UPDATE "CallboardWorker"
                            SET "lastHeartbeatAt" = strftime('%Y-%m-%dT%H:%M:%fZ', "lastHeartbeatAt",
                                                             printf('-%d seconds', :s)),
                                "startedAt" = strftime('%Y-%m-%dT%H:%M:%fZ', "startedAt",
                                                       printf('-%d seconds', :s))
                            WHERE "id" = :id)"));
    query.bindValue(QStringLiteral(":s"), seconds);
    query.bindValue(QStringLiteral(":id"), id);
    return query.exec() && query.numRowsAffected() == 1;
}

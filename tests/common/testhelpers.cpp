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

#include "session/connectionprobe.h"

#include "engine/database.h"
#include "engine/migrations.h"

#include <QCoreApplication>
#include <QSqlQuery>

namespace ConnectionProbe {

Result run(const Engine::DatabaseUrl &url)
{
    Result result;
    const QString name = Engine::Database::uniqueConnectionName(QStringLiteral("probe"));
    {
        const auto opened = Engine::Database::open(url, name);
        if (!opened) {
            result.message = opened.error().message;
        } else {
            QSqlDatabase db = *opened;
            const auto current = Engine::Migrations::currentVersion(db);
            const int version = current ? *current : -1;
            QString server;
            QSqlQuery query(db);
            if (url.isPostgres() && query.exec(QStringLiteral("SHOW server_version")) && query.next())
                server = QStringLiteral("PostgreSQL ") + query.value(0).toString();
            else if (query.exec(QStringLiteral("SELECT sqlite_version()")) && query.next())
                server = QStringLiteral("SQLite ") + query.value(0).toString();
            query.finish();
            result.ok = true;
            // Translated in the dialog's context, where these sentences have always been.
            if (version <= 0)
                result.message = QCoreApplication::translate(
                                     "ConnectionDialog",
                                     "Connected to %1. The queue tables will be created.")
                                     .arg(server);
            else
                result.message = QCoreApplication::translate("ConnectionDialog",
                                                             "Connected to %1 (schema version %2).")
                                     .arg(server)
                                     .arg(version);
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

} // namespace ConnectionProbe

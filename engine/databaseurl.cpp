#include "engine/databaseurl.h"

#include "engine/enginetr.h"

#include <QDir>
#include <QStandardPaths>
#include <QUrl>
#include <QUrlQuery>

namespace Engine {

namespace {
const QStringList &sslModes()
{
    static const QStringList modes{QStringLiteral("disable"),   QStringLiteral("allow"),
                                   QStringLiteral("prefer"),    QStringLiteral("require"),
                                   QStringLiteral("verify-ca"), QStringLiteral("verify-full")};
    return modes;
}

Error invalid(const QString &message)
{
    return Error(Error::Kind::InvalidInput, message);
}
} // namespace

Expected<DatabaseUrl> DatabaseUrl::parse(const QString &text)
{
    const QString trimmed = text.trimmed();
    DatabaseUrl url;
    if (trimmed.startsWith(QLatin1String("sqlite:"))) {
        QString path = trimmed.mid(7);
        if (path.startsWith(QLatin1String("//")))
            path = path.mid(2); // sqlite:///abs → /abs
        if (path.isEmpty()) {
            return invalid(Tr::tr("Database URL '%1' names no SQLite file").arg(trimmed));
        }
        url.kind = Kind::Sqlite;
        url.sqlitePath = QDir::cleanPath(QDir::current().absoluteFilePath(path));
        return url;
    }
    if (trimmed.startsWith(QLatin1String("postgres://"))
        || trimmed.startsWith(QLatin1String("postgresql://"))) {
        const QUrl parsed(trimmed, QUrl::StrictMode);
        if (!parsed.isValid() || parsed.host().isEmpty()) {
            return invalid(Tr::tr("Database URL is not a valid postgres:// URL (expected "
                            "postgres://user:password@host:port/database)"));
        }
        url.kind = Kind::Postgres;
        url.host = parsed.host();
        url.port = parsed.port(5432);
        if (url.port <= 0 || url.port > 65535) {
            return invalid(Tr::tr("Database URL has an invalid port"));
        }
        url.database = parsed.path().mid(1);
        // No silent default: "postgres" is the server's maintenance database, and migrating
        // the queue into it by accident is what a forgotten path used to do.
        if (url.database.isEmpty()) {
            return invalid(Tr::tr("Database URL names no database (expected "
                            "postgres://user@host:port/database)"));
        }
        url.user = parsed.userName(QUrl::FullyDecoded);
        url.password = parsed.password(QUrl::FullyDecoded);
        const QUrlQuery query(parsed);
        url.sslMode = query.queryItemValue(QStringLiteral("sslmode"));
        if (!url.sslMode.isEmpty() && !sslModes().contains(url.sslMode)) {
            return invalid(Tr::tr("Unknown sslmode '%1' (use one of %2)")
                         .arg(url.sslMode, sslModes().join(QStringLiteral(", "))));
        }
        const QString timeout = query.queryItemValue(QStringLiteral("connect_timeout"));
        if (!timeout.isEmpty())
            url.connectTimeoutSeconds = qMax(1, timeout.toInt());
        return url;
    }
    return invalid(Tr::tr("Unsupported database URL '%1': use sqlite:PATH or postgres://…")
                 .arg(trimmed.section(QLatin1Char('@'), -1)));
}

DatabaseUrl DatabaseUrl::defaultUrl()
{
    DatabaseUrl url;
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    url.sqlitePath = QDir(dir).filePath(QStringLiteral("callboard.db"));
    return url;
}

Expected<DatabaseUrl> DatabaseUrl::fromEnvironment()
{
    const QString env = qEnvironmentVariable("CALLBOARD_DB");
    if (env.isEmpty())
        return defaultUrl();
    return parse(env);
}

QString DatabaseUrl::displayString() const
{
    if (kind == Kind::Sqlite)
        return QStringLiteral("sqlite://%1").arg(sqlitePath);
    QString s = QStringLiteral("postgres://");
    if (!user.isEmpty()) {
        s += user;
        if (!password.isEmpty())
            s += QStringLiteral(":***");
        s += QLatin1Char('@');
    }
    s += QStringLiteral("%1:%2/%3").arg(host).arg(port).arg(database);
    if (!sslMode.isEmpty())
        s += QStringLiteral("?sslmode=") + sslMode;
    return s;
}

QString DatabaseUrl::toUrlString() const
{
    if (kind == Kind::Sqlite)
        return QStringLiteral("sqlite://%1").arg(sqlitePath);
    QUrl url;
    url.setScheme(QStringLiteral("postgres"));
    url.setHost(host);
    url.setPort(port);
    url.setPath(QLatin1Char('/') + database);
    url.setUserName(user);
    url.setPassword(password);
    if (!sslMode.isEmpty())
        url.setQuery(QStringLiteral("sslmode=") + sslMode);
    return url.toString();
}

} // namespace Engine

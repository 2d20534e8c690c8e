#include "engine/database.h"

#include "engine/enginetr.h"
#include "engine/libpq.h"
#include "engine/logging.h"
#include "engine/migrations.h"

#include <QAtomicInt>
#include <QDir>
#include <QFileInfo>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>

#include <sys/socket.h>

namespace Engine {

namespace Database {

QString uniqueConnectionName(const QString &prefix)
{
    static QAtomicInt counter;
    return QStringLiteral("%1-%2").arg(prefix).arg(counter.fetchAndAddRelaxed(1));
}

QString applicationName(const QString &connectionName)
{
    // "window-3" → "callboard window", "host-42-0-7" (a worker's id + counter) → "callboard
    // host-42-0": the name without the counter uniqueConnectionName appended.
    const qsizetype dash = connectionName.lastIndexOf(QLatin1Char('-'));
    bool counted = false;
    if (dash > 0)
        connectionName.mid(dash + 1).toInt(&counted);
    const QString name = counted ? connectionName.left(dash) : connectionName;
    // At most 63 bytes reach pg_stat_activity; quotes and backslashes would end the value.
    QString value = QStringLiteral("callboard ") + name;
    value.remove(QLatin1Char('\\')).remove(QLatin1Char('\''));
    return value.left(63);
}

namespace {

/// The settings every session needs, for the connection's startup message: there they cost no
/// round trip, where a SET after connecting costs one each. Timestamps are stored as UTC
/// "timestamp(3)" as Prisma does, and the session zone makes CURRENT_TIMESTAMP and
/// LOCALTIMESTAMP agree with that; libpq would print server NOTICEs ("already exists,
/// skipping") on stderr, which is not for users. An operator's PGOPTIONS is kept before them
/// (libpq reads it only when the connection names no options). Empty when PGOPTIONS cannot be
/// carried (QPSQL turns every ';' of the options into a space): the caller SETs them instead.
QString sessionSettings()
{
    QString operatorOptions = qEnvironmentVariable("PGOPTIONS");
    if (operatorOptions.contains(QLatin1Char(';')))
        return {};
    operatorOptions.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))
        .replace(QLatin1Char('\''), QStringLiteral("\\'"));
    return (operatorOptions + QStringLiteral(" -c TimeZone=UTC -c client_min_messages=warning"))
        .trimmed();
}

} // namespace

bool isPostgres(const QSqlDatabase &db)
{
    return db.driverName() == QLatin1String("QPSQL");
}

void preferGenericPlans(const QSqlDatabase &db)
{
    if (isPostgres(db))
        QSqlQuery(db).exec(QStringLiteral("SET plan_cache_mode = force_generic_plan"));
}

QString describeError(const QSqlError &error, const DatabaseUrl &url)
{
    const QString text = error.databaseText().isEmpty() ? error.text() : error.databaseText();
    if (!url.isPostgres())
        return Tr::tr("SQLite database %1: %2").arg(url.sqlitePath, text.trimmed());
    const QString where = QStringLiteral("%1:%2").arg(url.host).arg(url.port);
    if (text.contains(QLatin1String("password authentication failed"))
        || text.contains(QLatin1String("no password supplied")))
        return Tr::tr("PostgreSQL at %1 refused the login of user '%2': wrong or missing "
                      "password").arg(where, url.user);
    if (text.contains(QLatin1String("Connection refused"))
        || text.contains(QLatin1String("could not connect"))
        || text.contains(QLatin1String("could not translate host name"))
        || text.contains(QLatin1String("timeout expired")))
        return Tr::tr("Cannot reach PostgreSQL at %1: %2")
            .arg(where, text.section(QLatin1Char('\n'), 0, 0).trimmed());
    if (text.contains(QLatin1String("does not exist")))
        return Tr::tr("PostgreSQL at %1: %2")
            .arg(where, text.section(QLatin1Char('\n'), 0, 0).trimmed());
    return Tr::tr("PostgreSQL at %1: %2")
        .arg(where, text.section(QLatin1Char('\n'), 0, 0).trimmed());
}

Expected<QSqlDatabase> open(const DatabaseUrl &url, const QString &connectionName)
{
    const auto failed = [](const QString &message) {
        return Error(Error::Kind::Database, message);
    };
    if (url.isPostgres()) {
        if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
            return failed(Tr::tr("The Qt PostgreSQL driver (QPSQL) is not installed "
                                 "(Debian package libqt6sql6-psql)"));
        }
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
        db.setHostName(url.host);
        db.setPort(url.port);
        db.setDatabaseName(url.database);
        db.setUserName(url.user);
        if (!url.password.isEmpty())
            db.setPassword(url.password);
        QStringList options{QStringLiteral("connect_timeout=%1").arg(url.connectTimeoutSeconds)};
        // A server that vanished without closing the connection (a partition, a dead host) is
        // noticed within about a minute instead of the kernel's quarter of an hour or never.
        options << QStringLiteral("keepalives=1") << QStringLiteral("keepalives_idle=30")
                << QStringLiteral("keepalives_interval=10") << QStringLiteral("keepalives_count=3")
                << QStringLiteral("tcp_user_timeout=60000");
        if (!url.sslMode.isEmpty())
            options << QStringLiteral("sslmode=") + url.sslMode;
        // Each connection names itself in pg_stat_activity, as an administrator of a shared
        // server expects ("callboard window", "callboard listener", a worker's id).
        options << QStringLiteral("application_name='%1'").arg(applicationName(connectionName));
        const QString settings = sessionSettings();
        if (!settings.isEmpty())
            options << QStringLiteral("options='%1'").arg(settings);
        db.setConnectOptions(options.join(QLatin1Char(';')));
        if (!db.open())
            return failed(describeError(db.lastError(), url));
        if (settings.isEmpty()) {
            QSqlQuery setup(db);
            setup.exec(QStringLiteral("SET TIME ZONE 'UTC'"));
            setup.exec(QStringLiteral("SET client_min_messages = warning"));
        }
        return db;
    }

    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        return failed(Tr::tr("The Qt SQLite driver (QSQLITE) is not installed"));
    }
    const QFileInfo info(url.sqlitePath);
    if (!QDir().mkpath(info.absolutePath())) {
        return failed(Tr::tr("Cannot create the folder %1").arg(info.absolutePath()));
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
    // A file this user may not write can still be read (list, show, stats): opened read-only,
    // and, when no writer left a -wal file beside it, as immutable, since reading a WAL database
    // otherwise needs a -shm file that a read-only folder cannot hold.
    const bool readOnly = info.exists() && !info.isWritable();
    QStringList options{QStringLiteral("QSQLITE_BUSY_TIMEOUT=15000")};
    if (readOnly) {
        options << QStringLiteral("QSQLITE_OPEN_READONLY") << QStringLiteral("QSQLITE_OPEN_URI");
        QUrl uri = QUrl::fromLocalFile(info.absoluteFilePath());
        if (!QFileInfo::exists(info.absoluteFilePath() + QStringLiteral("-wal")))
            uri.setQuery(QStringLiteral("immutable=1"));
        db.setDatabaseName(uri.toString(QUrl::FullyEncoded));
    } else {
        db.setDatabaseName(url.sqlitePath);
    }
    db.setConnectOptions(options.join(QLatin1Char(';')));
    if (!db.open())
        return failed(describeError(db.lastError(), url));
    // Checked before the pragmas below, which would switch another application's file to WAL.
    if (const auto owned = Migrations::checkOwnership(db); !owned) {
        db.close();
        return Error(owned.error().kind,
                     Tr::tr("SQLite database %1: %2").arg(url.sqlitePath, owned.error().message));
    }
    QSqlQuery pragma(db);
    // WAL lets readers (the window) run beside the writing workers; NORMAL sync is durable
    // across application crashes, which is what the queue promises on a desktop.
    QList<const char *> statements{"PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON",
                                   "PRAGMA busy_timeout=15000"};
    if (!readOnly)
        statements.prepend("PRAGMA journal_mode=WAL");
    for (const char *statement : std::as_const(statements)) {
        if (!pragma.exec(QString::fromLatin1(statement))) {
            const QString message = describeError(pragma.lastError(), url);
            db.close();
            return failed(message);
        }
    }
    return db;
}

} // namespace Database

void ConnectionRegistry::add(const QSqlDatabase &db)
{
    const int socket = Libpq::socket(db);
    if (socket < 0)
        return;
    QMutexLocker lock(&m_mutex);
    m_sockets.insert(db.connectionName(), socket);
    if (m_interrupted)
        ::shutdown(socket, SHUT_RDWR);
}

void ConnectionRegistry::remove(const QSqlDatabase &db)
{
    QMutexLocker lock(&m_mutex);
    m_sockets.remove(db.connectionName());
}

void ConnectionRegistry::interruptAll()
{
    QMutexLocker lock(&m_mutex);
    m_interrupted = true;
    for (const int socket : std::as_const(m_sockets))
        ::shutdown(socket, SHUT_RDWR);
}

bool ConnectionRegistry::isInterrupted() const
{
    QMutexLocker lock(&m_mutex);
    return m_interrupted;
}

void ConnectionRegistry::reset()
{
    QMutexLocker lock(&m_mutex);
    m_interrupted = false;
}

ScopedConnection::ScopedConnection(const DatabaseUrl &url, const QString &prefix,
                                   ConnectionRegistry *registry)
    : m_name(Database::uniqueConnectionName(prefix))
    , m_registry(registry)
{
    if (m_registry && m_registry->isInterrupted()) {
        m_error = Error(Error::Kind::Database,
                        Tr::tr("The database did not answer and the connections were cut"));
        return;
    }
    if (auto db = Database::open(url, m_name))
        m_db = *db;
    else
        m_error = db.error();
    // Every caller reports the error its own way (once per outage, not once per attempt).
    if (!m_db.isOpen())
        qCDebug(lcDb) << "connection failed:" << m_error.message;
    else if (m_registry)
        m_registry->add(m_db);
}

ScopedConnection::~ScopedConnection()
{
    if (m_registry)
        m_registry->remove(m_db);
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_name);
}

} // namespace Engine

#include "engine/postgreslistener.h"

#include "engine/database.h"
#include "engine/enginetr.h"
#include "engine/jobnotifier.h"
#include "engine/logging.h"

#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>

namespace Engine {

PostgresListener::PostgresListener(const DatabaseUrl &url, ConnectionRegistry *registry,
                                   QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_registry(registry)
    , m_connectionName(Database::uniqueConnectionName(QStringLiteral("listener")))
{}

PostgresListener::~PostgresListener()
{
    closeConnection();
}

void PostgresListener::closeConnection()
{
    if (m_db.isValid()) {
        if (m_registry)
            m_registry->remove(m_db);
        m_db.close();
        m_db = QSqlDatabase();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

Expected<void> PostgresListener::start()
{
    auto db = Database::open(m_url, m_connectionName);
    if (!db)
        return db.error();
    m_db = *db;
    if (m_registry)
        m_registry->add(m_db);
    if (!m_db.driver()->subscribeToNotification(QString::fromLatin1(kNotifyChannel)))
        return Error(Error::Kind::Database,
                     Tr::tr("Cannot LISTEN on %1").arg(QLatin1String(kNotifyChannel)));
    connect(m_db.driver(), &QSqlDriver::notification, this, &PostgresListener::onNotification,
            Qt::UniqueConnection);
    m_listening = true;
    if (!m_healthTimer) {
        // A dead listening socket tells nobody: probe it, and reconnect with backoff.
        m_healthTimer = new QTimer(this);
        m_healthTimer->setInterval(2000);
        connect(m_healthTimer, &QTimer::timeout, this, &PostgresListener::checkConnection);
        m_healthTimer->start();
    }
    return {};
}

bool PostgresListener::isListening() const
{
    return m_listening;
}

void PostgresListener::onNotification(const QString &name, QSqlDriver::NotificationSource,
                                      const QVariant &payload)
{
    if (name != QLatin1String(kNotifyChannel))
        return;
    const QString text = payload.toString();
    emit notified(text);
    QStringList ids;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        ids << part.section(QLatin1Char(':'), 0, 0);
        // "pause_requested", "cancel_requested": the worker running it stops mid-chunk
        if (part.endsWith(QLatin1String("_requested")))
            JobNotifier::instance()->announceControlRequest(ids.constLast());
    }
    if (ids.isEmpty())
        ids << QStringLiteral("*");
    // Claims, progress and completions send no NOTIFY: whatever arrives may have made work.
    JobNotifier::instance()->publishFromServer(ids);
}

void PostgresListener::checkConnection()
{
    if (m_listening) {
        QSqlQuery ping(m_db);
        if (ping.exec(QStringLiteral("SELECT 1")))
            return;
        m_listening = false;
        qCWarning(lcNotify) << "listening connection lost:" << ping.lastError().text();
        emit connectionLost(ping.lastError().text());
    }
    if (m_registry && m_registry->isInterrupted())
        return; // its owner is shutting down and gave up on the database
    // Back off: 2 s, 4 s, … up to 30 s between attempts.
    ++m_failures;
    const int wait = qMin(30000, 2000 << qMin(m_failures - 1, 4));
    m_healthTimer->setInterval(wait);
    closeConnection();
    if (start()) {
        m_failures = 0;
        m_healthTimer->setInterval(2000);
        qCInfo(lcNotify) << "listening connection restored";
        emit connectionRestored();
        // Whatever changed while we were deaf: let everyone re-read.
        JobNotifier::instance()->publish({QStringLiteral("*")});
    }
}

} // namespace Engine

#include "session/sessionconnection.h"

#include "engine/database.h"
#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "engine/logging.h"
#include "engine/migrations.h"
#include "engine/postgreslistener.h"
#include "engine/sqlitefile.h"
#include "session/changefeed.h"
#include "session/session.h"
#include "session/windowreads.h"

#include <QElapsedTimer>
#include <QThread>

namespace {

constexpr int kPingMs = 2000;

} // namespace

SessionConnection::SessionConnection(const Engine::DatabaseUrl &url,
                                     Engine::ConnectionRegistry *registry, Session *session)
    : m_url(url)
    , m_registry(*registry)
    , m_session(session)
    , m_connectionName(Engine::Database::uniqueConnectionName(QStringLiteral("window")))
    , m_feed(new ChangeFeed(*this, this))
    , m_ping(this)  // parented: it moves to the session thread with this object
{
    m_ping.setInterval(kPingMs);
    connect(&m_ping, &QTimer::timeout, this, &SessionConnection::ping);
    connect(m_feed, &ChangeFeed::batch, this,
            [this](const QStringList &ids, const QList<Engine::Job> &rows,
                   const QStringList &vanished) {
                QMetaObject::invokeMethod(m_session, [session = m_session, ids, rows, vanished] {
                    emit session->jobsChanged(ids, rows, vanished);
                });
            });
    connect(m_feed, &ChangeFeed::readFailed, this, [this](const QString &message) {
        QMetaObject::invokeMethod(m_session,
                                  [session = m_session, message] { emit session->feedFailed(message); });
    });
    connect(m_feed, &ChangeFeed::readSucceeded, this, [this] {
        QMetaObject::invokeMethod(m_session, [session = m_session] { emit session->feedSucceeded(); });
    });
}

SessionConnection::~SessionConnection()
{
    m_ping.stop();
    m_feed->stop();
    if (m_listenerThread) {
        // Deleted in its own thread, where its connection lives.
        QMetaObject::invokeMethod(m_listener, [listener = m_listener] { delete listener; },
                                  Qt::BlockingQueuedConnection);
        m_listenerThread->quit();
        m_listenerThread->wait();
    }
    closeConnection();
    QSqlDatabase::removeDatabase(m_connectionName);
}

bool SessionConnection::open(QString *error, bool *damaged)
{
    // A damaged embedded file is said before anything works on it (and copied aside).
    const Engine::SqliteFile::IntegrityReport integrity = Engine::SqliteFile::checkIntegrity(m_url);
    if (!integrity.ok()) {
        *damaged = true;
        *error = integrity.problem;
        return false;
    }
    if (!reopen(error))
        return false;
    if (const auto migrated = Engine::Migrations::migrate(m_db); !migrated) {
        *error = migrated.error().message;
        closeConnection();
        return false;
    }
    if (m_url.isPostgres()) {
        // The process's one LISTEN: the embedded worker pool hears through JobNotifier too. On
        // a thread of its own, so that a notification wakes the pool at once, not after the
        // window's read that this thread may be waiting for.
        m_listenerThread = std::make_unique<QThread>();
        m_listenerThread->setObjectName(QStringLiteral("callboard-listener"));
        m_listenerThread->start();
        m_listener = new Engine::PostgresListener(m_url, &m_registry);
        m_listener->moveToThread(m_listenerThread.get());
        Session *session = m_session;
        connect(m_listener, &Engine::PostgresListener::connectionLost, session,
                [session](const QString &message) { emit session->connectionLost(message); });
        connect(m_listener, &Engine::PostgresListener::connectionRestored, session,
                [session] { emit session->connectionRestored(); });
        QString listenError;
        bool listening = false;
        QMetaObject::invokeMethod(
            m_listener,
            [&] {
                const auto started = m_listener->start();
                listening = started.ok();
                if (!listening)
                    listenError = started.error().message;
            },
            Qt::BlockingQueuedConnection);
        if (!listening)
            qCWarning(lcNotify) << "LISTEN failed, the window polls instead:" << listenError;
    }
    m_feed->start();
    m_ping.start();
    ping();
    return true;
}

bool SessionConnection::reopen(QString *error)
{
    closeConnection();
    QSqlDatabase::removeDatabase(m_connectionName);
    if (m_registry.isInterrupted())
        return false;
    const auto opened = Engine::Database::open(m_url, m_connectionName);
    if (!opened) {
        *error = opened.error().message;
        return false;
    }
    m_db = *opened;
    m_registry.add(m_db);
    m_queue = std::make_unique<Engine::JobQueue>(m_db);
    m_reads = std::make_unique<WindowReads>(m_db);
    m_open = true;
    return true;
}

void SessionConnection::closeConnection()
{
    // The statements hold the connection: they go first.
    m_reads.reset();
    m_queue.reset();
    m_open = false;
    if (m_db.isValid()) {
        m_registry.remove(m_db);
        m_db.close();
        m_db = QSqlDatabase();
    }
}

void SessionConnection::ping()
{
    QString message;
    if (m_open) {
        QElapsedTimer timer;
        timer.start();
        try {
            m_reads->ping();
            const int ms = int(timer.elapsed());
            QMetaObject::invokeMethod(m_session, [session = m_session, ms] {
                session->onRoundTrip(ms);
            });
            if (m_lost) {
                m_lost = false;
                QMetaObject::invokeMethod(m_session,
                                          [session = m_session] { emit session->connectionRestored(); });
                m_feed->requestAll();
            }
            return;
        } catch (const Engine::JobError &error) {
            message = error.message();
        }
    }
    if (!m_lost) {
        m_lost = true;
        if (message.isEmpty())
            message = tr("The connection to the queue database was lost");
        QMetaObject::invokeMethod(m_session, [session = m_session, message] {
            emit session->connectionLost(message);
        });
    }
    // A statement that failed on a broken connection fails again: open it afresh (the next
    // ping says whether it works).
    QString error;
    reopen(&error);
}

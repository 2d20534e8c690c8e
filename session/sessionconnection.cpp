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

namespace {

constexpr int kPingMs = 2000;

} // namespace

SessionConnection::SessionConnection(const Engine::DatabaseUrl &url, Session *session)
    : m_url(url)
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
    m_listener.reset();
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
    if (!Engine::Migrations::migrate(m_db, error)) {
        closeConnection();
        return false;
    }
    if (m_url.isPostgres()) {
        // The process's one LISTEN: the embedded worker pool hears through JobNotifier too.
        m_listener = std::make_unique<Engine::PostgresListener>(m_url);
        QString listenError;
        if (!m_listener->start(&listenError))
            qCWarning(lcNotify) << "LISTEN failed, the window polls instead:" << listenError;
        connect(m_listener.get(), &Engine::PostgresListener::connectionLost, this,
                [this](const QString &message) {
                    QMetaObject::invokeMethod(m_session, [session = m_session, message] {
                        emit session->connectionLost(message);
                    });
                });
        connect(m_listener.get(), &Engine::PostgresListener::connectionRestored, this, [this] {
            QMetaObject::invokeMethod(m_session,
                                      [session = m_session] { emit session->connectionRestored(); });
        });
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
    m_db = Engine::Database::open(m_url, m_connectionName, error);
    if (!m_db.isOpen())
        return false;
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
                session->m_roundTripMs = ms;
                emit session->roundTripMeasured(ms);
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

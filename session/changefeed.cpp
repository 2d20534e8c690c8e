#include "session/changefeed.h"

#include "engine/joberrors.h"
#include "engine/jobnotifier.h"
#include "session/sessionconnection.h"
#include "session/windowreads.h"

namespace {

// Rows whose commit raced the previous read may carry an updatedAt a little before the time
// that read began; re-reading this much history makes such rows impossible to miss. Rows whose
// updatedAt did not move since they were delivered are dropped before they reach the window.
constexpr qint64 kSyncOverlapMs = 2000;
// Ids per "read these jobs" statement (one round trip each).
constexpr int kMaxIdRead = 500;
// Deleted jobs are rare (no API deletes them but prune): count now and then.
constexpr int kPollsPerReconcile = 10;

} // namespace

ChangeFeed::ChangeFeed(SessionConnection &connection, QObject *parent)
    : QObject(parent)
    , m_connection(connection)
    , m_tick(this)  // parented: they move to the session thread with the feed
    , m_poll(this)
{
    m_tick.setSingleShot(true);
    m_tick.setInterval(100);
    connect(&m_tick, &QTimer::timeout, this, &ChangeFeed::tick);
    m_poll.setInterval(500);
    connect(&m_poll, &QTimer::timeout, this, &ChangeFeed::poll);
    // Queued: JobNotifier publishes from whichever thread committed.
    connect(Engine::JobNotifier::instance(), &Engine::JobNotifier::jobsChanged, this,
            &ChangeFeed::onJobsChanged, Qt::QueuedConnection);
}

void ChangeFeed::start()
{
    m_started = true;
    try {
        WindowReads &reads = m_connection.reads();
        m_dataVersion = reads.dataVersion();
        m_lastSync = reads.now();
        deliver(reads.allJobs(), {}, {}, true);
        emit readSucceeded();
    } catch (const Engine::JobError &error) {
        m_pendingAll = true;
        emit readFailed(error.message());
    }
    if (m_poll.interval() > 0)
        m_poll.start();
}

void ChangeFeed::stop()
{
    m_started = false;
    m_tick.stop();
    m_poll.stop();
}

void ChangeFeed::requestAll()
{
    m_pendingAll = true;
    schedule();
}

void ChangeFeed::setPollInterval(int ms)
{
    m_poll.setInterval(ms);
    if (ms <= 0)
        m_poll.stop();
    else if (m_started)
        m_poll.start();
}

void ChangeFeed::onJobsChanged(const QStringList &ids)
{
    for (const QString &id : ids) {
        if (id == QLatin1String("*"))
            m_pendingAll = true;
        else
            m_pending.insert(id);
    }
    schedule();
}

void ChangeFeed::schedule()
{
    // Not restarted while active: a steady stream of progress still sends a batch every tick.
    if (m_started && !m_tick.isActive())
        m_tick.start();
}

void ChangeFeed::tick()
{
    if (!m_connection.isOpen())
        return;
    const QStringList ids(m_pending.cbegin(), m_pending.cend());
    const bool all = m_pendingAll;
    try {
        WindowReads &reads = m_connection.reads();
        QList<Engine::Job> rows;
        QSet<QString> unread(m_pending);
        if (all) {
            const QDateTime now = reads.now();
            rows = reads.jobsChangedSince(m_lastSync.addMSecs(-kSyncOverlapMs));
            m_lastSync = now;
            for (const Engine::Job &job : std::as_const(rows))
                unread.remove(job.id);
        }
        // What "changed since" did not return (all ids, or ids the reconcile found missing):
        // read by id, a bounded list per statement.
        const QStringList rest(unread.cbegin(), unread.cend());
        for (qsizetype i = 0; i < rest.size(); i += kMaxIdRead) {
            const QList<Engine::Job> read = reads.jobsByIds(rest.mid(i, kMaxIdRead));
            for (const Engine::Job &job : read)
                unread.remove(job.id);
            rows += read;
        }
        QStringList vanished;
        for (const QString &id : std::as_const(unread)) {
            if (m_known.contains(id))
                vanished << id;
        }
        m_pending.clear();
        m_pendingAll = false;
        deliver(std::move(rows), ids, vanished);
        emit readSucceeded();
    } catch (const Engine::JobError &error) {
        // Kept pending: the next tick after the connection is back reads them.
        m_pendingAll = true;
        emit readFailed(error.message());
    }
}

void ChangeFeed::deliver(QList<Engine::Job> rows, const QStringList &explicitIds,
                         QStringList vanished, bool always)
{
    const QSet<QString> asked(explicitIds.cbegin(), explicitIds.cend());
    QStringList changed;
    QList<Engine::Job> fresh;
    fresh.reserve(rows.size());
    for (Engine::Job &job : rows) {
        const auto it = m_known.constFind(job.id);
        // A row read again only for the overlap, unchanged, is not news.
        if (it != m_known.constEnd() && *it == job.updatedAt && !asked.contains(job.id))
            continue;
        m_known.insert(job.id, job.updatedAt);
        changed << job.id;
        fresh << std::move(job);
    }
    for (const QString &id : std::as_const(vanished))
        m_known.remove(id);
    if (fresh.isEmpty() && vanished.isEmpty() && !always)
        return;
    emit batch(changed + vanished, fresh, vanished);
}

void ChangeFeed::poll()
{
    if (!m_connection.isOpen())
        return;
    try {
        WindowReads &reads = m_connection.reads();
        if (m_connection.isPostgres()) {
            // Claims, progress and completions send no NOTIFY (workers would flood the channel):
            // rows with a newer updatedAt show them.
            m_pendingAll = true;
        } else {
            // SQLite says in O(1) whether another connection committed since we last asked.
            const qint64 version = reads.dataVersion();
            if (version != m_dataVersion)
                m_pendingAll = true;
            m_dataVersion = version;
        }
        if (++m_pollsSinceReconcile >= kPollsPerReconcile) {
            m_pollsSinceReconcile = 0;
            reconcile();
        }
    } catch (const Engine::JobError &error) {
        emit readFailed(error.message());
    }
    if (m_pendingAll || !m_pending.isEmpty())
        schedule();
}

void ChangeFeed::reconcile()
{
    WindowReads &reads = m_connection.reads();
    if (reads.jobCount() == m_known.size())
        return;
    const QSet<QString> present = reads.allIds();
    QStringList vanished;
    for (auto it = m_known.cbegin(); it != m_known.cend(); ++it) {
        if (!present.contains(it.key()))
            vanished << it.key();
    }
    for (const QString &id : present) {
        if (!m_known.contains(id))
            m_pending.insert(id);
    }
    if (!vanished.isEmpty())
        deliver({}, {}, vanished);
}

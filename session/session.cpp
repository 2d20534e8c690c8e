#include "session/session.h"

#include "engine/database.h"
#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "session/changefeed.h"
#include "session/sessionconnection.h"
#include "session/windowreads.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>

namespace {

constexpr int kCloseGraceMs = 3000;

} // namespace

Session::Session(const Engine::DatabaseUrl &url, QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_thread(new QThread)
    , m_connection(new SessionConnection(url, &m_registry, this))
{
    m_thread->setObjectName(QStringLiteral("callboard-session"));
    m_connection->moveToThread(m_thread);
    m_thread->start();
    m_watchdog.setInterval(1000);
    connect(&m_watchdog, &QTimer::timeout, this, &Session::checkSilence);
}

void Session::onRoundTrip(int ms)
{
    m_roundTripMs = ms;
    m_sinceAnswer.start();
    emit roundTripMeasured(ms);
    if (m_silent) {
        m_silent = false;
        emit connectionRestored();
    }
}

void Session::checkSilence()
{
    if (m_silent || !m_sinceAnswer.isValid() || m_sinceAnswer.elapsed() < m_silenceLimitMs)
        return;
    m_silent = true;
    emit connectionLost(tr("The queue database has not answered for %n second(s)", nullptr,
                           int(m_sinceAnswer.elapsed() / 1000)));
}

Session::~Session()
{
    // Deleted in its own thread, where its connection lives; then the thread ends.
    QMetaObject::invokeMethod(m_connection, [connection = m_connection] {
        delete connection;
        QThread::currentThread()->quit();
    });
    // A read may be waiting for a server that stopped answering: past a short grace, cut the
    // connections rather than keep the window from closing.
    if (!m_thread->wait(kCloseGraceMs)) {
        m_registry.interruptAll();
        m_thread->wait();
    }
    delete m_thread;
}

Session::OpenResult Session::open()
{
    OpenResult result;
    QMetaObject::invokeMethod(
        m_connection,
        [&result, connection = m_connection] {
            result.ok = connection->open(&result.error, &result.damaged);
        },
        Qt::BlockingQueuedConnection);
    m_open = result.ok;
    if (m_open) {
        m_sinceAnswer.start();
        m_watchdog.start();
    }
    return result;
}

template<typename T, typename Work>
void Session::post(QObject *context, Work work, Callback<T> done)
{
    QPointer<QObject> guard(context ? context : this);
    QMetaObject::invokeMethod(
        m_connection,
        [this, guard, work = std::move(work), done = std::move(done)]() mutable {
            SessionReply<T> reply;
            QElapsedTimer timer;
            timer.start();
            if (!m_connection->isOpen()) {
                reply.error = tr("Not connected to the queue database");
            } else {
                try {
                    reply.value = work(*m_connection);
                } catch (const Engine::JobError &error) {
                    reply.error = error.message();
                } catch (const std::exception &error) {
                    reply.error = QString::fromUtf8(error.what());
                }
            }
            reply.elapsedMs = timer.elapsed();
            // Through the session (GUI thread), where the context can be checked safely.
            QMetaObject::invokeMethod(this, [guard, done = std::move(done), reply] {
                if (guard && done)
                    done(reply);
            });
        },
        Qt::QueuedConnection);
}

void Session::readJobs(const QStringList &ids, QObject *context, Callback<QList<Engine::Job>> done)
{
    post<QList<Engine::Job>>(
        context, [ids](SessionConnection &c) { return c.reads().jobsByIds(ids); }, std::move(done));
}

void Session::readJob(const QString &id, QObject *context,
                      Callback<std::optional<Engine::Job>> done)
{
    post<std::optional<Engine::Job>>(
        context, [id](SessionConnection &c) { return c.queue().job(id); }, std::move(done));
}

void Session::readJobWithText(const QString &id, QObject *context,
                              Callback<std::optional<Engine::Job>> done)
{
    post<std::optional<Engine::Job>>(
        context, [id](SessionConnection &c) { return c.queue().job(id, true); }, std::move(done));
}

void Session::readEvents(const QString &jobId, QObject *context,
                         Callback<QList<Engine::JobEvent>> done)
{
    post<QList<Engine::JobEvent>>(
        context, [jobId](SessionConnection &c) { return c.queue().events(jobId); },
        std::move(done));
}

void Session::readPlaybook(const QString &jobId, QObject *context,
                           Callback<std::optional<Engine::PlaybookRecord>> done)
{
    post<std::optional<Engine::PlaybookRecord>>(
        context, [jobId](SessionConnection &c) { return c.queue().playbook(jobId); },
        std::move(done));
}

void Session::findExisting(const QStringList &sourcePaths, const QStringList &contentHashes,
                           QObject *context, Callback<QList<Engine::ExistingJob>> done)
{
    post<QList<Engine::ExistingJob>>(
        context,
        [sourcePaths, contentHashes](SessionConnection &c) {
            return c.queue().findExisting(sourcePaths, contentHashes);
        },
        std::move(done));
}

void Session::readActivity(qint64 afterSeq, int limit, QObject *context,
                           Callback<QList<ActivityEntry>> done)
{
    post<QList<ActivityEntry>>(
        context,
        [afterSeq, limit](SessionConnection &c) { return c.reads().activity(afterSeq, limit); },
        std::move(done));
}

void Session::readWorkers(QObject *context, Callback<QList<Engine::WorkerRecord>> done)
{
    post<QList<Engine::WorkerRecord>>(
        context, [](SessionConnection &c) { return c.reads().workers(); }, std::move(done));
}

void Session::run(const SessionCommand &command, QObject *context,
                  Callback<SessionCommand::Outcome> done)
{
    post<SessionCommand::Outcome>(
        context,
        [command](SessionConnection &c) {
            SessionCommand::Outcome outcome = command.run(c.queue());
            // In the same visit: the window shows the answer without waiting for the feed.
            outcome.rows = c.reads().jobsByIds(command.jobIds);
            return outcome;
        },
        std::move(done));
}

SessionCommand::Outcome Session::runAndWait(const SessionCommand &command)
{
    SessionCommand::Outcome outcome;
    QMetaObject::invokeMethod(
        m_connection,
        [&outcome, &command, connection = m_connection] {
            if (connection->isOpen())
                outcome = command.run(connection->queue());
        },
        Qt::BlockingQueuedConnection);
    return outcome;
}

void Session::enqueue(const QList<Engine::EnqueueInput> &inputs, const QString &actor,
                      QObject *context, Callback<QStringList> done)
{
    post<QStringList>(
        context,
        [inputs, actor](SessionConnection &c) { return c.queue().enqueueMany(inputs, actor); },
        std::move(done));
}

Session::EnqueueOutcome Session::enqueueAndWait(const QList<Engine::EnqueueInput> &inputs,
                                                const QString &actor)
{
    Q_ASSERT(QThread::currentThread() != thread() && QThread::currentThread() != m_thread);
    EnqueueOutcome outcome;
    QMetaObject::invokeMethod(
        m_connection,
        [&] {
            if (!m_connection->isOpen()) {
                outcome.error = tr("Not connected to the queue database");
                return;
            }
            Engine::JobQueue &queue = m_connection->queue();
            try {
                try {
                    outcome.jobIds = queue.enqueueMany(inputs, actor);
                } catch (const Engine::JobEnqueueError &) {
                    // One bad input rejects the batch: enqueue one by one to keep the good ones.
                    for (const Engine::EnqueueInput &input : inputs) {
                        try {
                            outcome.jobIds << queue.enqueue(input, actor);
                        } catch (const Engine::JobEnqueueError &error) {
                            outcome.rejected.append({input.filename, error.message()});
                        }
                    }
                }
            } catch (const Engine::JobError &error) {
                outcome.error = error.message();
            }
        },
        Qt::BlockingQueuedConnection);
    return outcome;
}

namespace {

/// Runs work on a pool thread over a connection of its own, named for pg_stat_activity.
template<typename T, typename Work>
void runOnOwnConnection(const Engine::DatabaseUrl &url, const QString &name, QObject *context,
                        Work work, std::function<void(const SessionReply<T> &)> done)
{
    QPointer<QObject> guard(context);
    auto *watcher = new QFutureWatcher<SessionReply<T>>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context, [watcher, guard, done] {
        watcher->deleteLater();
        if (guard && done)
            done(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([url, name, work]() {
        SessionReply<T> reply;
        QElapsedTimer timer;
        timer.start();
        Engine::ScopedConnection connection(url, name);
        if (!connection.isOpen()) {
            reply.error = connection.error();
            return reply;
        }
        try {
            reply.value = work(connection.database());
        } catch (const Engine::JobError &error) {
            reply.error = error.message();
        } catch (const std::exception &error) {
            reply.error = QString::fromUtf8(error.what());
        }
        reply.elapsedMs = timer.elapsed();
        return reply;
    }));
}

} // namespace

void Session::readMetrics(QObject *context, Callback<Engine::QueueSnapshot> done)
{
    runOnOwnConnection<Engine::QueueSnapshot>(
        m_url, QStringLiteral("metrics"), context ? context : this,
        [](QSqlDatabase db) { return Engine::QueueMetrics(db).snapshot(); }, std::move(done));
}

void Session::prune(const Engine::PruneOptions &options, QObject *context,
                    Callback<Engine::PruneResult> done)
{
    runOnOwnConnection<Engine::PruneResult>(
        m_url, QStringLiteral("prune"), context ? context : this,
        [options](QSqlDatabase db) { return Engine::Pruner(db).run(options); }, std::move(done));
}

void Session::refreshAll()
{
    QMetaObject::invokeMethod(m_connection, [connection = m_connection] {
        connection->feed().requestAll();
    });
}

void Session::setPollInterval(int ms)
{
    QMetaObject::invokeMethod(m_connection, [connection = m_connection, ms] {
        connection->feed().setPollInterval(ms);
    });
}

void Session::setTickInterval(int ms)
{
    QMetaObject::invokeMethod(m_connection, [connection = m_connection, ms] {
        connection->feed().setTickInterval(ms);
    });
}

#pragma once

#include "engine/database.h"
#include "engine/databaseurl.h"
#include "engine/job.h"
#include "engine/jobqueue.h"
#include "engine/pruner.h"
#include "engine/queuemetrics.h"
#include "engine/workerrecord.h"
#include "session/activityentry.h"
#include "session/sessioncommand.h"
#include "session/sessionreply.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <optional>

class QThread;
class SessionConnection;

/// The window's one door to the queue (qBittorrent's BitTorrent::Session): it owns the window's
/// connection on a thread of its own, so nothing on the GUI thread waits for the database.
/// Reads and commands answer through a callback, run on the GUI thread in the context object's
/// thread unless the context is gone by then. The change feed (one LISTEN per process on
/// PostgreSQL, data_version on SQLite, a periodic reconcile) arrives as one batch per tick:
/// the changed ids and their rows, already read.
class Session final : public QObject
{
    Q_OBJECT

public:
    template<typename T>
    using Callback = std::function<void(const SessionReply<T> &)>;

    explicit Session(const Engine::DatabaseUrl &url, QObject *parent = nullptr);
    ~Session() override;

    /// What opening found.
    struct OpenResult
    {
        bool ok = false;
        bool damaged = false;  ///< an embedded file failed its integrity check (copied aside)
        QString error;
    };
    /// Checks (an embedded file), opens and migrates the window's connection, starts LISTEN and
    /// the change feed. The one call that waits: the window needs to know before it shows.
    OpenResult open();
    bool isOpen() const { return m_open; }
    Engine::DatabaseUrl url() const { return m_url; }

    // Reads
    void readJobs(const QStringList &ids, QObject *context, Callback<QList<Engine::Job>> done);
    void readJob(const QString &id, QObject *context, Callback<std::optional<Engine::Job>> done);
    /// The job with its text (the playbook review shows the source lines).
    void readJobWithText(const QString &id, QObject *context,
                         Callback<std::optional<Engine::Job>> done);
    void readEvents(const QString &jobId, QObject *context,
                    Callback<QList<Engine::JobEvent>> done);
    void readPlaybook(const QString &jobId, QObject *context,
                      Callback<std::optional<Engine::PlaybookRecord>> done);
    void readActivity(qint64 afterSeq, int limit, QObject *context,
                      Callback<QList<ActivityEntry>> done);
    /// The worker pools of every process on this database ("CallboardWorker"), lost ones too.
    void readWorkers(QObject *context, Callback<QList<Engine::WorkerRecord>> done);
    /// The jobs already in the queue from these files or with these texts (the Add Plays
    /// dialog's duplicate warning).
    void findExisting(const QStringList &sourcePaths, const QStringList &contentHashes,
                      QObject *context, Callback<QList<Engine::ExistingJob>> done);
    /// On a connection of its own: a snapshot runs many statements and must not hold up the
    /// change feed.
    void readMetrics(QObject *context, Callback<Engine::QueueSnapshot> done);

    // Commands
    void run(const SessionCommand &command, QObject *context,
             Callback<SessionCommand::Outcome> done);
    /// For closing the window only: waits for the answer.
    SessionCommand::Outcome runAndWait(const SessionCommand &command);
    void enqueue(const QList<Engine::EnqueueInput> &inputs, const QString &actor,
                 QObject *context, Callback<QStringList> done);
    /// What enqueueing a batch did: one bad input does not hold the others back.
    struct EnqueueOutcome
    {
        QStringList jobIds;
        QList<QPair<QString, QString>> rejected;  ///< filename, why
        QString error;                            ///< the database failed
    };
    /// For a worker thread that enqueues many files (FileEnqueuer): waits for the session.
    /// Never from the GUI thread or the session's own.
    EnqueueOutcome enqueueAndWait(const QList<Engine::EnqueueInput> &inputs, const QString &actor);
    /// Prunes (or with dryRun counts) on a connection of its own: it runs in many batches.
    void prune(const Engine::PruneOptions &options, QObject *context,
               Callback<Engine::PruneResult> done);

    /// Asks the feed to read everything that changed recently now (after an error, a test).
    void refreshAll();
    /// How often SQLite's data_version is checked and the ids reconciled (0 stops it).
    void setPollInterval(int ms);
    /// How long changes are gathered before one batch is sent.
    void setTickInterval(int ms);
    /// The last measured round trip to the database, -1 before the first.
    int roundTripMs() const { return m_roundTripMs; }
    /// How long the database may stay silent (no answer to the session's ping) before the
    /// connection counts as lost: a partition holds a statement until the kernel gives up
    /// (a minute), and the window should say so long before.
    void setSilenceLimit(int ms) { m_silenceLimitMs = ms; }

signals:
    /// One tick's worth of changes: every id reported changed, the rows re-read (without their
    /// text), and the ids that no longer exist. The first batch after open() holds every job.
    void jobsChanged(const QStringList &ids, const QList<Engine::Job> &rows,
                     const QStringList &vanished);
    /// A feed read failed; the rows stay as they were and the feed tries again.
    void feedFailed(const QString &message);
    /// A feed read worked (after a failure: the connection works again).
    void feedSucceeded();
    void roundTripMeasured(int ms);
    void connectionLost(const QString &message);
    void connectionRestored();

private:
    friend class SessionConnection;
    template<typename T, typename Work>
    void post(QObject *context, Work work, Callback<T> done);

    Engine::DatabaseUrl m_url;
    Engine::ConnectionRegistry m_registry;  ///< the session thread's sockets, to cut on close
    QThread *m_thread;
    SessionConnection *m_connection;  ///< lives in m_thread
    void checkSilence();
    void onRoundTrip(int ms);

    bool m_open = false;
    int m_roundTripMs = -1;
    int m_silenceLimitMs = 15000;
    bool m_silent = false;
    QElapsedTimer m_sinceAnswer;
    QTimer m_watchdog;
};

#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QStringList>

class Session;

/// Enqueues dropped or chosen files and folders (recursively): a pool thread reads the files and
/// hands them to the session in batches, so that hundreds of files never freeze the window. What cannot be enqueued
/// (binary, empty, too large, unreadable) is collected with the reason; the rest is enqueued.
class FileEnqueuer final : public QObject
{
    Q_OBJECT

public:
    struct Rejected
    {
        QString path;
        QString reason;
    };
    struct Result
    {
        QStringList jobIds;
        QList<Rejected> rejected;
        bool cancelled = false;
        QString error;  ///< the database failed (nothing more was enqueued)
    };

    /// Writes through session, which must outlive this object.
    explicit FileEnqueuer(Session *session, QObject *parent = nullptr);
    ~FileEnqueuer() override;

    /// Starts enqueuing; false if a batch is still running.
    bool start(const QStringList &paths, int priority = 0);
    void cancel();
    bool isRunning() const;

    /// Expands folders recursively (hidden files and folders skipped), sorted, no duplicates.
    static QStringList expand(const QStringList &paths);
    /// Why this file cannot be a job (empty string: it can), reading at most maxBytes + 1.
    static QString rejectionReason(const QString &path, qint64 maxBytes, QByteArray *contents);

signals:
    void progress(int done, int total);
    void finished(const FileEnqueuer::Result &result);

private:
    Session *m_session;
    QFutureWatcher<Result> m_watcher;
};

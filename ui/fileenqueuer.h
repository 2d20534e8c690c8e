#pragma once

#include "engine/databaseurl.h"

#include <QFutureWatcher>
#include <QObject>
#include <QStringList>

/// Enqueues dropped or chosen files and folders (recursively) on a pool thread with its own
/// connection, so that hundreds of files never freeze the window. What cannot be enqueued
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

    explicit FileEnqueuer(const Engine::DatabaseUrl &url, QObject *parent = nullptr);
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
    Engine::DatabaseUrl m_url;
    QFutureWatcher<Result> m_watcher;
};

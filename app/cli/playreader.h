#pragma once

#include "engine/databaseurl.h"
#include "engine/jobqueue.h"

#include <QMutex>
#include <QQueue>
#include <QStringList>
#include <QWaitCondition>

#include <exception>
#include <memory>

class QThread;

namespace Cli {

/// Reads the plays `callboard enqueue` queues, batch by batch, on a thread of its own that
/// starts at once: reading overlaps the connection's set-up and the server's inserts. It reads
/// at most kBytesAhead ahead of what was taken, so a large run never holds every play.
class PlayReader final
{
public:
    PlayReader(const QStringList &paths, const Engine::EnqueueInput &settings,
               const Engine::DatabaseUrl &url);
    ~PlayReader();

    /// The next batch (settings with the file's text and names), waiting for it; empty at the
    /// end. Throws what reading a file threw, after the batches read before it.
    QList<Engine::EnqueueInput> next();
    /// The names of the files next() handed out, in order.
    QStringList filenames() const;

private:
    void run();

    const QStringList m_paths;
    const Engine::EnqueueInput m_settings;
    const Engine::DatabaseUrl m_url;
    mutable QMutex m_mutex;
    QWaitCondition m_changed;
    QQueue<QList<Engine::EnqueueInput>> m_ready;
    qint64 m_readyBytes = 0;
    bool m_done = false;
    bool m_stop = false;
    std::exception_ptr m_error;
    QStringList m_filenames;
    std::unique_ptr<QThread> m_thread;
};

} // namespace Cli

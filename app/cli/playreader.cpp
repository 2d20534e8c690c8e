#include "app/cli/playreader.h"

#include "app/cli/commands.h"

#include <QFileInfo>
#include <QThread>

namespace Cli {

namespace {

// A batch is what the engine turns into one insert statement; a few of them ahead keep the
// server busy without holding a large run in memory.
constexpr int kFilesPerBatch = 500;
constexpr qint64 kBytesPerBatch = 8 * 1024 * 1024;
constexpr qint64 kBytesAhead = 4 * kBytesPerBatch;

qint64 textBytes(const QList<Engine::EnqueueInput> &batch)
{
    qint64 bytes = 0;
    for (const Engine::EnqueueInput &input : batch)
        bytes += input.rawText.size();
    return bytes;
}

} // namespace

PlayReader::PlayReader(const QStringList &paths, const Engine::EnqueueInput &settings,
                       const Engine::DatabaseUrl &url)
    : m_paths(paths)
    , m_settings(settings)
    , m_url(url)
    , m_thread(QThread::create([this] { run(); }))
{
    m_thread->start();
}

PlayReader::~PlayReader()
{
    {
        QMutexLocker lock(&m_mutex);
        m_stop = true;
        m_changed.wakeAll();
    }
    m_thread->wait();
}

void PlayReader::run()
{
    qsizetype next = 0;
    while (next < m_paths.size()) {
        QList<Engine::EnqueueInput> batch;
        qint64 bytes = 0;
        try {
            while (next < m_paths.size() && batch.size() < kFilesPerBatch
                   && bytes < kBytesPerBatch) {
                const QString &path = m_paths.at(next++);
                Engine::EnqueueInput input = m_settings;
                const QFileInfo info(path); // names only: no system call
                input.filename = info.fileName();
                input.sourcePath = info.absoluteFilePath();
                input.rawText = readPlayFile(path, m_url);
                bytes += input.rawText.size();
                batch << input;
            }
        } catch (...) {
            QMutexLocker lock(&m_mutex);
            m_error = std::current_exception();
            m_done = true;
            m_changed.wakeAll();
            return;
        }
        QMutexLocker lock(&m_mutex);
        while (!m_stop && !m_ready.isEmpty() && m_readyBytes + bytes > kBytesAhead)
            m_changed.wait(&m_mutex);
        if (m_stop)
            return;
        m_ready.enqueue(batch);
        m_readyBytes += bytes;
        m_changed.wakeAll();
    }
    QMutexLocker lock(&m_mutex);
    m_done = true;
    m_changed.wakeAll();
}

QList<Engine::EnqueueInput> PlayReader::next()
{
    QMutexLocker lock(&m_mutex);
    while (m_ready.isEmpty() && !m_done)
        m_changed.wait(&m_mutex);
    if (m_ready.isEmpty()) {
        if (m_error)
            std::rethrow_exception(m_error);
        return {};
    }
    QList<Engine::EnqueueInput> batch = m_ready.dequeue();
    m_readyBytes -= textBytes(batch);
    for (const Engine::EnqueueInput &input : std::as_const(batch))
        m_filenames << input.filename;
    m_changed.wakeAll();
    return batch;
}

QStringList PlayReader::filenames() const
{
    QMutexLocker lock(&m_mutex);
    return m_filenames;
}

} // namespace Cli

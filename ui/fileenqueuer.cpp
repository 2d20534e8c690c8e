#include "ui/fileenqueuer.h"

#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "engine/sqlitefile.h"
#include "session/session.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QPromise>
#include <QStringDecoder>
#include <QtConcurrent>

namespace {

constexpr int kBatchSize = 50;

} // namespace

FileEnqueuer::FileEnqueuer(Session *session, QObject *parent)
    : QObject(parent)
    , m_session(session)
{
    connect(&m_watcher, &QFutureWatcher<Result>::progressValueChanged, this,
            [this](int value) { emit progress(value, m_watcher.progressMaximum()); });
    connect(&m_watcher, &QFutureWatcher<Result>::finished, this, [this] {
        Result result;
        if (m_watcher.future().resultCount() > 0)
            result = m_watcher.result();
        else
            result.cancelled = true;
        emit finished(result);
    });
}

FileEnqueuer::~FileEnqueuer()
{
    m_watcher.cancel();
    m_watcher.waitForFinished();
}

bool FileEnqueuer::isRunning() const
{
    return m_watcher.isRunning();
}

void FileEnqueuer::cancel()
{
    m_watcher.cancel();
}

QStringList FileEnqueuer::expand(const QStringList &paths)
{
    QStringList files;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        if (info.isDir()) {
            QDirIterator it(path, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
            QStringList inFolder;
            while (it.hasNext()) {
                const QString file = it.next();
                if (!file.contains(QStringLiteral("/.")))
                    inFolder << file;
            }
            inFolder.sort();
            files << inFolder;
        } else {
            files << path;
        }
    }
    files.removeDuplicates();
    return files;
}

QString FileEnqueuer::rejectionReason(const QString &path, qint64 maxBytes, QByteArray *contents)
{
    const QFileInfo info(path);
    if (!info.exists())
        return tr("does not exist");
    if (!info.isFile())
        return tr("is not a regular file");
    if (info.size() == 0)
        return tr("is empty");
    if (info.size() > maxBytes)
        return tr("is too large (%1 MB, the limit is %2 MB)")
            .arg(QString::number(double(info.size()) / (1024 * 1024), 'f', 1))
            .arg(maxBytes / (1024 * 1024));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return tr("cannot be read (%1)").arg(file.errorString());
    QByteArray data = file.read(maxBytes + 1);
    if (data.size() > maxBytes)
        return tr("is too large");
    if (data.contains('\0'))
        return tr("is a binary file, not text");
    QStringDecoder decoder(QStringDecoder::Utf8);
    const QString text = decoder(data);
    if (decoder.hasError())
        return tr("is not UTF-8 text");
    if (text.trimmed().isEmpty())
        return tr("is empty");
    if (contents)
        *contents = std::move(data);
    return {};
}

bool FileEnqueuer::start(const QStringList &paths, int priority)
{
    if (isRunning())
        return false;
    Session *session = m_session;
    const Engine::DatabaseUrl url = session->url();
    auto work = [session, url, paths, priority](QPromise<Result> &promise) {
        Result result;
        const QStringList files = expand(paths);
        promise.setProgressRange(0, int(files.size()));
        // The session writes; this thread only reads files, so hundreds of them never hold up
        // the window's reads for long.
        const qint64 maxTextBytes = Engine::QueueOptions::fromEnvironment().maxTextBytes;
        QList<Engine::EnqueueInput> batch;
        QHash<QString, QString> pathByName;
        auto flush = [&] {
            if (batch.isEmpty())
                return;
            const Session::EnqueueOutcome outcome =
                session->enqueueAndWait(batch, QStringLiteral("desktop"));
            if (!outcome.error.isEmpty())
                throw Engine::DatabaseError(QString(), outcome.error);
            result.jobIds << outcome.jobIds;
            for (const auto &[name, reason] : outcome.rejected)
                result.rejected << Rejected{pathByName.value(name, name), reason};
            batch.clear();
            pathByName.clear();
        };
        int done = 0;
        try {
            for (const QString &path : files) {
                if (promise.isCanceled()) {
                    result.cancelled = true;
                    break;
                }
                QByteArray contents;
                // Reading the queue's own files would drop this process's SQLite locks on them.
                const QString reason = Engine::SqliteFile::isLivePath(url, path)
                    ? tr("is the queue database itself")
                    : rejectionReason(path, maxTextBytes, &contents);
                if (!reason.isEmpty()) {
                    result.rejected << Rejected{path, reason};
                } else {
                    Engine::EnqueueInput input;
                    input.filename = QFileInfo(path).fileName();
                    input.sourcePath = QFileInfo(path).absoluteFilePath();
                    input.rawText = std::move(contents);
                    input.priority = priority;
                    pathByName.insert(input.filename, path);
                    batch << input;
                }
                if (batch.size() >= kBatchSize)
                    flush();
                promise.setProgressValue(++done);
            }
            if (!result.cancelled)
                flush();
        } catch (const Engine::JobError &error) {
            result.error = error.message();
        }
        promise.addResult(result);
    };
    m_watcher.setFuture(QtConcurrent::run(work));
    return true;
}

// migrate and enqueue: the commands that write the schema and new jobs.
#include "app/cli/clierror.h"
#include "app/cli/clisession.h"
#include "app/cli/commandcontext.h"
#include "app/cli/commands.h"
#include "app/cli/playreader.h"
#include "engine/joberrors.h"
#include "engine/migrations.h"
#include "engine/sqlitefile.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Cli {

namespace {

const QStringList &providers()
{
    static const QStringList list{QStringLiteral("heuristic"), QStringLiteral("openai")};
    return list;
}

} // namespace

int runMigrate(CommandContext &context)
{
    CliSession session(context.url());
    session.open(false);
    QStringList applied;
    if (const auto migrated = Engine::Migrations::migrate(session.database(), &applied); !migrated)
        throw CliError(migrated.error().message);
    for (const QString &migration : std::as_const(applied))
        context.out() << "applied " << migration << '\n';
    context.out() << "schema version " << Engine::Migrations::latestVersion() << " at "
                  << context.url().displayString()
                  << (applied.isEmpty() ? " (already up to date)" : "") << '\n';
    return 0;
}

namespace {

/// Why path cannot be read, in the words the user sees: looked up only once a read failed.
[[noreturn]] void refuse(const QString &path, int error)
{
    const QFileInfo info(path);
    if (!info.exists())
        throw CliError(QStringLiteral("Cannot read %1: no such file").arg(path));
    if (info.isDir())
        throw CliError(QStringLiteral("Cannot read %1: is a directory").arg(path));
    if (!info.isFile())
        throw CliError(QStringLiteral("Cannot read %1: is not a regular file").arg(path));
    throw CliError(QStringLiteral("Cannot read %1: %2")
                       .arg(path, QString::fromLocal8Bit(std::strerror(error))));
}

} // namespace

/// Reads a play for enqueue: the bytes as they are, without a UTF-8 byte order mark (editors on
/// Windows add one; it would become the first character of the title). UTF-8 validity is the
/// engine's check, so the GUI and the command line reject the same files with the same words.
/// The file is looked at before it is read: a FIFO is opened without blocking and refused, and
/// a huge (or sparse) file is refused without reading it whole. POSIX calls rather than
/// QFileInfo and QFile: for thousands of small plays the nine system calls those made per file
/// were most of the enqueue's time; open, fstat, read and close are four.
QByteArray readPlayFile(const QString &path, const Engine::DatabaseUrl &url)
{
    // Reading the queue's own files would also drop this process's SQLite locks on them.
    if (Engine::SqliteFile::isLivePath(url, path))
        throw CliError(QStringLiteral("Cannot enqueue %1: it is the queue database itself").arg(path));
    const int fd = ::open(QFile::encodeName(path).constData(),
                          O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        refuse(path, errno);
    struct Closer
    {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat status {};
    if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode))
        refuse(path, errno);
    const qint64 limit = Engine::QueueOptions::fromEnvironment().maxTextBytes;
    auto tooLarge = [&](qint64 size) {
        return CliError(QStringLiteral("%1 is %2 MB, over the limit of %3 MB")
                            .arg(path)
                            .arg(size / 1048576.0, 0, 'f', 1)
                            .arg(limit / 1048576.0, 0, 'f', 1));
    };
    // A byte order mark does not count against the limit.
    if (status.st_size > limit + 3)
        throw tooLarge(status.st_size);
    // Sized by what the file holds, plus room to see that it grew since fstat; at most one byte
    // over the limit (and its byte order mark) is read.
    const qint64 cap = limit + 4;
    QByteArray bytes(qMin(cap, qint64(status.st_size) + 1), Qt::Uninitialized);
    qint64 filled = 0;
    for (;;) {
        if (filled == bytes.size()) {
            if (filled >= cap)
                break;
            bytes.resize(qMin(cap, filled * 2 + 4096));
        }
        const ssize_t got = ::read(fd, bytes.data() + filled, size_t(bytes.size() - filled));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            refuse(path, errno);
        if (got == 0)
            break;
        filled += got;
        // A regular file returns less than asked only at its end: no further read to see 0
        // (one system call in five, for thousands of small plays).
        if (filled < bytes.size())
            break;
    }
    bytes.truncate(filled);
    if (bytes.startsWith("\xEF\xBB\xBF"))
        bytes.remove(0, 3);
    if (bytes.size() > limit)
        throw tooLarge(qMax(qint64(status.st_size), qint64(bytes.size())));
    return bytes;
}

/// The enqueue input a command's options describe, without the text.
Engine::EnqueueInput enqueueSettings(const CommandContext &context)
{
    Engine::EnqueueInput input;
    if (const auto priority = context.intOption(QStringLiteral("priority"),
                                                Engine::JobQueue::kMinPriority,
                                                Engine::JobQueue::kMaxPriority))
        input.priority = *priority;
    if (const auto retries = context.intOption(QStringLiteral("max-retries"), 0,
                                               Engine::JobQueue::kMaxRetriesLimit))
        input.maxRetries = *retries;
    if (const auto chunkSize = context.intOption(QStringLiteral("chunk-size"), 1, 1000000))
        input.config.insert(QStringLiteral("chunkSize"), *chunkSize);
    if (context.isSet(QStringLiteral("provider"))) {
        const QString provider = context.value(QStringLiteral("provider"));
        if (!providers().contains(provider))
            throw CliError::usage(QStringLiteral("Unknown provider '%1' (use %2)")
                                      .arg(provider, providers().join(QStringLiteral(" or "))));
        input.config.insert(QStringLiteral("provider"), provider);
    }
    return input;
}

/// The files to queue: the arguments, then the lines of --files-from (a shell glob of thousands
/// of plays outgrows the command line; `find … | callboard enqueue --files-from -` does not).
QStringList enqueuePaths(const CommandContext &context)
{
    QStringList paths = context.arguments();
    if (context.isSet(QStringLiteral("files-from"))) {
        const QString list = context.value(QStringLiteral("files-from"));
        QFile file(list);
        const bool opened = list == QLatin1String("-") ? file.open(stdin, QIODevice::ReadOnly)
                                                       : file.open(QIODevice::ReadOnly);
        if (!opened)
            throw CliError(QStringLiteral("Cannot read %1: %2").arg(list, file.errorString()));
        const QByteArray names = file.readAll();
        if (file.error() != QFileDevice::NoError)
            throw CliError(QStringLiteral("Cannot read %1: %2").arg(list, file.errorString()));
        // Names are bytes in the file system's encoding and are not trimmed (a name may begin
        // or end with a space); only a list written with CRLF line ends loses its CR.
        for (QByteArray name : names.split('\n')) {
            if (name.endsWith('\r'))
                name.chop(1);
            if (!name.isEmpty())
                paths << QFile::decodeName(name);
        }
        if (paths.isEmpty())
            throw CliError(QStringLiteral("%1 names no file to enqueue")
                               .arg(list == QLatin1String("-") ? QStringLiteral("Standard input")
                                                               : list));
    }
    if (paths.isEmpty())
        throw CliError::usage(QStringLiteral("enqueue needs FILE... or --files-from LIST (usage: "
                                             "callboard enqueue FILE...)"));
    return paths;
}

int runEnqueue(CommandContext &context)
{
    const Engine::EnqueueInput settings = enqueueSettings(context);
    // Files are read in batches on another thread, from before the connection opens and while
    // the server inserts the batch before, in one transaction: a file that cannot be read still
    // leaves nothing queued.
    const QStringList paths = enqueuePaths(context);
    PlayReader reader(paths, settings, context.url());
    CliSession session(context.url());
    session.open();
    QStringList ids;
    try {
        ids = session.queue().enqueueStream([&reader] { return reader.next(); },
                                            QStringLiteral("cli"));
    } catch (const Engine::JobEnqueueError &error) {
        // All or nothing: say so, since the message names only one file.
        throw CliError(paths.size() > 1
                           ? error.message() + QStringLiteral("; no file was queued")
                           : error.message());
    }
    const QStringList filenames = reader.filenames();
    if (context.json()) {
        QJsonArray jobs;
        for (qsizetype i = 0; i < ids.size(); ++i)
            jobs.append(QJsonObject{{QStringLiteral("id"), ids.at(i)},
                                    {QStringLiteral("filename"), filenames.at(i)}});
        context.printJson(jobs);
        return 0;
    }
    // Only the ids, one per line, so that scripts can capture them.
    for (const QString &id : std::as_const(ids))
        context.out() << id << '\n';
    return 0;
}

} // namespace Cli

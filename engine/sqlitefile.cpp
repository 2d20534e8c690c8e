#include "engine/sqlitefile.h"

#include "engine/database.h"
#include "engine/enginetr.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>

#include <sys/stat.h>

namespace Engine {

namespace SqliteFile {

namespace {

const char *const kSuffixes[] = {"", "-wal", "-shm", "-journal"};

QString resolved(const QString &path)
{
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath();  // realpath(): no open
    return canonical.isEmpty() ? info.absoluteFilePath() : canonical;
}

} // namespace

QStringList livePaths(const DatabaseUrl &url)
{
    if (url.isPostgres() || url.sqlitePath.isEmpty())
        return {};
    const QString base = QFileInfo(url.sqlitePath).absoluteFilePath();
    QStringList paths;
    for (const char *suffix : kSuffixes)
        paths << base + QLatin1String(suffix);
    return paths;
}

bool isLivePath(const DatabaseUrl &url, const QString &path)
{
    const QStringList live = livePaths(url);
    if (live.isEmpty())
        return false;
    const QString candidate = resolved(path);
    struct stat candidateStat {};
    const bool haveStat = ::stat(QFile::encodeName(candidate).constData(), &candidateStat) == 0;
    for (const QString &livePath : live) {
        if (resolved(livePath) == candidate)
            return true;
        // A hard link has another name but the same inode.
        struct stat liveStat {};
        if (haveStat && ::stat(QFile::encodeName(livePath).constData(), &liveStat) == 0
            && liveStat.st_dev == candidateStat.st_dev && liveStat.st_ino == candidateStat.st_ino)
            return true;
    }
    return false;
}

IntegrityReport checkIntegrity(const DatabaseUrl &url)
{
    IntegrityReport report;
    if (url.isPostgres() || !QFileInfo(url.sqlitePath).isFile())
        return report;
    QString failure;
    {
        ScopedConnection connection(url, QStringLiteral("quick-check"));
        QSqlQuery check(connection.database());
        if (!connection.isOpen()) {
            // Busy, locked or not permitted is not damage (opening the queue will say so);
            // "not a database" is.
            if (isDamageError(connection.error()))
                failure = connection.error();
        } else if (!check.exec(QStringLiteral("PRAGMA quick_check"))) {
            if (isDamageError(check.lastError().text()))
                failure = check.lastError().text();
        } else {
            QStringList problems;
            while (check.next()) {
                const QString line = check.value(0).toString();
                if (line != QLatin1String("ok"))
                    problems << line;
            }
            failure = problems.mid(0, 3).join(QStringLiteral("; "));
        }
    }
    if (failure.isEmpty())
        return report;

    const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    const QString copy = QFileInfo(url.sqlitePath).absoluteFilePath() + QStringLiteral(".damaged-")
                         + stamp;
    bool copied = QFile::copy(url.sqlitePath, copy);
    if (copied && QFileInfo::exists(url.sqlitePath + QStringLiteral("-wal")))
        copied = QFile::copy(url.sqlitePath + QStringLiteral("-wal"), copy + QStringLiteral("-wal"));
    report.copyPath = copied ? copy : QString();
    report.problem = copied
        ? Tr::tr("The queue file %1 is damaged (%2). Callboard will not work on it; a copy of it "
                 "was kept as %3. Restore a backup or choose another file in File → Connect to "
                 "Database.")
              .arg(QDir::toNativeSeparators(url.sqlitePath), failure.trimmed(),
                   QDir::toNativeSeparators(copy))
        : Tr::tr("The queue file %1 is damaged (%2). Callboard will not work on it (no copy could "
                 "be kept beside it). Restore a backup or choose another file in File → Connect "
                 "to Database.")
              .arg(QDir::toNativeSeparators(url.sqlitePath), failure.trimmed());
    return report;
}

QString detectSplit(const DatabaseUrl &url)
{
    if (url.isPostgres())
        return {};
    const QString database = QFileInfo(url.sqlitePath).absoluteFilePath();
    const QString wal = database + QStringLiteral("-wal");
    const QDir fds(QStringLiteral("/proc/self/fd"));
    if (!fds.exists())
        return {};
    const QStringList entries = fds.entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        const QString target = QFile::symLinkTarget(fds.filePath(entry));  // readlink(): no open
        if (target == wal + QStringLiteral(" (deleted)"))
            return Tr::tr("Another program deleted the write-ahead log of %1 while Callboard was "
                          "still using it: changes made since may be lost. Callboard reconnects "
                          "to the file.")
                .arg(QDir::toNativeSeparators(database));
        if (target == database + QStringLiteral(" (deleted)"))
            return Tr::tr("The queue file %1 was deleted or replaced while Callboard had it open.")
                .arg(QDir::toNativeSeparators(database));
    }
    return {};
}

bool isDamageError(const QString &errorText)
{
    static const char *const kMarks[] = {"malformed", "disk I/O error", "not a database",
                                         "database corrupt", "file is not a database",
                                         "unable to open database file"};
    for (const char *mark : kMarks) {
        if (errorText.contains(QLatin1String(mark), Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace SqliteFile

} // namespace Engine

#include "ui/playscanner.h"

#include "engine/job.h"
#include "engine/sqlitefile.h"
#include "ui/fileenqueuer.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QStringDecoder>

namespace PlayScanner {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(PlayScanner)
};

/// Plays are plain text; these names are what play files are called.
bool isPlayName(const QString &suffix)
{
    static const QSet<QString> suffixes{QString(),
                                        QStringLiteral("txt"),
                                        QStringLiteral("text"),
                                        QStringLiteral("md"),
                                        QStringLiteral("markdown"),
                                        QStringLiteral("fountain"),
                                        QStringLiteral("play")};
    return suffixes.contains(suffix);
}

/// The reason a readable text file is not taken for a play, by its name (empty: it may be one).
QString otherTextReason(const QString &suffix)
{
    static const QSet<QString> data{QStringLiteral("json"), QStringLiteral("xml"),
                                    QStringLiteral("yaml"), QStringLiteral("yml"),
                                    QStringLiteral("toml"), QStringLiteral("csv"),
                                    QStringLiteral("tsv"), QStringLiteral("ini"),
                                    QStringLiteral("cfg"), QStringLiteral("conf"),
                                    QStringLiteral("log"), QStringLiteral("html"),
                                    QStringLiteral("htm"), QStringLiteral("css"),
                                    QStringLiteral("svg")};
    static const QSet<QString> code{QStringLiteral("py"), QStringLiteral("js"),
                                    QStringLiteral("ts"), QStringLiteral("sh"),
                                    QStringLiteral("bash"), QStringLiteral("rb"),
                                    QStringLiteral("pl"), QStringLiteral("php"),
                                    QStringLiteral("c"), QStringLiteral("h"),
                                    QStringLiteral("cpp"), QStringLiteral("hpp"),
                                    QStringLiteral("java"), QStringLiteral("sql"),
                                    QStringLiteral("bat"), QStringLiteral("ps1"),
                                    QStringLiteral("go"), QStringLiteral("rs")};
    if (isPlayName(suffix))
        return {};
    if (data.contains(suffix))
        return Tr::tr("a .%1 data file, not a play").arg(suffix);
    if (code.contains(suffix))
        return Tr::tr("a .%1 script or program, not a play").arg(suffix);
    return Tr::tr("a .%1 file: plays are .txt or .md text").arg(suffix);
}

/// Text a person could read: few control characters besides line breaks and tabs.
bool looksLikeText(const QString &text)
{
    qsizetype controls = 0;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != '\n' && u != '\r' && u != '\t' && u != '\f') || u == 0x7f)
            ++controls;
    }
    return controls * 100 <= text.size();
}

void setText(PlayCandidate &candidate, QByteArray utf8)
{
    candidate.hash = Engine::contentHash(utf8);
    candidate.text = std::move(utf8);
}

} // namespace

bool isBinaryByName(const QString &fileName)
{
    static const QSet<QString> suffixes{
        QStringLiteral("png"),  QStringLiteral("jpg"),  QStringLiteral("jpeg"),
        QStringLiteral("gif"),  QStringLiteral("bmp"),  QStringLiteral("webp"),
        QStringLiteral("ico"),  QStringLiteral("tif"),  QStringLiteral("tiff"),
        QStringLiteral("pdf"),  QStringLiteral("doc"),  QStringLiteral("docx"),
        QStringLiteral("odt"),  QStringLiteral("rtf"),  QStringLiteral("xls"),
        QStringLiteral("xlsx"), QStringLiteral("ods"),  QStringLiteral("epub"),
        QStringLiteral("zip"),  QStringLiteral("gz"),   QStringLiteral("tgz"),
        QStringLiteral("bz2"),  QStringLiteral("xz"),   QStringLiteral("7z"),
        QStringLiteral("tar"),  QStringLiteral("rar"),  QStringLiteral("mp3"),
        QStringLiteral("mp4"),  QStringLiteral("wav"),  QStringLiteral("ogg"),
        QStringLiteral("exe"),  QStringLiteral("dll"),  QStringLiteral("so"),
        QStringLiteral("o"),    QStringLiteral("a"),    QStringLiteral("class"),
        QStringLiteral("jar"),  QStringLiteral("pyc"),  QStringLiteral("db"),
        QStringLiteral("sqlite"), QStringLiteral("sqlite3"), QStringLiteral("db3")};
    const QString lower = fileName.toLower();
    // A database's journals are named after it: queue.db-wal, queue.db-shm, x.sqlite-journal.
    for (const QString &journal :
         {QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral("-journal")}) {
        if (lower.endsWith(journal))
            return true;
    }
    return suffixes.contains(QFileInfo(lower).suffix());
}

QString decodeWindows1252(const QByteArray &bytes)
{
    // 0x80–0x9F are printable in Windows-1252 (curly quotes, dashes, €); the rest is Latin-1.
    static const char16_t high[32] = {
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
    QString text;
    text.reserve(bytes.size());
    for (const char byte : bytes) {
        const auto b = static_cast<unsigned char>(byte);
        text += (b >= 0x80 && b < 0xA0) ? QChar(high[b - 0x80]) : QChar(char16_t(b));
    }
    return text;
}

QString nameForText(const QString &text)
{
    constexpr int kMaxName = 80;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        const QString name = line.simplified();
        if (name.isEmpty())
            continue;
        return name.size() > kMaxName ? name.left(kMaxName - 1) + QChar(0x2026) : name;
    }
    return {};
}

PlayCandidate fromText(const QString &text)
{
    PlayCandidate candidate;
    candidate.name = nameForText(text);
    if (candidate.name.isEmpty()) {
        candidate.reason = Tr::tr("is empty");
        return candidate;
    }
    candidate.kind = PlayCandidate::Kind::Play;
    candidate.reason = Tr::tr("pasted text");
    setText(candidate, text.toUtf8());
    candidate.size = candidate.text.size();
    return candidate;
}

PlayCandidate scanFile(const QString &path, const Engine::DatabaseUrl &url, qint64 maxBytes)
{
    PlayCandidate candidate;
    const QFileInfo info(path);
    candidate.path = info.absoluteFilePath();
    candidate.name = info.fileName();
    // Checked before anything opens the file, by name and stat() only.
    if (Engine::SqliteFile::isLivePath(url, path)) {
        candidate.reason = Tr::tr("is the queue database itself (not read)");
        return candidate;
    }
    if (!info.exists()) {
        candidate.reason = Tr::tr("does not exist");
        return candidate;
    }
    if (!info.isFile()) {
        candidate.reason = Tr::tr("is not a regular file");
        return candidate;
    }
    candidate.size = info.size();
    if (isBinaryByName(candidate.name)) {
        candidate.reason = Tr::tr("a .%1 file, not plain text (not read)").arg(info.suffix());
        return candidate;
    }
    if (info.size() == 0) {
        candidate.reason = Tr::tr("is empty");
        return candidate;
    }
    if (info.size() > maxBytes) {
        candidate.reason = Tr::tr("is too large (%1 MB, the limit is %2 MB)")
                               .arg(QString::number(double(info.size()) / (1024 * 1024), 'f', 1))
                               .arg(maxBytes / (1024 * 1024));
        return candidate;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        candidate.reason = Tr::tr("cannot be read (%1)").arg(file.errorString());
        return candidate;
    }
    QByteArray data = file.read(maxBytes + 1);
    if (data.size() > maxBytes) {
        candidate.reason = Tr::tr("is too large");
        return candidate;
    }
    if (data.contains('\0')) {
        candidate.reason = Tr::tr("is a binary file, not text");
        return candidate;
    }
    if (data.startsWith("\xEF\xBB\xBF"))
        data.remove(0, 3);  // a byte order mark would become the first letter of the title
    QStringDecoder decoder(QStringDecoder::Utf8);
    const QString text = decoder(data);
    if (decoder.hasError()) {
        const QString converted = decodeWindows1252(data);
        if (!looksLikeText(converted)) {
            candidate.reason = Tr::tr("is not text");
            return candidate;
        }
        candidate.kind = PlayCandidate::Kind::Converted;
        candidate.reason = Tr::tr("Latin-1/Windows-1252 text, not UTF-8: tick it to enqueue it "
                              "converted to UTF-8 (the file is not changed)");
        setText(candidate, converted.toUtf8());
        return candidate;
    }
    if (text.trimmed().isEmpty()) {
        candidate.reason = Tr::tr("is empty");
        return candidate;
    }
    if (!looksLikeText(text)) {
        candidate.reason = Tr::tr("is not text");
        return candidate;
    }
    static const QSet<QString> projectFiles{
        QStringLiteral("README"),  QStringLiteral("LICENSE"), QStringLiteral("LICENCE"),
        QStringLiteral("CHANGELOG"), QStringLiteral("CONTRIBUTING"), QStringLiteral("AUTHORS"),
        QStringLiteral("NOTICE"),  QStringLiteral("COPYING")};
    // A folder of plays often carries a README beside them: text, named like a play, not one.
    const QString other = projectFiles.contains(info.completeBaseName().toUpper())
        ? Tr::tr("a %1 file, not a play").arg(info.fileName())
        : otherTextReason(info.suffix().toLower());
    candidate.kind = other.isEmpty() ? PlayCandidate::Kind::Play : PlayCandidate::Kind::OtherText;
    candidate.reason = other;
    setText(candidate, std::move(data));
    return candidate;
}

QList<PlayCandidate> scan(const QStringList &paths, const Engine::DatabaseUrl &url,
                          qint64 maxBytes)
{
    QList<PlayCandidate> candidates;
    for (const QString &file : FileEnqueuer::expand(paths))
        candidates << scanFile(file, url, maxBytes);
    return candidates;
}

} // namespace PlayScanner

#include "engine/parse/textnormalizer.h"

#include <QList>
#include <QRegularExpression>

namespace Engine {

namespace {

// Only short lines can be markers; checking the length first keeps a 50 MB single-line input
// away from the regular expressions.
constexpr qsizetype MaxMarkerLength = 200;

QString unifyLineEnds(const QString &raw)
{
    QString text;
    text.reserve(raw.size());
    const QChar *data = raw.constData();
    qsizetype i = 0;
    const qsizetype size = raw.size();
    if (size > 0 && data[0] == QChar(0xFEFF))
        i = 1;
    for (; i < size; ++i) {
        const QChar c = data[i];
        if (c == u'\r') {
            text.append(u'\n');
            if (i + 1 < size && data[i + 1] == u'\n')
                ++i;
        } else if (c == QChar(0xFEFF) || c.unicode() == 0) {
            // stray BOMs inside concatenated files and NULs from binary junk carry no text
            continue;
        } else {
            text.append(c);
        }
    }
    return text;
}

} // namespace

bool TextNormalizer::isHeaderEnd(QStringView line)
{
    const QStringView t = line.trimmed();
    if (t.isEmpty() || t.size() > MaxMarkerLength || t.at(0) != u'*')
        return false;
    static const QRegularExpression start(
        QStringLiteral(R"(^\*+\s*START\s*OF\s*(THE|THIS)\s*PROJECT\s*GUTENBERG)"),
        QRegularExpression::CaseInsensitiveOption);
    // The old "small print" block opens with its own START line, but the play only begins after
    // its END line.
    static const QRegularExpression smallPrintEnd(QStringLiteral(R"(^\*END\*\s*THE\s*SMALL\s*PRINT)"),
                                                  QRegularExpression::CaseInsensitiveOption);
    return start.match(t).hasMatch() || smallPrintEnd.match(t).hasMatch();
}

bool TextNormalizer::isFooterStart(QStringView line)
{
    const QStringView t = line.trimmed();
    if (t.isEmpty() || t.size() > MaxMarkerLength)
        return false;
    const QChar first = t.at(0).toLower();
    if (first != u'*' && first != u'e' && first != u't')
        return false;
    static const QRegularExpression end(
        QStringLiteral(R"(^(\*+\s*END\s*OF\s*(THE|THIS)\s*PROJECT\s*GUTENBERG|(the\s+)?end\s+of\s+(the\s+|this\s+)?project\s+gutenberg))"),
        QRegularExpression::CaseInsensitiveOption);
    return end.match(t).hasMatch();
}

TextNormalizer::Result TextNormalizer::normalize(const QString &raw)
{
    Result result;
    const QString text = unifyLineEnds(raw);

    // Collect line starts once; the marker search below then touches each line a constant number
    // of times.
    QList<qsizetype> starts;
    starts.append(0);
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i) == u'\n')
            starts.append(i + 1);
    }
    const auto lineAt = [&](qsizetype n) {
        const qsizetype b = starts.at(n);
        const qsizetype e = (n + 1 < starts.size()) ? starts.at(n + 1) - 1 : text.size();
        return QStringView(text).mid(b, e - b);
    };

    const qsizetype lineCount = starts.size();
    qsizetype bodyStart = 0;
    // A header is only ever near the top; searching the first part keeps junk inputs linear and
    // stops a marker quoted deep in the text from cutting the play.
    const qsizetype headerLimit = std::min<qsizetype>(lineCount, 2000);
    for (qsizetype n = 0; n < headerLimit; ++n) {
        const QStringView l = lineAt(n);
        if (result.metaTitle.isEmpty() && l.startsWith(u"Title:"))
            result.metaTitle = l.mid(6).trimmed().toString();
        if (isHeaderEnd(l)) {
            bodyStart = n + 1;
            break;
        }
    }
    if (bodyStart == 0)
        result.metaTitle.clear(); // a "Title:" line without a licence header is part of the text

    qsizetype bodyEnd = lineCount;
    for (qsizetype n = bodyStart; n < lineCount; ++n) {
        if (isFooterStart(lineAt(n))) {
            bodyEnd = n;
            break;
        }
    }
    const qsizetype from = (bodyStart < lineCount) ? starts.at(bodyStart) : text.size();
    const qsizetype to = (bodyEnd < lineCount) ? starts.at(bodyEnd) : text.size();
    result.text = text.mid(from, to - from);
    result.firstLine = int(qMin(bodyStart, lineCount));
    return result;
}

} // namespace Engine

#include "engine/parse/playprofile.h"

#include "engine/parse/jsonnull.h"
#include "engine/parse/linerecognizer.h"
#include "engine/parse/sourcelines.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace Engine {

namespace {

constexpr int StyleCount = 5;
constexpr int MaxVocabulary = 4000; // junk input must not blow up every checkpoint
constexpr int MaxPersonae = 120;

int styleIndex(int style)
{
    for (int i = 0; i < StyleCount; ++i) {
        if (style == (1 << i))
            return i;
    }
    return -1;
}

// `Nora, his wife.` -> `Nora`; `MICHAEL JAMES FLAHERTY (called ...), a publican.` -> the name.
QString personaName(QStringView entry)
{
    if (entry.isEmpty() || !entry.at(0).isLetter())
        return {};
    qsizetype cut = entry.size();
    static const QStringList separators = {QStringLiteral(","), QStringLiteral(";"),
                                           QStringLiteral(" ("), QStringLiteral(":"),
                                           QStringLiteral(" - "), QStringLiteral(" -- "),
                                           QStringLiteral("\u2014"), QStringLiteral(" [")};
    for (const QString &sep : separators) {
        const qsizetype at = entry.indexOf(sep);
        if (at > 0 && at < cut)
            cut = at;
    }
    QStringView name = entry.left(cut).trimmed();
    while (name.endsWith(u'.'))
        name.chop(1);
    name = name.trimmed();
    if (LineRecognizer::isCapsName(name) || LineRecognizer::isMixedName(name))
        return name.toString();
    return {};
}

/// The rank an entry gives its person, `King` in `Claudius, King of Denmark`: one or two
/// capitalised words followed by `of` and a capitalised place. Plays print such people's
/// speeches under the title (`KING.`), never under their name.
QString personaTitle(QStringView entry, const QString &name)
{
    static const QRegularExpression re(QStringLiteral(
        R"(^\s*(?:the\s+)?(\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+)?)\s+of\s+(?:the\s+)?\p{Lu})"));
    const qsizetype comma = entry.indexOf(u',', name.size());
    if (comma < 0)
        return {};
    const QRegularExpressionMatch m = re.match(entry.mid(comma + 1));
    return m.hasMatch() ? m.captured(1) : QString();
}

bool isTitleNoise(QStringView line)
{
    static const QStringList noise = {QStringLiteral("gutenberg"),   QStringLiteral("etext"),
                                      QStringLiteral("ebook"),       QStringLiteral("e-text"),
                                      QStringLiteral("produced by"), QStringLiteral("prepared by"),
                                      QStringLiteral("transcribed"), QStringLiteral("copyright"),
                                      QStringLiteral("contents"),    QStringLiteral("http")};
    for (const QString &n : noise) {
        if (line.contains(n, Qt::CaseInsensitive))
            return true;
    }
    // Edition credits and imprints (`Edited by ...`, `London: Methuen, 1904`) name the book, not
    // the play.
    static const QStringList credits = {QStringLiteral("edition"),    QStringLiteral("edited"),
                                        QStringLiteral("published"),  QStringLiteral("printed"),
                                        QStringLiteral("translated"), QStringLiteral("reprinted"),
                                        QStringLiteral("press"),      QStringLiteral("publisher"),
                                        QStringLiteral("isbn"),       QStringLiteral("rights reserved"),
                                        QStringLiteral("library"),    QStringLiteral("verlag"),
                                        QStringLiteral("herausgegeben"), QStringLiteral("éditions")};
    for (const QString &c : credits) {
        if (line.contains(c, Qt::CaseInsensitive))
            return true;
    }
    static const QRegularExpression year(QStringLiteral("\\b1[5-9]\\d\\d\\b|\\b20\\d\\d\\b"));
    return line.startsWith(u"by ", Qt::CaseInsensitive) || line.startsWith(u'[')
           || line.startsWith(u'*') || year.match(line).hasMatch();
}

} // namespace

PlayProfile PlayProfile::scan(const SourceLines &lines, const QString &metaTitle)
{
    PlayProfile p;
    QHash<QString, int> perStyle[StyleCount];
    QHash<QString, int> mixedAlone[StyleCount];
    QHash<QString, int> vocabulary;
    int styleCounts[StyleCount] = {};
    int midCounts[StyleCount] = {};
    int headings = 0;

    const int count = lines.count();
    bool prevBlank = true;
    for (int i = 0; i < count; ++i) {
        const QStringView t = lines.line(i).trimmed();
        if (t.isEmpty()) {
            prevBlank = true;
            continue;
        }
        const bool paragraphStart = prevBlank;
        prevBlank = false;
        if (!paragraphStart && t.size() <= 300) {
            // Inline labels on lines that follow text directly: the layout that prints speeches
            // without blank lines between them.
            const LabelMatch m = LineRecognizer::matchLabel(t);
            if (m.isInline() && !m.directionOpen) {
                const int s = styleIndex(m.style);
                ++midCounts[s];
                ++styleCounts[s];
                ++perStyle[s][LineRecognizer::foldName(m.name)];
                ++vocabulary[LineRecognizer::foldName(m.name)];
            }
        }
        // A title stands on its own: a line with text right below it is a label or prose.
        if (p.m_title.isEmpty() && metaTitle.isEmpty() && t.size() <= 120 && !isTitleNoise(t)
            && !LineRecognizer::isPersonaeHeading(t)
            && (i + 1 >= count || lines.line(i + 1).trimmed().isEmpty())) {
            p.m_title = t.toString();
        }
        if (!paragraphStart || t.size() > 300)
            continue;
        ++p.m_paragraphs;
        if (LineRecognizer::isPersonaeHeading(t) && p.m_personaeRanges.size() < 4) {
            QSet<QString> ambiguousTitles;
            ++p.m_explained;
            int j = i + 1;
            int blanks = 0;
            int entries = 0;
            for (; j < count && entries < MaxPersonae; ++j) {
                const QStringView e = lines.line(j).trimmed();
                if (e.isEmpty()) {
                    if ((++blanks >= 2 && entries > 0) || blanks >= 4)
                        break;
                    continue;
                }
                if (e.size() > 120 || LineRecognizer::isActHeading(e) || LineRecognizer::isSceneHeading(e))
                    break;
                blanks = 0;
                ++entries;
                // Every name-like part of the entry (`Lords, Ladies, ... Sailors`) may be
                // printed as a speaker label.
                for (const QStringView part : e.tokenize(u',')) {
                    QStringView w = part.trimmed();
                    if (w.startsWith(u"and ", Qt::CaseInsensitive))
                        w = w.mid(4);
                    while (w.endsWith(u'.'))
                        w.chop(1);
                    if ((LineRecognizer::isCapsName(w) || LineRecognizer::isMixedName(w))
                        && p.m_castWords.size() < MaxPersonae * 4)
                        p.m_castWords.append(LineRecognizer::foldName(w));
                }
                const QString name = personaName(e);
                // `PHILLY CULLEN AND JIMMY FARRELL, small farmers`: two people, each an entry
                // of their own (a `JIMMY.` label is one of them, not the pair).
                if (!name.isEmpty() && LineRecognizer::isJointLabel(name)) {
                    for (const QString &part : LineRecognizer::jointParts(name)) {
                        // `Mr. and Mrs. Smith`: a bare `Mr` names nobody.
                        if (p.m_personae.size() < MaxPersonae && !p.m_personae.contains(part)
                            && LineRecognizer::foldName(part).size() >= 3
                            && (LineRecognizer::isCapsName(part) || LineRecognizer::isMixedName(part)))
                            p.m_personae.append(part);
                    }
                } else if (!name.isEmpty() && p.m_personae.size() < MaxPersonae
                           && !p.m_personae.contains(name)) {
                    p.m_personae.append(name);
                    if (const QString title = personaTitle(e, name); !title.isEmpty()) {
                        const QString key = LineRecognizer::foldName(title);
                        // Two dukes: the title names neither.
                        if (ambiguousTitles.contains(key) || p.m_personaTitles.contains(key)) {
                            p.m_personaTitles.remove(key);
                            ambiguousTitles.insert(key);
                        } else {
                            p.m_personaTitles.insert(key, name);
                        }
                    }
                }
            }
            p.m_personaeRanges.append({i, j});
            i = j - 1;
            prevBlank = true;
            continue;
        }
        if (LineRecognizer::isActHeading(t) || LineRecognizer::isSceneHeading(t)) {
            ++headings;
            ++p.m_explained;
            continue;
        }
        if (LineRecognizer::isDirectionStart(t)) {
            ++p.m_explained;
            continue;
        }
        const LabelMatch m = LineRecognizer::matchLabel(t);
        if (m.style == LabelMatch::None)
            continue;
        ++p.m_explained;
        if (m.isAlone() && (i + 1 >= count || lines.line(i + 1).trimmed().isEmpty()))
            continue;
        const int s = styleIndex(m.style);
        const QString key = LineRecognizer::foldName(m.name);
        ++vocabulary[key];
        if (m.directionOpen) {
            // `NAME [direction that wraps`: fits both alone and inline layouts, so it says
            // nothing about which one the play uses.
            continue;
        }
        if (m.mixedCase) {
            ++mixedAlone[s][key];
        } else {
            ++styleCounts[s];
            ++perStyle[s][key];
        }
    }

    if (!metaTitle.isEmpty())
        p.m_title = metaTitle;
    p.m_genericHeadings = headings == 0;

    // Keep the most frequent labels only, ordered so that the cut is reproducible.
    QList<QPair<int, QString>> ranked;
    for (auto it = vocabulary.cbegin(); it != vocabulary.cend(); ++it) {
        if (it.value() >= 2)
            ranked.append({-it.value(), it.key()});
    }
    std::sort(ranked.begin(), ranked.end());
    for (int i = 0; i < ranked.size() && i < MaxVocabulary; ++i)
        p.m_vocabulary.insert(ranked.at(i).second, -ranked.at(i).first);

    int best = 0;
    for (int s = 0; s < StyleCount; ++s) {
        if (styleCounts[s] > best) {
            best = styleCounts[s];
            p.m_dominantStyle = 1 << s;
        }
    }
    for (int s = 0; s < StyleCount; ++s) {
        // A layout used for a small share of the labels is more likely prose or verse that
        // happens to look like a label than a second labelling convention.
        if (styleCounts[s] > 0 && (styleCounts[s] == best || (styleCounts[s] >= 2 && styleCounts[s] * 100 >= best * 15)))
            p.m_styles |= 1 << s;
    }

    for (int s = 0; s < StyleCount; ++s) {
        if ((p.m_styles & (1 << s)) && midCounts[s] >= 5 && midCounts[s] * 100 >= styleCounts[s] * 30)
            p.m_labelsWithoutGaps = true;
    }

    LabelMatch probe;
    for (int s = 0; s < StyleCount; ++s) {
        if (!(p.m_styles & (1 << s)))
            continue;
        probe.style = LabelMatch::Style(1 << s);
        for (int mixed = 0; mixed < 2; ++mixed) {
            const QHash<QString, int> &names = mixed ? mixedAlone[s] : perStyle[s];
            probe.mixedCase = mixed;
            for (auto it = names.cbegin(); it != names.cend(); ++it) {
                probe.name = it.key();
                if (p.accepts(probe))
                    p.m_acceptedLabels += it.value();
            }
        }
    }
    return p;
}

bool PlayProfile::accepts(const LabelMatch &label) const
{
    if (!(m_styles & label.style))
        return false;
    if (!label.mixedCase && label.style != LabelMatch::AloneAbbrev && label.style != LabelMatch::InlineMixed)
        return true;
    // Mixed-case shapes also fit ordinary sentences and short verse lines; require that the label
    // recurs or is in the character list.
    const QString key = LineRecognizer::foldName(label.name);
    if (m_vocabulary.value(key) >= 2)
        return true;
    for (const QString &castWord : m_castWords) {
        if (LineRecognizer::abbreviates(key, castWord))
            return true;
    }
    return false;
}

bool PlayProfile::acceptsOnce(const LabelMatch &label) const
{
    if (label.style != m_dominantStyle || label.mixedCase
        || (label.style != LabelMatch::InlineMixed && label.style != LabelMatch::AloneAbbrev))
        return false;
    if (label.style == LabelMatch::InlineMixed) {
        const QString rest = label.rest.trimmed();
        if (rest.isEmpty() || !(rest.at(0).isUpper() || rest.at(0) == u'[' || rest.at(0) == u'('))
            return false;
    }
    return true;
}

bool PlayProfile::isInPersonae(int line) const
{
    for (const LineRange &r : m_personaeRanges) {
        if (line >= r.first && line < r.end)
            return true;
    }
    return false;
}

bool PlayProfile::speechesSpanParagraphs() const
{
    return m_dominantStyle == LabelMatch::AloneCaps || m_dominantStyle == LabelMatch::AloneColon
           || m_dominantStyle == LabelMatch::AloneAbbrev;
}

QJsonObject PlayProfile::layout() const
{
    static const char *names[StyleCount] = {"name-alone", "name-colon-alone", "abbreviation-alone",
                                            "name-inline", "mixed-case-inline"};
    QJsonArray styles;
    for (int s = 0; s < StyleCount; ++s) {
        if (m_styles & (1 << s))
            styles.append(QString::fromLatin1(names[s]));
    }
    const int dominant = styleIndex(m_dominantStyle);
    return QJsonObject{{QStringLiteral("labels"), styles},
                       {QStringLiteral("dominant"), dominant >= 0 ? QJsonValue(QString::fromLatin1(names[dominant]))
                                                                  : QJsonValue(QJsonValue::Null)},
                       {QStringLiteral("headings"), m_genericHeadings ? QStringLiteral("unnumbered")
                                                                      : QStringLiteral("act-scene")},
                       {QStringLiteral("labelsWithoutGaps"), m_labelsWithoutGaps},
                       {QStringLiteral("castList"), !m_personae.isEmpty()},
                       {QStringLiteral("explainedParagraphs"), qRound(explainedShare() * 1000) / 1000.0}};
}

QJsonObject PlayProfile::toJson() const
{
    QJsonArray ranges;
    for (const LineRange &r : m_personaeRanges)
        ranges.append(QJsonArray{r.first, r.end});
    QJsonObject vocabulary;
    for (auto it = m_vocabulary.cbegin(); it != m_vocabulary.cend(); ++it)
        vocabulary.insert(it.key(), it.value());
    QJsonObject titles;
    for (auto it = m_personaTitles.cbegin(); it != m_personaTitles.cend(); ++it)
        titles.insert(it.key(), it.value());
    return QJsonObject{{QStringLiteral("styles"), m_styles},
                       {QStringLiteral("dominantStyle"), m_dominantStyle},
                       {QStringLiteral("genericHeadings"), m_genericHeadings},
                       {QStringLiteral("labelsWithoutGaps"), m_labelsWithoutGaps},
                       {QStringLiteral("acceptedLabels"), m_acceptedLabels},
                       {QStringLiteral("paragraphs"), m_paragraphs},
                       {QStringLiteral("explained"), m_explained},
                       {QStringLiteral("title"), nullable(m_title)},
                       {QStringLiteral("personae"), QJsonArray::fromStringList(m_personae)},
                       {QStringLiteral("castWords"), QJsonArray::fromStringList(m_castWords)},
                       {QStringLiteral("personaTitles"), titles},
                       {QStringLiteral("personaeRanges"), ranges},
                       {QStringLiteral("vocabulary"), vocabulary}};
}

std::optional<PlayProfile> PlayProfile::fromJson(const QJsonObject &json)
{
    if (!json.value(QStringLiteral("styles")).isDouble() || !json.value(QStringLiteral("vocabulary")).isObject())
        return std::nullopt;
    PlayProfile p;
    p.m_styles = json.value(QStringLiteral("styles")).toInt() & LabelMatch::AllStyles;
    p.m_dominantStyle = json.value(QStringLiteral("dominantStyle")).toInt() & LabelMatch::AllStyles;
    p.m_genericHeadings = json.value(QStringLiteral("genericHeadings")).toBool();
    p.m_labelsWithoutGaps = json.value(QStringLiteral("labelsWithoutGaps")).toBool();
    p.m_acceptedLabels = json.value(QStringLiteral("acceptedLabels")).toInt();
    p.m_paragraphs = json.value(QStringLiteral("paragraphs")).toInt();
    p.m_explained = json.value(QStringLiteral("explained")).toInt();
    p.m_title = fromNullable(json.value(QStringLiteral("title")));
    for (const QJsonValue &v : json.value(QStringLiteral("personae")).toArray())
        p.m_personae.append(v.toString());
    for (const QJsonValue &v : json.value(QStringLiteral("castWords")).toArray())
        p.m_castWords.append(v.toString());
    // A checkpoint written before titles were read has none: its parse goes on without them.
    const QJsonObject titles = json.value(QStringLiteral("personaTitles")).toObject();
    for (auto it = titles.constBegin(); it != titles.constEnd(); ++it)
        p.m_personaTitles.insert(it.key(), it.value().toString());
    for (const QJsonValue &v : json.value(QStringLiteral("personaeRanges")).toArray()) {
        const QJsonArray r = v.toArray();
        if (r.size() != 2)
            return std::nullopt;
        p.m_personaeRanges.append({r.at(0).toInt(), r.at(1).toInt()});
    }
    const QJsonObject vocabulary = json.value(QStringLiteral("vocabulary")).toObject();
    for (auto it = vocabulary.constBegin(); it != vocabulary.constEnd(); ++it)
        p.m_vocabulary.insert(it.key(), it.value().toInt());
    return p;
}

} // namespace Engine

#include "engine/parse/linerecognizer.h"

#include <QList>
#include <QRegularExpression>

namespace Engine {

namespace {

// Longest line that can be a heading or carry a label; longer lines are prose or junk, and the
// limit keeps the regular expressions away from megabyte-long lines.
constexpr qsizetype MaxHeadingLength = 120;
constexpr qsizetype MaxLabelLength = 48;

const QString &numberPattern()
{
    static const QString p = QStringLiteral(
        "(?:[IVXLC]+|\\d+(?:st|nd|rd|th)?|one|two|three|four|five|six|seven|eight|nine|ten"
        "|first|second|third|fourth|fifth|sixth|seventh|last"
        "|eins|zwei|drei|vier|f(?:ü|ue)nf|erster|zweiter|dritter|vierter|f(?:ü|ue)nfter"
        "|premier|premi(?:è|e)re|deuxi(?:è|e)me|second|troisi(?:è|e)me|quatri(?:è|e)me"
        "|cinqui(?:è|e)me|primus|secundus|tertius|quartus|quintus)");
    return p;
}

const QString &ordinalPattern()
{
    static const QString p = QStringLiteral(
        "(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|final"
        "|erste[rs]?|zweite[rs]?|dritte[rs]?|vierte[rs]?|f(?:ü|ue)nfte[rs]?|sechste[rs]?"
        "|siebe?nte[rs]?|achte[rs]?|neunte[rs]?|zehnte[rs]?|elfte[rs]?|zw(?:ö|oe)lfte[rs]?"
        "|(?:drei|vier|f(?:ü|ue)nf|sech|sieb|acht|neun)zehnte[rs]?|zwanzigste[rs]?|letzte[rs]?"
        "|premier|premi(?:è|e)re|deuxi(?:è|e)me|troisi(?:è|e)me|quatri(?:è|e)me|cinqui(?:è|e)me)");
    return p;
}

QRegularExpression headingRegex(const QString &keywords)
{
    // keyword + number (+ anything after a separator), or ordinal + keyword alone on the line
    const QString pattern = QStringLiteral("^(?:(?:%1)\\s+%2(?![\\w])\\s*[.:]?(?:[\\s.:,\\-\u2014].*)?"
                                           "|%3\\s+(?:%1)\\s*[.:]?)$")
                                .arg(keywords, numberPattern(), ordinalPattern());
    return QRegularExpression(pattern, QRegularExpression::CaseInsensitiveOption
                                           | QRegularExpression::UseUnicodePropertiesOption);
}

// Whether the keyword is printed as a heading (`ACT`, `Act`) rather than inside a sentence.
bool keywordLooksLikeHeading(QStringView line)
{
    const QChar first = line.at(0);
    return first.isUpper() || first.isDigit();
}

bool isConnector(QStringView token)
{
    // All connectors are short and in lower case (or `&`): most tokens leave here.
    if (token.isEmpty() || token.size() > 5 || token.at(0).isUpper())
        return false;
    static const QStringList connectors = {QStringLiteral("and"), QStringLiteral("und"),
                                           QStringLiteral("et"),  QStringLiteral("&"),
                                           QStringLiteral("of"),  QStringLiteral("de"),
                                           QStringLiteral("von"), QStringLiteral("van"),
                                           QStringLiteral("du"),  QStringLiteral("la"),
                                           QStringLiteral("le"),  QStringLiteral("the"),
                                           QStringLiteral("y"),   QStringLiteral("e"),
                                           QStringLiteral("der"), QStringLiteral("die"),
                                           QStringLiteral("das"), QStringLiteral("des"),
                                           QStringLiteral("dem"), QStringLiteral("den"),
                                           QStringLiteral("vom"), QStringLiteral("zum"),
                                           QStringLiteral("unter")};
    for (const QString &c : connectors) {
        if (token == c)
            return true;
    }
    return false;
}

// Courtesy titles and initials are followed by a period inside a name (`MRS. HIGGINS.`,
// `P. King.`), so that period does not end the label.
bool isTitleAbbreviation(QStringView core)
{
    if (core.size() == 1 && core.at(0).isLetter())
        return true;
    static const QStringList titles = {
        QStringLiteral("mr"),   QStringLiteral("mrs"),  QStringLiteral("ms"),   QStringLiteral("dr"),
        QStringLiteral("st"),   QStringLiteral("mme"),  QStringLiteral("mlle"), QStringLiteral("rev"),
        QStringLiteral("capt"), QStringLiteral("col"),  QStringLiteral("gen"),  QStringLiteral("lt"),
        QStringLiteral("sgt"),  QStringLiteral("prof"), QStringLiteral("hr"),   QStringLiteral("fr"),
        QStringLiteral("frl"),  QStringLiteral("messrs"), QStringLiteral("mons"), QStringLiteral("sr")};
    const QString lower = core.toString().toLower();
    return titles.contains(lower);
}

bool isRomanNumeral(QStringView token)
{
    if (token.isEmpty())
        return false;
    for (const QChar c : token) {
        if (!QStringView(u"IVXLC").contains(c))
            return false;
    }
    return true;
}

// Words that are printed in capitals on a line of their own but are not speakers.
bool isStructuralWord(const QString &folded)
{
    static const QStringList words = {
        QStringLiteral("act"),      QStringLiteral("scene"),    QStringLiteral("end"),
        QStringLiteral("the end"),  QStringLiteral("curtain"),  QStringLiteral("finis"),
        QStringLiteral("exeunt"),   QStringLiteral("exit"),     QStringLiteral("enter"),
        QStringLiteral("act drop"), QStringLiteral("contents"), QStringLiteral("preface"),
        QStringLiteral("ende"),     QStringLiteral("fin"),      QStringLiteral("vorhang"),
        QStringLiteral("rideau"),   QStringLiteral("introduction"), QStringLiteral("note")};
    if (words.contains(folded))
        return true;
    // `TRANSCRIBER'S NOTE`, `AUTHOR'S PREFACE`
    const qsizetype space = folded.lastIndexOf(u' ');
    return space > 0 && words.contains(folded.mid(space + 1));
}

// Sentence openers that look like a mixed-case name followed by a period (`Yes.  I ...`).
bool isInterjection(const QString &folded)
{
    static const QStringList words = {
        QStringLiteral("yes"),  QStringLiteral("no"),   QStringLiteral("oh"),   QStringLiteral("ah"),
        QStringLiteral("o"),    QStringLiteral("well"), QStringLiteral("why"),  QStringLiteral("what"),
        QStringLiteral("nay"),  QStringLiteral("ay"),   QStringLiteral("ja"),   QStringLiteral("nein"),
        QStringLiteral("ach"),  QStringLiteral("oui"),  QStringLiteral("non"),  QStringLiteral("so"),
        QStringLiteral("now"),  QStringLiteral("then"), QStringLiteral("here"), QStringLiteral("there"),
        QStringLiteral("come"), QStringLiteral("good"), QStringLiteral("sir"),  QStringLiteral("madam")};
    return words.contains(folded);
}

bool isNameToken(QStringView token)
{
    if (token.isEmpty() || token.size() > 24)
        return false;
    bool letter = false;
    for (qsizetype i = 0; i < token.size(); ++i) {
        const QChar c = token.at(i);
        if (c.isLetter()) {
            letter = true;
        } else if (c.isDigit()) {
            if (letter)
                return false;
        } else if (c != u'\'' && c != u'\u2019' && c != u'-' && c != u'.' && c != u'&') {
            return false;
        }
    }
    if (!letter) {
        // `1 Clown`, `2. Gent.`: a leading number is part of the label
        for (const QChar c : token) {
            if (!c.isDigit() && c != u'.')
                return false;
        }
    }
    return true;
}

QList<QStringView> splitTokens(QStringView name)
{
    QList<QStringView> tokens;
    qsizetype i = 0;
    while (i < name.size()) {
        while (i < name.size() && name.at(i).isSpace())
            ++i;
        const qsizetype start = i;
        while (i < name.size() && !name.at(i).isSpace())
            ++i;
        if (i > start)
            tokens.append(name.mid(start, i - start));
    }
    return tokens;
}

QStringView chopTrailing(QStringView s, QChar c)
{
    s = s.trimmed();
    if (s.endsWith(c))
        s.chop(1);
    return s.trimmed();
}

QStringList withoutArticle(QStringList tokens)
{
    static const QStringList articles = {QStringLiteral("a"),   QStringLiteral("an"),
                                         QStringLiteral("the"), QStringLiteral("ein"),
                                         QStringLiteral("eine"), QStringLiteral("der"),
                                         QStringLiteral("die"), QStringLiteral("das"),
                                         QStringLiteral("le"),  QStringLiteral("la")};
    if (tokens.size() > 1 && articles.contains(tokens.first()))
        tokens.removeFirst();
    return tokens;
}

} // namespace

bool LineRecognizer::abbreviates(const QString &shortKey, const QString &longKey)
{
    if (shortKey.isEmpty() || longKey.isEmpty())
        return false;
    const QStringList s = withoutArticle(shortKey.split(u' '));
    const QStringList l = withoutArticle(longKey.split(u' '));
    if (s == l)
        return true;
    if (s.size() == l.size()) {
        for (int i = 0; i < s.size(); ++i) {
            if (!l.at(i).startsWith(s.at(i)) || (s.size() == 1 && s.at(i).size() < 3))
                return false;
        }
        return true;
    }
    // a first name or surname alone, or its abbreviation (`Amb.` for `English Ambassadors`)
    if (s.size() != 1 || s.first().size() < 3)
        return false;
    for (const QString &token : l) {
        if (token.startsWith(s.first()))
            return true;
    }
    return false;
}

bool LineRecognizer::isActHeading(QStringView line)
{
    if (line.isEmpty() || line.size() > MaxHeadingLength || !keywordLooksLikeHeading(line))
        return false;
    static const QRegularExpression re = headingRegex(
        QStringLiteral("act|acte|akt|aufzug|actus|atto|acto|handlung"));
    return re.match(line).hasMatch();
}

bool LineRecognizer::isSceneHeading(QStringView line)
{
    if (line.isEmpty() || line.size() > MaxHeadingLength || !keywordLooksLikeHeading(line))
        return false;
    static const QRegularExpression re = headingRegex(
        QStringLiteral("scene|sc(?:è|e)ne|scena|szene|auftritt|escena|scaena"));
    return re.match(line).hasMatch();
}

bool LineRecognizer::isPersonaeHeading(QStringView line)
{
    if (line.isEmpty() || line.size() > 60)
        return false;
    static const QRegularExpression re(
        QStringLiteral("^(?:the\\s+)?(?:dramatis\\s+person(?:ae|æ)"
                       "|persons(?:\\s+(?:of|in)\\s+the\\s+(?:play|drama|comedy|tragedy)|\\s+represented)?"
                       "|characters(?:\\s+(?:of|in)\\s+the\\s+play)?|cast(?:\\s+of\\s+characters)?"
                       "|personen(?:\\s+der\\s+handlung)?|(?:les\\s+)?personnages)\\s*[.:]?$"),
        QRegularExpression::CaseInsensitiveOption);
    return re.match(line).hasMatch();
}

bool LineRecognizer::isDirectionStart(QStringView line)
{
    if (line.isEmpty())
        return false;
    const QChar first = line.at(0);
    if (first == u'[' || first == u'(' || first == u'_' || first == u'{')
        return true;
    static const QStringList cues = {QStringLiteral("Enter"),    QStringLiteral("Enters"),
                                     QStringLiteral("Exit"),     QStringLiteral("Exeunt"),
                                     QStringLiteral("Re-enter"), QStringLiteral("Reenter"),
                                     QStringLiteral("Manet"),    QStringLiteral("Manent"),
                                     QStringLiteral("Flourish"), QStringLiteral("Sennet"),
                                     QStringLiteral("Alarum"),   QStringLiteral("Alarums")};
    qsizetype end = 0;
    while (end < line.size() && (line.at(end).isLetter() || line.at(end) == u'-'))
        ++end;
    const QStringView word = line.left(end);
    for (const QString &cue : cues) {
        if (word.compare(cue, Qt::CaseInsensitive) == 0)
            return word.at(0).isUpper();
    }
    return false;
}

bool LineRecognizer::isGenericHeadingShape(QStringView line)
{
    if (line.isEmpty() || line.size() > 50 || !line.at(0).isUpper())
        return false;
    const QChar last = line.back();
    if (last == u',' || last == u';' || last == u':' || last == u'-' || last == u'!' || last == u'?')
        return false;
    return splitTokens(line).size() <= 6;
}

QString LineRecognizer::foldName(QStringView name)
{
    QString out;
    out.reserve(name.size());
    bool space = false;
    for (const QChar c : name) {
        if (c.isLetterOrNumber()) {
            if (space && !out.isEmpty())
                out.append(u' ');
            space = false;
            out.append(c.toLower());
        } else if (c != u'\'' && c != u'\u2019') {
            space = true;
        }
    }
    return out;
}

bool LineRecognizer::isCapsName(QStringView name)
{
    if (name.isEmpty() || name.size() > MaxLabelLength)
        return false;
    const QList<QStringView> tokens = splitTokens(name);
    if (tokens.isEmpty() || tokens.size() > 5 || isConnector(tokens.first()))
        return false;
    int upper = 0;
    bool allRoman = true;
    for (const QStringView token : tokens) {
        if (isConnector(token))
            continue;
        if (!isNameToken(token))
            return false;
        if (!isRomanNumeral(chopTrailing(token, u'.')))
            allRoman = false;
        for (const QChar c : token) {
            if (c.isLower())
                return false;
            if (c.isUpper())
                ++upper;
        }
    }
    if (upper < 2 || allRoman)
        return false;
    return !isStructuralWord(foldName(name));
}

bool LineRecognizer::isMixedName(QStringView name)
{
    if (name.isEmpty() || name.size() > 32)
        return false;
    const QList<QStringView> tokens = splitTokens(name);
    if (tokens.isEmpty() || tokens.size() > 4 || isConnector(tokens.first()))
        return false;
    bool lower = false;
    for (const QStringView token : tokens) {
        if (isConnector(token))
            continue;
        if (!isNameToken(token))
            return false;
        const QChar first = token.at(0);
        if (!first.isUpper() && !first.isDigit())
            return false;
        // `ANNA. Hello` is a capitalised label followed by text, not one mixed-case name
        bool tokenLower = false;
        int letters = 0;
        for (const QChar c : token) {
            if (c.isLower())
                tokenLower = true;
            if (c.isLetter())
                ++letters;
        }
        if (letters >= 2 && !tokenLower)
            return false;
        lower = lower || tokenLower;
    }
    if (!lower)
        return false;
    const QString folded = foldName(name);
    return !isStructuralWord(folded) && !isInterjection(folded);
}

LabelMatch LineRecognizer::matchLabel(QStringView line)
{
    LabelMatch m;
    if (line.isEmpty() || !(line.at(0).isLetter() || line.at(0).isDigit()))
        return m;
    const QStringView head = line.left(MaxLabelLength + 200);

    // Alone on the line: name [direction] [.:]
    {
        QStringView s = line;
        bool colon = false;
        if (s.endsWith(u':')) {
            colon = true;
            s = s.chopped(1).trimmed();
        }
        qsizetype br = -1;
        for (qsizetype i = 0; i < s.size() && i <= MaxLabelLength; ++i) {
            if (s.at(i) == u'(' || s.at(i) == u'[') {
                br = i;
                break;
            }
        }
        bool alone = s.size() <= MaxLabelLength + 2;
        QStringView namePart = s;
        QStringView dir;
        bool dirOpen = false;
        if (br > 0) {
            namePart = s.left(br);
            dir = s.mid(br);
            const QChar close = s.at(br) == u'(' ? u')' : u']';
            const qsizetype closeAt = dir.indexOf(close);
            if (closeAt < 0) {
                dirOpen = !colon;
                alone = true;
            } else {
                const QStringView after = dir.mid(closeAt + 1).trimmed();
                alone = after.isEmpty() || after == u"." || after == u":";
                if (after == u":")
                    colon = true;
                dir = dir.left(closeAt + 1);
            }
        }
        if (alone) {
            bool period = false;
            namePart = namePart.trimmed();
            // `ALCESTE, assis.`: a capitalised name, then a lower-case direction after a comma
            const qsizetype comma = namePart.indexOf(u',');
            if (comma > 0 && dir.isEmpty()) {
                const QStringView after = namePart.mid(comma + 1).trimmed();
                const bool shortDirection = after.size() <= 40 && !after.contains(u',') && !after.contains(u';');
                if (!after.isEmpty() && after.at(0).isLower() && shortDirection
                    && isCapsName(namePart.left(comma).trimmed())) {
                    dir = after;
                    namePart = namePart.left(comma).trimmed();
                }
            }
            if (namePart.endsWith(u'.')) {
                period = true;
                namePart = namePart.chopped(1).trimmed();
            }
            if (!colon && namePart.endsWith(u':')) {
                colon = true;
                namePart = namePart.chopped(1).trimmed();
            }
            const bool caps = isCapsName(namePart);
            const bool mixed = !caps && isMixedName(namePart);
            if (caps || mixed) {
                m.name = namePart.toString();
                m.direction = dir.toString();
                m.directionOpen = dirOpen;
                if (colon) {
                    m.style = LabelMatch::AloneColon;
                    m.mixedCase = mixed;
                } else if (caps) {
                    m.style = LabelMatch::AloneCaps;
                } else if (period && dir.isEmpty()) {
                    m.style = LabelMatch::AloneAbbrev;
                } else {
                    m.style = LabelMatch::AloneCaps;
                    m.mixedCase = true;
                }
                if (dirOpen && !colon) {
                    m.inlineAlternative = caps ? LabelMatch::InlineCaps : LabelMatch::InlineMixed;
                    m.rest = dir.toString();
                }
                return m;
            }
        }
    }

    // Inline: name followed by `.`/`:` and text, or by a direction / dash and text.
    qsizetype pos = 0;
    qsizetype nameEnd = -1;
    qsizetype restStart = -1;
    int tokenCount = 0;
    bool gapOnly = false;
    while (pos < head.size() && tokenCount < 6) {
        qsizetype start = pos;
        while (start < head.size() && head.at(start).isSpace())
            ++start;
        if (start >= head.size())
            break;
        qsizetype end = start;
        while (end < head.size() && !head.at(end).isSpace())
            ++end;
        const QStringView token = head.mid(start, end - start);
        const QChar first = token.at(0);
        if (first == u'[' || first == u'(' || first == u'{') {
            if (tokenCount > 0) {
                nameEnd = pos;
                restStart = start;
            }
            break;
        }
        if (token == u"--" || token == u"\u2014" || token == u"-") {
            if (tokenCount > 0) {
                nameEnd = pos;
                restStart = end;
            }
            break;
        }
        const QChar lastChar = token.back();
        if (lastChar == u',' && token.size() > 1) {
            // `NAME, [aside] text`: a comma, then a direction, then the speech
            qsizetype next = end;
            while (next < head.size() && head.at(next).isSpace())
                ++next;
            if (next < head.size() && (head.at(next) == u'[' || head.at(next) == u'(')
                && isNameToken(token.chopped(1))) {
                nameEnd = end - 1;
                restStart = next;
                ++tokenCount;
            }
            break;
        }
        const QStringView core = (lastChar == u'.' || lastChar == u':') ? token.chopped(1) : token;
        if (!isNameToken(core) || (core.isEmpty()))
            break;
        ++tokenCount;
        pos = end;
        if (lastChar != u'.' && lastChar != u':' && end + 1 < head.size()
            && (head.at(end) == u'\t' || (head.at(end) == u' ' && head.at(end + 1) == u' '))) {
            // `NAME   text`: capitals, then a wide gap (two or more spaces, a tab), then the speech
            qsizetype next = end;
            while (next < head.size() && head.at(next).isSpace())
                ++next;
            if (next < head.size() && (head.at(next).isLetter() || head.at(next) == u'\u2018'
                                       || head.at(next) == u'"' || head.at(next) == u'\'')) {
                nameEnd = end;
                restStart = next;
                gapOnly = true;
                break;
            }
        }
        if (lastChar == u':') {
            nameEnd = end - 1;
            restStart = end;
            break;
        }
        if (lastChar == u'.') {
            qsizetype next = end;
            while (next < head.size() && head.at(next) == u' ')
                ++next;
            const bool moreName = next < head.size() && next - end == 1
                                  && (head.at(next).isUpper() || head.at(next).isDigit());
            if (isTitleAbbreviation(core) && moreName)
                continue;
            nameEnd = end - 1;
            restStart = end;
            break;
        }
        if (isConnector(core) && tokenCount == 1)
            break;
    }
    if (nameEnd <= 0 || restStart < 0)
        return m;
    const QStringView name = head.left(nameEnd).trimmed();
    // Width of the gap before the text: printed columns use two or more spaces.
    qsizetype textStart = restStart;
    while (textStart < line.size() && line.at(textStart) == u' ')
        ++textStart;
    qsizetype gap = 0;
    while (textStart - gap - 1 >= 0 && line.at(textStart - gap - 1) == u' ')
        ++gap;
    QStringView rest = line.mid(restStart).trimmed();
    while (rest.startsWith(u"--") || rest.startsWith(u'\u2014') || rest.startsWith(u':'))
        rest = rest.mid(rest.startsWith(u"--") ? 2 : 1).trimmed();
    if (rest.isEmpty())
        return m;
    if (isCapsName(name))
        m.style = LabelMatch::InlineCaps;
    else if (gapOnly)
        return m; // a mixed-case word before a wide gap is just spacing in prose
    else if (isMixedName(name))
        m.style = LabelMatch::InlineMixed;
    else
        return m;
    m.name = name.toString();
    m.rest = rest.toString();
    m.wideGap = gap >= 2;
    return m;
}

bool LineRecognizer::isJointLabel(const QString &label)
{
    const QString key = foldName(label);
    static const QStringList everyone = {
        QStringLiteral("all"),    QStringLiteral("both"),  QStringLiteral("tous"),
        QStringLiteral("toutes"), QStringLiteral("alle"),  QStringLiteral("beide"),
        QStringLiteral("tutti"),  QStringLiteral("todos"), QStringLiteral("omnes"),
        QStringLiteral("all together"), QStringLiteral("alle zusammen")};
    if (everyone.contains(key))
        return true;
    const QStringList tokens = key.split(u' ');
    for (int i = 1; i + 1 < tokens.size(); ++i) {
        const QString &t = tokens.at(i);
        if (t == QLatin1String("and") || t == QLatin1String("und") || t == QLatin1String("et"))
            return true;
    }
    return label.contains(u'&') || (label.contains(u',') && tokens.size() >= 2 && !label.endsWith(u','));
}

QStringList LineRecognizer::jointParts(const QString &label)
{
    QString s = label;
    static const QRegularExpression connectors(
        QStringLiteral("\\s+(?:and|AND|And|und|UND|Und|et|ET|Et)\\s+|\\s*[,&]\\s*"));
    QStringList parts;
    for (const QString &p : s.split(connectors, Qt::SkipEmptyParts)) {
        QString t = p.trimmed();
        while (t.endsWith(u'.'))
            t.chop(1);
        if (!t.isEmpty())
            parts << t;
    }
    return parts;
}

} // namespace Engine

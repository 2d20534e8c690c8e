#include "engine/parse/parsingcontext.h"

#include "engine/parse/jsonnull.h"
#include "engine/parse/linerecognizer.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace Engine {

namespace {

constexpr qsizetype MaxCharacters = 1000;

} // namespace

void ParsingContext::enterAct(const QString &title)
{
    m_actTitle = title;
    m_sceneTitle.clear();
}

void ParsingContext::enterScene(const QString &title)
{
    m_sceneTitle = title;
}

int ParsingContext::findCharacter(const QString &key) const
{
    return m_characterIndex.value(key, -1);
}


namespace {

// `ham` / `hamlet`, `p king` / `player king`: the same number of words, each a prefix of the
// other's, one of them cut to at most 70 % of its length. `Hexe` / `Hexen`, `Geist` / `Geister`
// and `King` / `Player King` are different people.
bool isAbbreviationOf(const QString &shortKey, const QString &longKey)
{
    const QStringList s = shortKey.split(u' ');
    const QStringList l = longKey.split(u' ');
    if (s.size() != l.size() || shortKey == longKey)
        return false;
    bool cut = false;
    for (int i = 0; i < s.size(); ++i) {
        if (!l.at(i).startsWith(s.at(i)))
            return false;
        if (s.at(i).size() * 10 <= l.at(i).size() * 7)
            cut = true;
    }
    return cut && (s.size() > 1 || s.first().size() >= 2);
}

} // namespace

void ParsingContext::registerSpeaker(const QString &label)
{
    const QString key = LineRecognizer::foldName(label);
    if (key.isEmpty())
        return;
    const int known = findCharacter(key);
    if (known >= 0) {
        // The same name printed differently (`NORA` for the cast list's `Nora`): kept as an alias
        // so that consumers matching labels literally find the entry too.
        Character &c = m_characters[known];
        if (c.name != label && !c.aliases.contains(label) && c.aliases.size() < 16)
            c.aliases.append(label);
        return;
    }
    // A real cast has dozens of names; thousands of distinct "labels" are junk input, and
    // matching each new one against all others would make the parse quadratic.
    if (m_characters.size() >= MaxCharacters)
        return;

    if (LineRecognizer::isJointLabel(label)) {
        Character group{label, {}, true, {}};
        for (const QString &part : LineRecognizer::jointParts(label)) {
            const QString partKey = LineRecognizer::foldName(part);
            int member = findCharacter(partKey);
            for (int i = 0; i < m_characters.size() && member < 0; ++i) {
                if (!m_characters.at(i).group
                    && isAbbreviationOf(partKey, LineRecognizer::foldName(m_characters.at(i).name)))
                    member = i;
            }
            const QString name = member >= 0 ? m_characters.at(member).name : part;
            if (!group.members.contains(name))
                group.members << name;
        }
        m_characters.append(group);
        m_characterIndex.insert(key, int(m_characters.size()) - 1);
        return;
    }

    int target = -1;
    QString persona;
    QStringList candidates;
    for (const QString &p : m_personae) {
        if (LineRecognizer::abbreviates(key, LineRecognizer::foldName(p)))
            candidates << p;
    }
    if (candidates.size() > 1) {
        // `Ham.` fits `Hamlet` and `Ghost of Hamlet's Father`: a name of as many words wins
        QStringList close;
        for (const QString &p : std::as_const(candidates)) {
            const QString pk = LineRecognizer::foldName(p);
            if (pk == key || isAbbreviationOf(key, pk))
                close << p;
        }
        candidates = close;
    }
    if (candidates.size() == 1) // more is ambiguous: `Gent.` for two gentlemen
        persona = candidates.first();
    else if (candidates.isEmpty()) // `KING.` for the cast list's `Claudius, King of Denmark`
        persona = m_profile.personaTitled(key);
    if (!persona.isEmpty()) {
        const QString personaKey = LineRecognizer::foldName(persona);
        target = findCharacter(personaKey);
        if (target < 0) {
            m_characters.append({persona, {}, false, {}});
            target = int(m_characters.size()) - 1;
            m_characterIndex.insert(personaKey, target);
        }
    } else {
        // an abbreviation of a speaker already seen under a fuller label, or the full form of
        // one seen abbreviated (which then becomes the entry's name)
        for (int i = 0; i < m_characters.size() && target < 0; ++i) {
            if (m_characters.at(i).group)
                continue;
            const QString knownKey = LineRecognizer::foldName(m_characters.at(i).name);
            if (isAbbreviationOf(key, knownKey)) {
                target = i;
            } else if (isAbbreviationOf(knownKey, key)) {
                target = i;
                Character &c = m_characters[i];
                c.aliases.prepend(c.name);
                c.aliases.removeAll(label);
                c.name = label;
                m_characterIndex.insert(key, target);
                return;
            }
        }
    }
    if (target < 0) {
        m_characters.append({label, {}, false, {}});
        m_characterIndex.insert(key, int(m_characters.size()) - 1);
        return;
    }
    if (m_characters.at(target).name != label && !m_characters.at(target).aliases.contains(label))
        m_characters[target].aliases.append(label);
    m_characterIndex.insert(key, target);
}

void ParsingContext::rebuildIndex()
{
    m_characterIndex.clear();
    for (int i = 0; i < m_characters.size(); ++i) {
        m_characterIndex.insert(LineRecognizer::foldName(m_characters.at(i).name), i);
        for (const QString &alias : m_characters.at(i).aliases)
            m_characterIndex.insert(LineRecognizer::foldName(alias), i);
    }
}

QJsonObject ParsingContext::toJson() const
{
    QJsonArray characters;
    for (const Character &c : m_characters) {
        QJsonObject o{{QStringLiteral("name"), c.name},
                      {QStringLiteral("aliases"), QJsonArray::fromStringList(c.aliases)}};
        if (c.group) {
            o.insert(QStringLiteral("group"), true);
            o.insert(QStringLiteral("members"), QJsonArray::fromStringList(c.members));
        }
        characters.append(o);
    }
    const ReaderState &r = m_reader;
    const QJsonObject reader{{QStringLiteral("paragraph"), int(r.paragraph)},
                             {QStringLiteral("pending"), int(r.pending)},
                             {QStringLiteral("pendingLine"), r.pendingLine},
                             {QStringLiteral("pendingBlanks"), r.pendingBlanks},
                             {QStringLiteral("pendingName"), r.pendingName},
                             {QStringLiteral("pendingDirection"), r.pendingDirection},
                             {QStringLiteral("pendingDirectionOpen"), r.pendingDirectionOpen},
                             {QStringLiteral("blankRun"), r.blankRun},
                             {QStringLiteral("afterHeading"), r.afterHeading},
                             {QStringLiteral("labelDirectionOpen"), r.labelDirectionOpen},
                             {QStringLiteral("direction"), r.direction},
                             {QStringLiteral("pendingLineNo"), r.pendingLineNo},
                             {QStringLiteral("directionLines"), QJsonArray{r.directionFirst, r.directionLast}}};
    const QJsonObject speech{{QStringLiteral("open"), m_speech.open},
                             {QStringLiteral("speaker"), m_speech.speaker},
                             {QStringLiteral("text"), m_speech.text},
                             {QStringLiteral("column"), m_speech.column},
                             {QStringLiteral("lines"), QJsonArray{m_speech.firstLine, m_speech.lastLine}}};
    return QJsonObject{{QStringLiteral("title"), nullable(m_title)},
                       {QStringLiteral("personae"), QJsonArray::fromStringList(m_personae)},
                       {QStringLiteral("profile"), m_profile.toJson()},
                       {QStringLiteral("act"), nullable(m_actTitle)},
                       {QStringLiteral("scene"), nullable(m_sceneTitle)},
                       {QStringLiteral("characters"), characters},
                       {QStringLiteral("speech"), speech},
                       {QStringLiteral("reader"), reader}};
}

std::optional<ParsingContext> ParsingContext::fromJson(const QJsonObject &json)
{
    const auto profile = PlayProfile::fromJson(json.value(QStringLiteral("profile")).toObject());
    if (!profile || !json.value(QStringLiteral("characters")).isArray()
        || !json.value(QStringLiteral("reader")).isObject() || !json.value(QStringLiteral("speech")).isObject())
        return std::nullopt;
    ParsingContext c;
    c.m_profile = *profile;
    c.m_title = fromNullable(json.value(QStringLiteral("title")));
    for (const QJsonValue &v : json.value(QStringLiteral("personae")).toArray())
        c.m_personae.append(v.toString());
    c.m_actTitle = fromNullable(json.value(QStringLiteral("act")));
    c.m_sceneTitle = fromNullable(json.value(QStringLiteral("scene")));
    for (const QJsonValue &v : json.value(QStringLiteral("characters")).toArray()) {
        const QJsonObject o = v.toObject();
        Character ch{o.value(QStringLiteral("name")).toString(), {}, o.value(QStringLiteral("group")).toBool(), {}};
        if (ch.name.isEmpty())
            return std::nullopt;
        for (const QJsonValue &a : o.value(QStringLiteral("aliases")).toArray())
            ch.aliases.append(a.toString());
        for (const QJsonValue &m : o.value(QStringLiteral("members")).toArray())
            ch.members.append(m.toString());
        c.m_characters.append(ch);
    }
    c.rebuildIndex();

    const QJsonObject s = json.value(QStringLiteral("speech")).toObject();
    c.m_speech.open = s.value(QStringLiteral("open")).toBool();
    c.m_speech.speaker = s.value(QStringLiteral("speaker")).toString();
    c.m_speech.text = s.value(QStringLiteral("text")).toString();
    c.m_speech.column = s.value(QStringLiteral("column")).toBool();
    // Checkpoints written before line ranges existed have none: -1, unknown.
    const QJsonArray speechLines = s.value(QStringLiteral("lines")).toArray();
    c.m_speech.firstLine = speechLines.at(0).toInt(-1);
    c.m_speech.lastLine = speechLines.at(1).toInt(-1);

    const QJsonObject r = json.value(QStringLiteral("reader")).toObject();
    const int paragraph = r.value(QStringLiteral("paragraph")).toInt(-1);
    const int pending = r.value(QStringLiteral("pending")).toInt(-1);
    if (paragraph < 0 || paragraph > int(ReaderState::Paragraph::Skipped) || pending < 0
        || pending > int(ReaderState::Pending::Heading))
        return std::nullopt;
    ReaderState &rs = c.m_reader;
    rs.paragraph = ReaderState::Paragraph(paragraph);
    rs.pending = ReaderState::Pending(pending);
    rs.pendingLine = r.value(QStringLiteral("pendingLine")).toString();
    rs.pendingBlanks = r.value(QStringLiteral("pendingBlanks")).toInt();
    rs.pendingName = r.value(QStringLiteral("pendingName")).toString();
    rs.pendingDirection = r.value(QStringLiteral("pendingDirection")).toString();
    rs.pendingDirectionOpen = r.value(QStringLiteral("pendingDirectionOpen")).toBool();
    rs.blankRun = r.value(QStringLiteral("blankRun")).toInt();
    rs.afterHeading = r.value(QStringLiteral("afterHeading")).toBool();
    rs.labelDirectionOpen = r.value(QStringLiteral("labelDirectionOpen")).toBool();
    rs.direction = r.value(QStringLiteral("direction")).toString();
    rs.pendingLineNo = r.value(QStringLiteral("pendingLineNo")).toInt(-1);
    const QJsonArray directionLines = r.value(QStringLiteral("directionLines")).toArray();
    rs.directionFirst = directionLines.at(0).toInt(-1);
    rs.directionLast = directionLines.at(1).toInt(-1);
    return c;
}

} // namespace Engine

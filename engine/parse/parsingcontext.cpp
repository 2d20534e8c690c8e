#include "engine/parse/parsingcontext.h"

#include "engine/parse/linerecognizer.h"

#include <QJsonArray>

namespace Engine {

namespace {

constexpr qsizetype MaxCharacters = 1000;

QJsonValue nullable(const QString &s)
{
    return s.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QString fromNullable(const QJsonValue &v)
{
    return v.isString() ? v.toString() : QString();
}

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

void ParsingContext::registerSpeaker(const QString &label)
{
    const QString key = LineRecognizer::foldName(label);
    if (key.isEmpty() || findCharacter(key) >= 0)
        return;
    // A real cast has dozens of names; thousands of distinct "labels" are junk input, and
    // matching each new one against all others would make the parse quadratic.
    if (m_characters.size() >= MaxCharacters)
        return;

    int target = -1;
    QString persona;
    for (const QString &p : m_personae) {
        if (LineRecognizer::abbreviates(key, LineRecognizer::foldName(p))) {
            if (!persona.isEmpty()) { // ambiguous: `Gent.` for two gentlemen
                persona.clear();
                break;
            }
            persona = p;
        }
    }
    if (!persona.isEmpty()) {
        const QString personaKey = LineRecognizer::foldName(persona);
        target = findCharacter(personaKey);
        if (target < 0) {
            m_characters.append({persona, {}});
            target = int(m_characters.size()) - 1;
            m_characterIndex.insert(personaKey, target);
        }
    } else {
        // an abbreviation of a speaker already seen under a fuller label, or the full form of
        // one seen abbreviated
        for (int i = 0; i < m_characters.size() && target < 0; ++i) {
            const QString known = LineRecognizer::foldName(m_characters.at(i).name);
            if (LineRecognizer::abbreviates(key, known) || LineRecognizer::abbreviates(known, key))
                target = i;
        }
    }
    if (target < 0) {
        m_characters.append({label, {}});
        m_characterIndex.insert(key, int(m_characters.size()) - 1);
        return;
    }
    if (LineRecognizer::foldName(m_characters.at(target).name) != key)
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
        characters.append(QJsonObject{{QStringLiteral("name"), c.name},
                                      {QStringLiteral("aliases"), QJsonArray::fromStringList(c.aliases)}});
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
                             {QStringLiteral("direction"), r.direction}};
    const QJsonObject speech{{QStringLiteral("open"), m_speech.open},
                             {QStringLiteral("speaker"), m_speech.speaker},
                             {QStringLiteral("text"), m_speech.text},
                             {QStringLiteral("column"), m_speech.column}};
    return QJsonObject{{QStringLiteral("title"), m_title},
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
    c.m_title = json.value(QStringLiteral("title")).toString();
    for (const QJsonValue &v : json.value(QStringLiteral("personae")).toArray())
        c.m_personae.append(v.toString());
    c.m_actTitle = fromNullable(json.value(QStringLiteral("act")));
    c.m_sceneTitle = fromNullable(json.value(QStringLiteral("scene")));
    for (const QJsonValue &v : json.value(QStringLiteral("characters")).toArray()) {
        const QJsonObject o = v.toObject();
        Character ch{o.value(QStringLiteral("name")).toString(), {}};
        if (ch.name.isEmpty())
            return std::nullopt;
        for (const QJsonValue &a : o.value(QStringLiteral("aliases")).toArray())
            ch.aliases.append(a.toString());
        c.m_characters.append(ch);
    }
    c.rebuildIndex();

    const QJsonObject s = json.value(QStringLiteral("speech")).toObject();
    c.m_speech.open = s.value(QStringLiteral("open")).toBool();
    c.m_speech.speaker = s.value(QStringLiteral("speaker")).toString();
    c.m_speech.text = s.value(QStringLiteral("text")).toString();
    c.m_speech.column = s.value(QStringLiteral("column")).toBool();

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
    return c;
}

} // namespace Engine

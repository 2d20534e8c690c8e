#include "engine/parse/playbookbuilder.h"

#include "engine/parse/characterindex.h"
#include "engine/parse/jsonnull.h"
#include "engine/parse/linerecognizer.h"

#include <QHash>
#include <QJsonArray>

namespace Engine {

namespace {

QJsonValue linesJson(const PlaybookBuilder::LineRange &lines, int base)
{
    if (lines.first < 0)
        return QJsonValue(QJsonValue::Null);
    return QJsonArray{lines.first + base, qMax(lines.first, lines.last) + base};
}

QJsonArray speechesJson(const QList<PlaybookBuilder::Speech> &speeches, int base)
{
    QJsonArray out;
    for (const PlaybookBuilder::Speech &s : speeches) {
        QJsonObject o{{QStringLiteral("speaker"), s.speaker}, {QStringLiteral("text"), s.text}};
        if (s.lines.first >= 0 && base >= 0)
            o.insert(QStringLiteral("lines"), linesJson(s.lines, base));
        out.append(o);
    }
    return out;
}

// base -1: the partial state of checkpoint format 1, which keeps no line ranges.
QJsonObject sceneJson(const PlaybookBuilder::Scene &scene, int base = -1)
{
    QJsonObject o{{QStringLiteral("title"), nullable(scene.title)},
                  {QStringLiteral("speeches"), speechesJson(scene.speeches, base)},
                  {QStringLiteral("stage_directions"), QJsonArray::fromStringList(scene.directions)}};
    bool known = false;
    QJsonArray directionLines;
    for (const PlaybookBuilder::LineRange &lines : scene.directionLines) {
        known = known || lines.first >= 0;
        directionLines.append(linesJson(lines, base));
    }
    if (known && base >= 0)
        o.insert(QStringLiteral("stage_direction_lines"), directionLines);
    return o;
}

PlaybookBuilder::LineRange rangeAt(const QJsonArray &op, int index)
{
    if (op.size() <= index + 1)
        return {};
    return {op.at(index).toInt(-1), op.at(index + 1).toInt(-1)};
}

} // namespace

void PlaybookBuilder::startAct(const QString &title)
{
    m_acts.append(Act{title, {}});
    m_journal.append(Operation{'a', title, {}, {}});
}

void PlaybookBuilder::startScene(const QString &title)
{
    m_journal.append(Operation{'s', title, {}, {}});
    if (m_acts.isEmpty())
        m_acts.append(Act{QString(), {}});
    m_acts.last().scenes.append(Scene{title, {}, {}, {}});
}

PlaybookBuilder::Scene &PlaybookBuilder::currentScene()
{
    if (m_acts.isEmpty())
        m_acts.append(Act{QString(), {}});
    if (m_acts.last().scenes.isEmpty())
        m_acts.last().scenes.append(Scene{QString(), {}, {}, {}});
    return m_acts.last().scenes.last();
}

void PlaybookBuilder::addSpeech(const QString &speaker, const QString &text, LineRange lines)
{
    currentScene().speeches.append(Speech{speaker, text, lines});
    ++m_speechCount;
    m_journal.append(Operation{'p', speaker, text, lines});
}

void PlaybookBuilder::addDirection(const QString &text, LineRange lines)
{
    if (m_acts.isEmpty() || text.isEmpty())
        return;
    Scene &scene = currentScene();
    scene.directions.append(text);
    scene.directionLines.append(lines);
    m_journal.append(Operation{'d', text, {}, lines});
}

PlaybookBuilder::Mark PlaybookBuilder::mark() const
{
    Mark m;
    m.acts = m_acts.size();
    m.totalSpeeches = m_speechCount;
    m.journal = m_journal.size();
    if (!m_acts.isEmpty()) {
        m.scenes = m_acts.last().scenes.size();
        if (!m_acts.last().scenes.isEmpty()) {
            m.speeches = m_acts.last().scenes.last().speeches.size();
            m.directions = m_acts.last().scenes.last().directions.size();
        }
    }
    return m;
}

void PlaybookBuilder::rollback(const Mark &mark)
{
    m_acts.resize(mark.acts);
    m_speechCount = mark.totalSpeeches;
    m_journal.resize(qMin(mark.journal, m_journal.size()));
    if (m_acts.isEmpty())
        return;
    QList<Scene> &scenes = m_acts.last().scenes;
    scenes.resize(mark.scenes);
    if (scenes.isEmpty())
        return;
    scenes.last().speeches.resize(mark.speeches);
    scenes.last().directions.resize(mark.directions);
    scenes.last().directionLines.resize(mark.directions);
}

QJsonArray PlaybookBuilder::takeJournal()
{
    QJsonArray out;
    for (const Operation &op : std::as_const(m_journal)) {
        const QString kind(QLatin1Char(op.kind));
        switch (op.kind) {
        case 'a':
        case 's':
            out.append(QJsonArray{kind, nullable(op.first)});
            break;
        case 'p':
            out.append(QJsonArray{kind, op.first, op.second, op.lines.first, op.lines.last});
            break;
        default:
            out.append(QJsonArray{kind, op.first, op.lines.first, op.lines.last});
            break;
        }
    }
    m_journal.clear();
    return out;
}

bool PlaybookBuilder::replay(const QJsonArray &journal)
{
    for (const QJsonValue &value : journal) {
        const QJsonArray op = value.toArray();
        const QString kind = op.at(0).toString();
        if (kind == QLatin1String("a") && op.size() == 2) {
            startAct(fromNullable(op.at(1)));
        } else if (kind == QLatin1String("s") && op.size() == 2) {
            startScene(fromNullable(op.at(1)));
        } else if (kind == QLatin1String("p") && (op.size() == 3 || op.size() == 5)
                   && op.at(1).isString() && op.at(2).isString()) {
            addSpeech(op.at(1).toString(), op.at(2).toString(), rangeAt(op, 3));
        } else if (kind == QLatin1String("d") && (op.size() == 2 || op.size() == 4)
                   && op.at(1).isString()) {
            addDirection(op.at(1).toString(), rangeAt(op, 2));
        } else {
            return false;
        }
    }
    m_journal.clear(); // what was replayed is stored already
    return true;
}

QJsonObject PlaybookBuilder::toJson() const
{
    QJsonArray acts;
    for (const Act &act : m_acts) {
        QJsonArray scenes;
        for (const Scene &scene : act.scenes)
            scenes.append(sceneJson(scene));
        acts.append(QJsonObject{{QStringLiteral("title"), nullable(act.title)}, {QStringLiteral("scenes"), scenes}});
    }
    return QJsonObject{{QStringLiteral("acts"), acts}};
}

std::optional<PlaybookBuilder> PlaybookBuilder::fromJson(const QJsonObject &json)
{
    if (!json.value(QStringLiteral("acts")).isArray())
        return std::nullopt;
    PlaybookBuilder b;
    for (const QJsonValue &a : json.value(QStringLiteral("acts")).toArray()) {
        const QJsonObject ao = a.toObject();
        Act act{fromNullable(ao.value(QStringLiteral("title"))), {}};
        for (const QJsonValue &s : ao.value(QStringLiteral("scenes")).toArray()) {
            const QJsonObject so = s.toObject();
            Scene scene{fromNullable(so.value(QStringLiteral("title"))), {}, {}, {}};
            for (const QJsonValue &sp : so.value(QStringLiteral("speeches")).toArray()) {
                const QJsonObject spo = sp.toObject();
                scene.speeches.append(Speech{spo.value(QStringLiteral("speaker")).toString(),
                                             spo.value(QStringLiteral("text")).toString(), {}});
            }
            for (const QJsonValue &d : so.value(QStringLiteral("stage_directions")).toArray()) {
                scene.directions.append(d.toString());
                scene.directionLines.append(LineRange());
            }
            b.m_speechCount += int(scene.speeches.size());
            act.scenes.append(scene);
        }
        b.m_acts.append(act);
    }
    return b;
}

namespace {

int editDistance(const QString &a, const QString &b, int limit)
{
    if (qAbs(a.size() - b.size()) > limit)
        return limit + 1;
    QList<int> prev(b.size() + 1), cur(b.size() + 1);
    for (int j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (int i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        int best = cur[0];
        for (int j = 1; j <= b.size(); ++j) {
            cur[j] = qMin(qMin(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + (a.at(i - 1) == b.at(j - 1) ? 0 : 1));
            best = qMin(best, cur[j]);
        }
        if (best > limit)
            return limit + 1;
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

} // namespace

QJsonObject PlaybookBuilder::playbook(const QString &title,
                                      const QList<ParsingContext::Character> &characters,
                                      QJsonObject meta, const QStringList &personae) const
{
    CharacterIndex index;
    for (const ParsingContext::Character &c : characters)
        index.add(c.name, c.aliases);
    QList<int> counts(characters.size(), 0);
    auto entryOf = [&](const QString &speaker) { return index.find(speaker); };
    for (const Act &act : m_acts) {
        for (const Scene &scene : act.scenes) {
            for (const Speech &sp : scene.speeches) {
                const int e = entryOf(sp.speaker);
                if (e >= 0)
                    ++counts[e];
            }
        }
    }

    QJsonArray chars;
    // The cast list feeds the table: a listed person who never speaks still has an entry.
    QList<ParsingContext::Character> all = characters;
    for (const QString &persona : personae) {
        const QString key = LineRecognizer::foldName(persona);
        if (key.isEmpty() || index.contains(persona))
            continue;
        bool named = false;
        for (const ParsingContext::Character &c : characters)
            named = named || LineRecognizer::abbreviates(key, LineRecognizer::foldName(c.name));
        if (named)
            continue;
        index.add(persona, {});
        all.append({persona, {}, false, {}});
        counts.append(0);
    }
    for (int i = 0; i < characters.size(); ++i) {
        const ParsingContext::Character &c = characters.at(i);
        QJsonObject o{{QStringLiteral("name"), c.name},
                      {QStringLiteral("aliases"), QJsonArray::fromStringList(c.aliases)},
                      {QStringLiteral("kind"), c.group ? QStringLiteral("group") : QStringLiteral("person")},
                      {QStringLiteral("speeches"), counts.at(i)}};
        if (c.group)
            o.insert(QStringLiteral("members"), QJsonArray::fromStringList(c.members));
        chars.append(o);
    }
    for (int i = characters.size(); i < all.size(); ++i) {
        chars.append(QJsonObject{{QStringLiteral("name"), all.at(i).name},
                                 {QStringLiteral("aliases"), QJsonArray()},
                                 {QStringLiteral("kind"), QStringLiteral("person")},
                                 {QStringLiteral("speeches"), 0},
                                 {QStringLiteral("castOnly"), true}});
    }

    // Confidence of a scene: the share of its speeches that are unremarkable. A label used once
    // in the whole play (and not in the cast list) is a likely misreading; a speech without a
    // speaker or without text is a boundary gone wrong.
    QJsonArray sceneMeta;
    QHash<QString, int> unknownLabels;
    double weighted = 0;
    int weight = 0;
    int noSpeaker = 0;
    int empty = 0;
    QJsonArray acts;
    int actIndex = 0;
    for (const Act &act : m_acts) {
        QJsonArray scenes;
        bool spoken = false;
        for (const Scene &scene : act.scenes) {
            // A titled scene of only stage directions after the play has begun is a song, a dumb
            // show or a monologue printed without a label; before the first speech, or without a
            // title, a scene without speeches is a table of contents or a title page.
            spoken = spoken || !scene.speeches.isEmpty();
            if (!(!scene.speeches.isEmpty() || (spoken && !scene.title.isNull() && !scene.directions.isEmpty())))
                continue;
            int doubtful = 0;
            int sceneUnknown = 0;
            for (const Speech &sp : scene.speeches) {
                const int e = entryOf(sp.speaker);
                if (sp.speaker.trimmed().isEmpty()) {
                    ++noSpeaker;
                    ++doubtful;
                } else if (e < 0 || (counts.at(e) == 1 && !characters.at(e).group
                                     && characters.at(e).aliases.isEmpty())) {
                    ++unknownLabels[sp.speaker];
                    ++sceneUnknown;
                    ++doubtful;
                } else if (sp.text.trimmed().isEmpty()) {
                    ++empty;
                    ++doubtful;
                }
            }
            const int n = int(scene.speeches.size());
            const double confidence = n ? 1.0 - double(doubtful) / n : 0.5;
            weighted += confidence * qMax(1, n);
            weight += qMax(1, n);
            sceneMeta.append(QJsonObject{{QStringLiteral("act"), actIndex},
                                         {QStringLiteral("scene"), int(scenes.size())},
                                         {QStringLiteral("title"), nullable(scene.title)},
                                         {QStringLiteral("speeches"), n},
                                         {QStringLiteral("unknownLabels"), sceneUnknown},
                                         {QStringLiteral("confidence"), qRound(confidence * 1000) / 1000.0}});
            scenes.append(sceneJson(scene, m_lineBase));
        }
        if (!scenes.isEmpty()) {
            acts.append(QJsonObject{{QStringLiteral("title"), nullable(act.title)}, {QStringLiteral("scenes"), scenes}});
            ++actIndex;
        }
    }

    // Spelling variants (`SHAWN KEOGH` / `SHAWN KEOUGH`) are proposed, never merged silently.
    QJsonArray proposals;
    if (characters.size() <= 300) {
        for (int i = 0; i < characters.size(); ++i) {
            const QString a = LineRecognizer::foldName(characters.at(i).name);
            if (characters.at(i).group || a.size() < 5)
                continue;
            for (int j = i + 1; j < characters.size(); ++j) {
                const QString b = LineRecognizer::foldName(characters.at(j).name);
                if (characters.at(j).group || b.size() < 5 || a.at(0) != b.at(0))
                    continue;
                const int limit = qMax(a.size(), b.size()) >= 9 ? 2 : 1;
                if (editDistance(a, b, limit) <= limit) {
                    proposals.append(QJsonObject{{QStringLiteral("names"), QJsonArray{characters.at(i).name, characters.at(j).name}},
                                                 {QStringLiteral("reason"), QStringLiteral("spelling variant")}});
                }
            }
        }
    }

    QJsonObject unknown;
    for (auto it = unknownLabels.cbegin(); it != unknownLabels.cend(); ++it)
        unknown.insert(it.key(), it.value());
    const double playConfidence = weight ? weighted / weight : 0.0;
    meta.insert(QStringLiteral("confidence"),
                qRound(playConfidence * meta.value(QStringLiteral("layoutConfidence")).toDouble(1.0) * 1000) / 1000.0);
    meta.insert(QStringLiteral("scenes"), sceneMeta);
    meta.insert(QStringLiteral("unknownLabels"), unknown);
    meta.insert(QStringLiteral("speechesWithoutSpeaker"), noSpeaker);
    meta.insert(QStringLiteral("speechesWithoutText"), empty);
    meta.insert(QStringLiteral("proposedMerges"), proposals);
    meta.insert(QStringLiteral("characters"), int(characters.size()));
    meta.insert(QStringLiteral("speeches"), m_speechCount);
    return QJsonObject{{QStringLiteral("title"), nullable(title)},
                       {QStringLiteral("characters"), chars},
                       {QStringLiteral("acts"), acts},
                       {QStringLiteral("meta"), meta}};
}

} // namespace Engine

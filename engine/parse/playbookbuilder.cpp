#include "engine/parse/playbookbuilder.h"

#include <QJsonArray>

namespace Engine {

namespace {

QJsonValue nullable(const QString &s)
{
    return s.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QString fromNullable(const QJsonValue &v)
{
    return v.isString() ? v.toString() : QString();
}

QJsonArray speechesJson(const QList<PlaybookBuilder::Speech> &speeches)
{
    QJsonArray out;
    for (const PlaybookBuilder::Speech &s : speeches)
        out.append(QJsonObject{{QStringLiteral("speaker"), s.speaker}, {QStringLiteral("text"), s.text}});
    return out;
}

QJsonObject sceneJson(const PlaybookBuilder::Scene &scene)
{
    return QJsonObject{{QStringLiteral("title"), nullable(scene.title)},
                       {QStringLiteral("speeches"), speechesJson(scene.speeches)},
                       {QStringLiteral("stage_directions"), QJsonArray::fromStringList(scene.directions)}};
}

} // namespace

void PlaybookBuilder::startAct(const QString &title)
{
    m_acts.append(Act{title, {}});
    m_journal.append(Operation{'a', title, {}});
}

void PlaybookBuilder::startScene(const QString &title)
{
    m_journal.append(Operation{'s', title, {}});
    if (m_acts.isEmpty())
        m_acts.append(Act{QString(), {}});
    m_acts.last().scenes.append(Scene{title, {}, {}});
}

PlaybookBuilder::Scene &PlaybookBuilder::currentScene()
{
    if (m_acts.isEmpty())
        m_acts.append(Act{QString(), {}});
    if (m_acts.last().scenes.isEmpty())
        m_acts.last().scenes.append(Scene{QString(), {}, {}});
    return m_acts.last().scenes.last();
}

void PlaybookBuilder::addSpeech(const QString &speaker, const QString &text)
{
    currentScene().speeches.append(Speech{speaker, text});
    ++m_speechCount;
    m_journal.append(Operation{'p', speaker, text});
}

void PlaybookBuilder::addDirection(const QString &text)
{
    if (m_acts.isEmpty() || text.isEmpty())
        return;
    currentScene().directions.append(text);
    m_journal.append(Operation{'d', text, {}});
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
            out.append(QJsonArray{kind, op.first, op.second});
            break;
        default:
            out.append(QJsonArray{kind, op.first});
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
        } else if (kind == QLatin1String("p") && op.size() == 3 && op.at(1).isString()
                   && op.at(2).isString()) {
            addSpeech(op.at(1).toString(), op.at(2).toString());
        } else if (kind == QLatin1String("d") && op.size() == 2 && op.at(1).isString()) {
            addDirection(op.at(1).toString());
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
            Scene scene{fromNullable(so.value(QStringLiteral("title"))), {}, {}};
            for (const QJsonValue &sp : so.value(QStringLiteral("speeches")).toArray()) {
                const QJsonObject spo = sp.toObject();
                scene.speeches.append(Speech{spo.value(QStringLiteral("speaker")).toString(),
                                             spo.value(QStringLiteral("text")).toString()});
            }
            for (const QJsonValue &d : so.value(QStringLiteral("stage_directions")).toArray())
                scene.directions.append(d.toString());
            b.m_speechCount += int(scene.speeches.size());
            act.scenes.append(scene);
        }
        b.m_acts.append(act);
    }
    return b;
}

QJsonObject PlaybookBuilder::playbook(const QString &title,
                                      const QList<ParsingContext::Character> &characters) const
{
    QJsonArray chars;
    for (const ParsingContext::Character &c : characters) {
        chars.append(QJsonObject{{QStringLiteral("name"), c.name},
                                 {QStringLiteral("aliases"), QJsonArray::fromStringList(c.aliases)}});
    }
    QJsonArray acts;
    for (const Act &act : m_acts) {
        QJsonArray scenes;
        bool spoken = false;
        for (const Scene &scene : act.scenes) {
            // A titled scene of only stage directions after the play has begun is a song, a dumb
            // show or a monologue printed without a label; before the first speech, or without a
            // title, a scene without speeches is a table of contents or a title page.
            spoken = spoken || !scene.speeches.isEmpty();
            if (!scene.speeches.isEmpty() || (spoken && !scene.title.isNull() && !scene.directions.isEmpty()))
                scenes.append(sceneJson(scene));
        }
        if (!scenes.isEmpty())
            acts.append(QJsonObject{{QStringLiteral("title"), nullable(act.title)}, {QStringLiteral("scenes"), scenes}});
    }
    return QJsonObject{{QStringLiteral("title"), nullable(title)},
                       {QStringLiteral("characters"), chars},
                       {QStringLiteral("acts"), acts}};
}

} // namespace Engine

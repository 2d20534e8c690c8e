#include "engine/parse/llmchunkreply.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Engine {

namespace {

QJsonObject stringType()
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}};
}

QJsonObject nullableString()
{
    return QJsonObject{{QStringLiteral("type"),
                        QJsonArray{QStringLiteral("string"), QStringLiteral("null")}}};
}

QJsonObject arrayOf(const QJsonObject &items)
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("array")}, {QStringLiteral("items"), items}};
}

QJsonObject objectOf(const QJsonObject &properties)
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                       {QStringLiteral("properties"), properties},
                       {QStringLiteral("required"), QJsonArray::fromStringList(properties.keys())},
                       {QStringLiteral("additionalProperties"), false}};
}

// Reads the value at key as a string (or null when allowed); the path names it in a problem.
class Reader
{
public:
    explicit Reader(qsizetype maxChars) : m_budget(maxChars) {}

    QString problem;

    bool text(const QJsonObject &o, const QString &key, const QString &path, bool nullable,
              bool required, QString *out)
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined() && !required)
            return true;
        if (v.isNull() && nullable) {
            *out = QString();
            return true;
        }
        if (!v.isString())
            return wrong(path + u'.' + key, nullable ? QStringLiteral("a string or null")
                                                     : QStringLiteral("a string"));
        *out = v.toString();
        return spend(out->size());
    }

    bool array(const QJsonObject &o, const QString &key, const QString &path, bool required,
               QJsonArray *out)
    {
        const QJsonValue v = o.value(key);
        if ((v.isUndefined() || v.isNull()) && !required) {
            *out = QJsonArray();
            return true;
        }
        if (!v.isArray())
            return wrong(path + u'.' + key, QStringLiteral("an array"));
        *out = v.toArray();
        return true;
    }

    bool object(const QJsonValue &v, const QString &path, QJsonObject *out)
    {
        if (!v.isObject())
            return wrong(path, QStringLiteral("an object"));
        *out = v.toObject();
        return true;
    }

    bool strings(const QJsonArray &a, const QString &path, QStringList *out)
    {
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (!a.at(i).isString())
                return wrong(QStringLiteral("%1[%2]").arg(path).arg(i), QStringLiteral("a string"));
            out->append(a.at(i).toString());
            if (!spend(out->last().size()))
                return false;
        }
        return true;
    }

    bool wrong(const QString &path, const QString &expected)
    {
        problem = QStringLiteral("%1 must be %2").arg(path, expected);
        return false;
    }

private:
    bool spend(qsizetype chars)
    {
        m_budget -= chars;
        if (m_budget >= 0)
            return true;
        problem = QStringLiteral("the reply holds far more text than the chunk: return only text "
                                 "from the chunk");
        return false;
    }

    qsizetype m_budget;
};

// The JSON object in a reply: without Markdown code fences or words around it.
QString extractObject(const QString &content)
{
    QString s = content.trimmed();
    if (s.startsWith(u'{') && s.endsWith(u'}'))
        return s;
    const qsizetype first = s.indexOf(u'{');
    const qsizetype last = s.lastIndexOf(u'}');
    if (first < 0 || last < first)
        return s;
    return s.mid(first, last - first + 1);
}

} // namespace

QJsonObject LlmChunkReply::schema()
{
    const QJsonObject speech = objectOf({{QStringLiteral("speaker"), stringType()},
                                         {QStringLiteral("text"), stringType()}});
    const QJsonObject scene = objectOf({{QStringLiteral("title"), nullableString()},
                                        {QStringLiteral("speeches"), arrayOf(speech)},
                                        {QStringLiteral("stage_directions"), arrayOf(stringType())}});
    const QJsonObject act = objectOf({{QStringLiteral("title"), nullableString()},
                                      {QStringLiteral("scenes"), arrayOf(scene)}});
    const QJsonObject character = objectOf({{QStringLiteral("name"), stringType()},
                                            {QStringLiteral("aliases"), arrayOf(stringType())}});
    return objectOf({{QStringLiteral("title"), nullableString()},
                     {QStringLiteral("continuation"), nullableString()},
                     {QStringLiteral("characters"), arrayOf(character)},
                     {QStringLiteral("acts"), arrayOf(act)}});
}

std::optional<LlmChunkReply> LlmChunkReply::parse(const QString &content, qsizetype maxTextChars,
                                                  QString *problem)
{
    auto failWith = [problem](const QString &p) {
        if (problem)
            *problem = p;
        return std::nullopt;
    };
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(extractObject(content).toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return failWith(QStringLiteral("the reply is not valid JSON (%1 at offset %2)")
                            .arg(parseError.errorString())
                            .arg(parseError.offset));
    if (!doc.isObject())
        return failWith(QStringLiteral("the reply must be one JSON object"));
    const QJsonObject root = doc.object();

    Reader r(maxTextChars);
    LlmChunkReply reply;
    QJsonArray acts;
    QJsonArray characters;
    const QString rootPath = QStringLiteral("reply");
    if (!r.text(root, QStringLiteral("title"), rootPath, true, false, &reply.title)
        || !r.text(root, QStringLiteral("continuation"), rootPath, true, false, &reply.continuation)
        || !r.array(root, QStringLiteral("characters"), rootPath, false, &characters)
        || !r.array(root, QStringLiteral("acts"), rootPath, true, &acts))
        return failWith(r.problem);

    for (qsizetype i = 0; i < characters.size(); ++i) {
        const QString path = QStringLiteral("characters[%1]").arg(i);
        QJsonObject o;
        Character c;
        QJsonArray aliases;
        if (!r.object(characters.at(i), path, &o) || !r.text(o, QStringLiteral("name"), path, false, true, &c.name)
            || !r.array(o, QStringLiteral("aliases"), path, false, &aliases)
            || !r.strings(aliases, path + QStringLiteral(".aliases"), &c.aliases))
            return failWith(r.problem);
        c.name = c.name.trimmed();
        if (!c.name.isEmpty())
            reply.characters.append(c);
    }

    for (qsizetype i = 0; i < acts.size(); ++i) {
        const QString actPath = QStringLiteral("acts[%1]").arg(i);
        QJsonObject ao;
        Act act;
        QJsonArray scenes;
        if (!r.object(acts.at(i), actPath, &ao) || !r.text(ao, QStringLiteral("title"), actPath, true, true, &act.title)
            || !r.array(ao, QStringLiteral("scenes"), actPath, true, &scenes))
            return failWith(r.problem);
        for (qsizetype j = 0; j < scenes.size(); ++j) {
            const QString scenePath = QStringLiteral("%1.scenes[%2]").arg(actPath).arg(j);
            QJsonObject so;
            Scene scene;
            QJsonArray speeches;
            QJsonArray directions;
            if (!r.object(scenes.at(j), scenePath, &so)
                || !r.text(so, QStringLiteral("title"), scenePath, true, true, &scene.title)
                || !r.array(so, QStringLiteral("speeches"), scenePath, true, &speeches)
                || !r.array(so, QStringLiteral("stage_directions"), scenePath, false, &directions)
                || !r.strings(directions, scenePath + QStringLiteral(".stage_directions"), &scene.directions))
                return failWith(r.problem);
            for (qsizetype k = 0; k < speeches.size(); ++k) {
                const QString path = QStringLiteral("%1.speeches[%2]").arg(scenePath).arg(k);
                QJsonObject o;
                Speech speech;
                if (!r.object(speeches.at(k), path, &o))
                    return failWith(r.problem);
                // A joint speech may come as a list of names (the playbook accepts that).
                const QJsonValue speaker = o.value(QStringLiteral("speaker"));
                if (speaker.isArray()) {
                    QStringList names;
                    if (!r.strings(speaker.toArray(), path + QStringLiteral(".speaker"), &names))
                        return failWith(r.problem);
                    speech.speaker = names.join(QStringLiteral(" and "));
                } else if (!r.text(o, QStringLiteral("speaker"), path, false, true, &speech.speaker)) {
                    return failWith(r.problem);
                }
                speech.speaker = speech.speaker.trimmed();
                if (speech.speaker.isEmpty())
                    return failWith(path + QStringLiteral(".speaker must not be empty"));
                if (!r.text(o, QStringLiteral("text"), path, false, true, &speech.text))
                    return failWith(r.problem);
                scene.speeches.append(speech);
            }
            act.scenes.append(scene);
        }
        reply.acts.append(act);
    }
    return reply;
}

} // namespace Engine

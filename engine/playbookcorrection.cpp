#include "engine/playbookcorrection.h"

#include "engine/enginetr.h"
#include "engine/parse/characterindex.h"
#include "engine/parse/linerecognizer.h"

#include <QHash>
#include <QJsonArray>

namespace Engine {

namespace {

QString op(const QJsonObject &c)
{
    return c.value(QStringLiteral("op")).toString();
}

int findEntry(const QJsonArray &characters, const QString &name)
{
    for (int i = 0; i < characters.size(); ++i) {
        if (characters.at(i).toObject().value(QStringLiteral("name")).toString() == name)
            return i;
    }
    const QString key = LineRecognizer::foldName(name);
    for (int i = 0; i < characters.size(); ++i) {
        if (LineRecognizer::foldName(characters.at(i).toObject().value(QStringLiteral("name")).toString()) == key)
            return i;
    }
    return -1;
}

QStringList stringsOf(const QJsonValue &v)
{
    QStringList out;
    for (const QJsonValue &s : v.toArray())
        out << s.toString();
    return out;
}

void renameMembers(QJsonArray &characters, const QString &from, const QString &to)
{
    for (int i = 0; i < characters.size(); ++i) {
        QJsonObject c = characters.at(i).toObject();
        QStringList members = stringsOf(c.value(QStringLiteral("members")));
        if (!members.contains(from))
            continue;
        members.replace(members.indexOf(from), to);
        members.removeDuplicates();
        c.insert(QStringLiteral("members"), QJsonArray::fromStringList(members));
        characters[i] = c;
    }
}

// The labels resolve by name or alias, folded: the same rule the parser's counts follow.
void recount(QJsonObject &playbook)
{
    QJsonArray characters = playbook.value(QStringLiteral("characters")).toArray();
    CharacterIndex index;
    for (const QJsonValue &c : std::as_const(characters))
        index.add(c.toObject().value(QStringLiteral("name")).toString(),
                  stringsOf(c.toObject().value(QStringLiteral("aliases"))));
    QList<int> counts(characters.size(), 0);
    int total = 0;
    const auto countIn = [&](const QJsonArray &speeches) {
        for (const QJsonValue &s : speeches) {
            ++total;
            const int e = index.find(s.toObject().value(QStringLiteral("speaker")).toString());
            if (e >= 0)
                ++counts[e];
        }
    };
    for (const QJsonValue &a : playbook.value(QStringLiteral("acts")).toArray()) {
        countIn(a.toObject().value(QStringLiteral("speeches")).toArray());
        for (const QJsonValue &s : a.toObject().value(QStringLiteral("scenes")).toArray())
            countIn(s.toObject().value(QStringLiteral("speeches")).toArray());
    }
    for (int i = 0; i < characters.size(); ++i) {
        QJsonObject c = characters.at(i).toObject();
        c.insert(QStringLiteral("speeches"), counts.at(i));
        if (counts.at(i) > 0)
            c.remove(QStringLiteral("castOnly"));
        characters[i] = c;
    }
    playbook.insert(QStringLiteral("characters"), characters);
    QJsonObject meta = playbook.value(QStringLiteral("meta")).toObject();
    if (!meta.isEmpty()) {
        meta.insert(QStringLiteral("characters"), int(characters.size()));
        meta.insert(QStringLiteral("speeches"), total);
        playbook.insert(QStringLiteral("meta"), meta);
    }
}

bool nameTaken(const QJsonArray &characters, const QString &name, int except)
{
    const int other = findEntry(characters, name);
    return other >= 0 && other != except;
}

} // namespace

QJsonObject PlaybookCorrection::rename(const QString &character, const QString &to)
{
    return {{QStringLiteral("op"), QStringLiteral("rename")}, {QStringLiteral("character"), character},
            {QStringLiteral("to"), to}};
}

QJsonObject PlaybookCorrection::merge(const QString &from, const QString &into)
{
    return {{QStringLiteral("op"), QStringLiteral("merge")}, {QStringLiteral("from"), from},
            {QStringLiteral("into"), into}};
}

QJsonObject PlaybookCorrection::split(const QString &character, const QStringList &aliases,
                                      const QString &name)
{
    return {{QStringLiteral("op"), QStringLiteral("split")}, {QStringLiteral("character"), character},
            {QStringLiteral("aliases"), QJsonArray::fromStringList(aliases)},
            {QStringLiteral("name"), name}};
}

QJsonObject PlaybookCorrection::moveSpeech(int act, int scene, int speech, const QString &to)
{
    return {{QStringLiteral("op"), QStringLiteral("moveSpeech")}, {QStringLiteral("act"), act},
            {QStringLiteral("scene"), scene}, {QStringLiteral("speech"), speech},
            {QStringLiteral("to"), to}};
}

Expected<QJsonObject> PlaybookCorrection::apply(const QJsonObject &original,
                                                const QJsonObject &correction)
{
    QJsonObject playbook = original;
    QJsonArray characters = playbook.value(QStringLiteral("characters")).toArray();
    const auto fail = [](const QString &why) -> Expected<QJsonObject> {
        return Error(Error::Kind::InvalidInput, why);
    };
    const auto entry = [&](const QString &key, int *index) {
        const QString name = correction.value(key).toString();
        *index = findEntry(characters, name);
        return name;
    };

    if (op(correction) == QLatin1String("rename")) {
        int i;
        const QString from = entry(QStringLiteral("character"), &i);
        const QString to = correction.value(QStringLiteral("to")).toString().trimmed();
        if (i < 0)
            return fail(Tr::tr("There is no character \"%1\".").arg(from));
        if (to.isEmpty())
            return fail(Tr::tr("A character needs a name."));
        if (nameTaken(characters, to, i))
            return fail(Tr::tr("\"%1\" is another character already: merge the two instead.").arg(to));
        QJsonObject c = characters.at(i).toObject();
        const QString old = c.value(QStringLiteral("name")).toString();
        QStringList aliases = stringsOf(c.value(QStringLiteral("aliases")));
        aliases.removeAll(to);
        if (old != to && !aliases.contains(old))
            aliases.append(old);
        c.insert(QStringLiteral("name"), to);
        c.insert(QStringLiteral("aliases"), QJsonArray::fromStringList(aliases));
        characters[i] = c;
        renameMembers(characters, old, to);
    } else if (op(correction) == QLatin1String("merge")) {
        int from, into;
        const QString fromName = entry(QStringLiteral("from"), &from);
        const QString intoName = entry(QStringLiteral("into"), &into);
        if (from < 0)
            return fail(Tr::tr("There is no character \"%1\".").arg(fromName));
        if (into < 0)
            return fail(Tr::tr("There is no character \"%1\".").arg(intoName));
        if (from == into)
            return fail(Tr::tr("A character cannot be merged into itself."));
        const QJsonObject gone = characters.at(from).toObject();
        QJsonObject kept = characters.at(into).toObject();
        const QString keptName = kept.value(QStringLiteral("name")).toString();
        QStringList aliases = stringsOf(kept.value(QStringLiteral("aliases")));
        for (const QString &a : QStringList{gone.value(QStringLiteral("name")).toString()}
                                    + stringsOf(gone.value(QStringLiteral("aliases")))) {
            if (a != keptName && !aliases.contains(a))
                aliases.append(a);
        }
        kept.insert(QStringLiteral("aliases"), QJsonArray::fromStringList(aliases));
        characters[into] = kept;
        characters.removeAt(from);
        renameMembers(characters, gone.value(QStringLiteral("name")).toString(), keptName);
    } else if (op(correction) == QLatin1String("split")) {
        int i;
        const QString from = entry(QStringLiteral("character"), &i);
        const QString name = correction.value(QStringLiteral("name")).toString().trimmed();
        const QStringList moving = stringsOf(correction.value(QStringLiteral("aliases")));
        if (i < 0)
            return fail(Tr::tr("There is no character \"%1\".").arg(from));
        if (name.isEmpty())
            return fail(Tr::tr("A character needs a name."));
        if (nameTaken(characters, name, -1) && !moving.contains(name))
            return fail(Tr::tr("\"%1\" is another character already.").arg(name));
        QJsonObject c = characters.at(i).toObject();
        QStringList aliases = stringsOf(c.value(QStringLiteral("aliases")));
        if (moving.isEmpty())
            return fail(Tr::tr("Choose the names that belong to the new character."));
        for (const QString &a : moving) {
            if (!aliases.contains(a))
                return fail(Tr::tr("\"%1\" is not a name of \"%2\".").arg(a, from));
            aliases.removeAll(a);
        }
        c.insert(QStringLiteral("aliases"), QJsonArray::fromStringList(aliases));
        // What is left of a group that carried its members as aliases may be one person.
        characters[i] = c;
        QStringList newAliases = moving;
        newAliases.removeAll(name);
        characters.append(QJsonObject{{QStringLiteral("name"), name},
                                      {QStringLiteral("aliases"), QJsonArray::fromStringList(newAliases)},
                                      {QStringLiteral("kind"), QStringLiteral("person")},
                                      {QStringLiteral("speeches"), 0}});
    } else if (op(correction) == QLatin1String("moveSpeech")) {
        int to;
        const QString toName = entry(QStringLiteral("to"), &to);
        if (to < 0)
            return fail(Tr::tr("There is no character \"%1\".").arg(toName));
        const int a = correction.value(QStringLiteral("act")).toInt(-1);
        const int s = correction.value(QStringLiteral("scene")).toInt(-1);
        const int k = correction.value(QStringLiteral("speech")).toInt(-1);
        QJsonArray acts = playbook.value(QStringLiteral("acts")).toArray();
        if (a < 0 || a >= acts.size())
            return fail(Tr::tr("That speech does not exist."));
        QJsonObject act = acts.at(a).toObject();
        QJsonArray scenes = act.value(QStringLiteral("scenes")).toArray();
        if (s < 0 || s >= scenes.size())
            return fail(Tr::tr("That speech does not exist."));
        QJsonObject scene = scenes.at(s).toObject();
        QJsonArray speeches = scene.value(QStringLiteral("speeches")).toArray();
        if (k < 0 || k >= speeches.size())
            return fail(Tr::tr("That speech does not exist."));
        QJsonObject speech = speeches.at(k).toObject();
        speech.insert(QStringLiteral("speaker"), characters.at(to).toObject().value(QStringLiteral("name")).toString());
        speeches[k] = speech;
        scene.insert(QStringLiteral("speeches"), speeches);
        scenes[s] = scene;
        act.insert(QStringLiteral("scenes"), scenes);
        acts[a] = act;
        playbook.insert(QStringLiteral("acts"), acts);
    } else {
        return fail(Tr::tr("Unknown correction \"%1\".").arg(op(correction)));
    }
    playbook.insert(QStringLiteral("characters"), characters);
    recount(playbook);
    return playbook;
}

} // namespace Engine

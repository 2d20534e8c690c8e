#include "engine/parse/playbookcast.h"

#include "engine/parse/characterindex.h"

#include <QJsonArray>

namespace Engine {

namespace {

QStringList labelsOf(const QJsonValue &speaker)
{
    QStringList labels;
    if (speaker.isArray()) {
        for (const QJsonValue &v : speaker.toArray())
            labels << v.toString();
    } else {
        labels << speaker.toString();
    }
    labels.removeAll(QString());
    return labels;
}

} // namespace

PlaybookCast PlaybookCast::of(const QJsonObject &playbook)
{
    PlaybookCast cast;
    CharacterIndex index;
    for (const QJsonValue &value : playbook.value(QStringLiteral("characters")).toArray()) {
        const QJsonObject c = value.toObject();
        Entry e;
        e.name = c.value(QStringLiteral("name")).toString();
        for (const QJsonValue &alias : c.value(QStringLiteral("aliases")).toArray())
            e.aliases << alias.toString();
        e.group = c.value(QStringLiteral("kind")).toString() == u"group";
        index.add(e.name, e.aliases);
        cast.m_entries.append(e);
    }

    const auto countIn = [&](const QJsonArray &speeches) {
        for (const QJsonValue &speech : speeches) {
            ++cast.m_speeches;
            // A joint speech given as a list counts once for each entry it names.
            QList<int> counted;
            for (const QString &label : labelsOf(speech.toObject().value(QStringLiteral("speaker")))) {
                int e = index.find(label);
                if (e < 0) {
                    index.add(label, {});
                    e = int(cast.m_entries.size());
                    cast.m_entries.append({label, {}, false, 0, false});
                }
                if (!counted.contains(e)) {
                    counted << e;
                    ++cast.m_entries[e].speeches;
                }
            }
        }
    };
    for (const QJsonValue &act : playbook.value(QStringLiteral("acts")).toArray()) {
        countIn(act.toObject().value(QStringLiteral("speeches")).toArray());
        for (const QJsonValue &scene : act.toObject().value(QStringLiteral("scenes")).toArray())
            countIn(scene.toObject().value(QStringLiteral("speeches")).toArray());
    }
    return cast;
}

} // namespace Engine

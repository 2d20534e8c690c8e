#include "engine/playbookquality.h"

#include "engine/parse/characterindex.h"
#include "engine/parse/linerecognizer.h"

#include <QHash>
#include <QJsonArray>
#include <QSet>

namespace Engine {

namespace {

/// Pairs of entries (by index, smaller first) whose speeches answer each other at least twice in
/// a scene: two people talking, whatever their names look like (HIGGINS and MRS. HIGGINS).
QSet<std::pair<int, int>> conversingEntries(const QJsonObject &playbook, const QJsonArray &characters)
{
    CharacterIndex index;
    for (const QJsonValue &v : characters) {
        const QJsonObject c = v.toObject();
        QStringList aliases;
        for (const QJsonValue &a : c.value(QStringLiteral("aliases")).toArray())
            aliases << a.toString();
        index.add(c.value(QStringLiteral("name")).toString(), aliases);
    }
    QHash<std::pair<int, int>, int> exchanges;
    QSet<std::pair<int, int>> conversing;
    for (const QJsonValue &act : playbook.value(QStringLiteral("acts")).toArray()) {
        for (const QJsonValue &scene : act.toObject().value(QStringLiteral("scenes")).toArray()) {
            int previous = -1;
            for (const QJsonValue &speech : scene.toObject().value(QStringLiteral("speeches")).toArray()) {
                const int current = index.find(speech.toObject().value(QStringLiteral("speaker")).toString());
                if (current >= 0 && previous >= 0 && current != previous) {
                    const auto pair = std::minmax(previous, current);
                    if (++exchanges[pair] == 2)
                        conversing.insert(pair);
                }
                previous = current;
            }
        }
    }
    return conversing;
}

} // namespace

double PlaybookQuality::confidence(const QJsonObject &playbook)
{
    const QJsonValue c = playbook.value(QStringLiteral("meta")).toObject().value(QStringLiteral("confidence"));
    return c.isDouble() ? c.toDouble() : -1.0;
}

int PlaybookQuality::seriousCount(const QList<QualityWarning> &warnings)
{
    return int(std::count_if(warnings.cbegin(), warnings.cend(),
                             [](const QualityWarning &w) { return w.serious(); }));
}

QList<QualityWarning> PlaybookQuality::warnings(const QJsonObject &playbook)
{
    QList<QualityWarning> out;
    const QJsonArray characters = playbook.value(QStringLiteral("characters")).toArray();
    const QJsonObject meta = playbook.value(QStringLiteral("meta")).toObject();

    QStringList names;
    QHash<QString, QString> byLowerName;
    for (const QJsonValue &v : characters) {
        const QJsonObject c = v.toObject();
        const QString name = c.value(QStringLiteral("name")).toString();
        names << name;
        if (c.value(QStringLiteral("speeches")).toInt() == 0)
            out.append({QualityWarning::SilentCastMember, {name}});
        const QString lower = name.toLower();
        if (const auto other = byLowerName.constFind(lower); other != byLowerName.cend() && *other != name)
            out.append({QualityWarning::CaseVariant, {*other, name}});
        else
            byLowerName.insert(lower, name);
    }

    // `Ham` beside `Hamlet`: consistent, but a reader looking up Hamlet finds the wrong entry.
    if (names.size() <= 300) {
        const QSet<std::pair<int, int>> conversing = conversingEntries(playbook, characters);
        QStringList keys;
        QList<bool> joint;
        for (const QString &name : std::as_const(names)) {
            keys << LineRecognizer::foldName(name);
            joint << LineRecognizer::isJointLabel(name);
        }
        for (int i = 0; i < names.size(); ++i) {
            const QString &ka = keys.at(i);
            if (ka.size() < 2)
                continue;
            for (int j = 0; j < names.size(); ++j) {
                // `Jack and Algernon` speak together: Jack is one of them, not its short form.
                if (joint.at(j))
                    continue;
                const QString &kb = keys.at(j);
                if (ka != kb && LineRecognizer::abbreviates(ka, kb)
                    && !conversing.contains(std::minmax(i, j))) {
                    out.append({QualityWarning::AbbreviatedName, {names.at(i), names.at(j)}});
                    break;
                }
            }
        }
    }

    const QJsonObject unknown = meta.value(QStringLiteral("unknownLabels")).toObject();
    for (auto it = unknown.constBegin(); it != unknown.constEnd(); ++it)
        out.append({QualityWarning::UnknownSpeaker, {it.key()}});
    for (const QJsonValue &v : meta.value(QStringLiteral("proposedMerges")).toArray()) {
        QStringList pair;
        for (const QJsonValue &n : v.toObject().value(QStringLiteral("names")).toArray())
            pair << n.toString();
        out.append({QualityWarning::SpellingVariant, pair});
    }
    if (const int n = meta.value(QStringLiteral("speechesWithoutSpeaker")).toInt(); n > 0)
        out.append({QualityWarning::SpeechWithoutSpeaker, {QString::number(n)}});
    for (const QJsonValue &v : meta.value(QStringLiteral("scenes")).toArray()) {
        const QJsonObject s = v.toObject();
        if (s.value(QStringLiteral("confidence")).toDouble(1.0) < ReviewThreshold) {
            out.append({QualityWarning::LowConfidenceScene, {s.value(QStringLiteral("title")).toString()},
                        s.value(QStringLiteral("act")).toInt(-1), s.value(QStringLiteral("scene")).toInt(-1)});
        }
    }
    return out;
}

} // namespace Engine

#include "engine/playbookquality.h"

#include "engine/parse/linerecognizer.h"

#include <QHash>
#include <QJsonArray>

namespace Engine {

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
        for (const QString &a : std::as_const(names)) {
            const QString ka = LineRecognizer::foldName(a);
            for (const QString &b : std::as_const(names)) {
                const QString kb = LineRecognizer::foldName(b);
                if (ka.size() >= 2 && ka != kb && LineRecognizer::abbreviates(ka, kb)) {
                    out.append({QualityWarning::AbbreviatedName, {a, b}});
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

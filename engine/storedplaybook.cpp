#include "engine/storedplaybook.h"

#include "engine/playbookquality.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Engine {

PlaybookSummary PlaybookSummary::of(const QJsonObject &playbook)
{
    PlaybookSummary summary;
    summary.title = playbook.value(QStringLiteral("title")).toString();
    summary.characters = int(playbook.value(QStringLiteral("characters")).toArray().size());
    const QJsonArray acts = playbook.value(QStringLiteral("acts")).toArray();
    summary.acts = int(acts.size());
    for (const QJsonValue &act : acts) {
        const QJsonArray actScenes = act.toObject().value(QStringLiteral("scenes")).toArray();
        summary.scenes += int(actScenes.size());
        summary.speeches += int(act.toObject().value(QStringLiteral("speeches")).toArray().size());
        for (const QJsonValue &scene : actScenes)
            summary.speeches += int(scene.toObject().value(QStringLiteral("speeches")).toArray().size());
    }
    return summary;
}

StoredPlaybook StoredPlaybook::of(const QJsonObject &playbook)
{
    StoredPlaybook stored;
    if (playbook.isEmpty())
        return stored;
    stored.document = QJsonDocument(playbook).toJson(QJsonDocument::Compact);
    stored.summary = PlaybookSummary::of(playbook);
    stored.confidence = PlaybookQuality::confidence(playbook);
    stored.seriousWarnings = PlaybookQuality::seriousWarningCount(playbook);
    return stored;
}

} // namespace Engine

#include "models/scriptmodel.h"

#include "engine/playbookquality.h"

#include <QBrush>
#include <QColor>
#include <QJsonArray>
#include <QSet>

#include <algorithm>

namespace {

struct Entry
{
    bool speech;
    int index;
    QString speaker;
    QString text;
    int first;
    int last;
};

QPair<int, int> linesOf(const QJsonValue &v)
{
    const QJsonArray a = v.toArray();
    return {a.at(0).toInt(0), a.at(1).toInt(0)};
}

QString linesText(int first, int last)
{
    if (first <= 0)
        return {};
    return first == last ? QString::number(first) : QStringLiteral("%1–%2").arg(first).arg(last);
}

void mark(const QList<QStandardItem *> &row, const QString &warning)
{
    for (QStandardItem *item : row) {
        item->setData(warning, ScriptModel::WarningRole);
        item->setToolTip(warning);
        item->setBackground(QColor(0xff, 0xf3, 0xe0)); // the badge's amber, light
    }
}

} // namespace

ScriptModel::ScriptModel(QObject *parent)
    : QStandardItemModel(0, ColumnCount, parent)
{
    setHorizontalHeaderLabels({tr("Speaker"), tr("Text"), tr("Lines")});
}

QModelIndex ScriptModel::speechIndex(int act, int scene, int speech) const
{
    const QModelIndex actIndex = index(act, 0);
    const QModelIndex sceneIndex = index(scene, 0, actIndex);
    for (int r = 0; r < rowCount(sceneIndex); ++r) {
        const QModelIndex i = index(r, 0, sceneIndex);
        if (i.data(KindRole).toString() == QLatin1String("speech") && i.data(SpeechIndexRole).toInt() == speech)
            return i;
    }
    return {};
}

void ScriptModel::setPlaybook(const QJsonObject &document)
{
    removeRows(0, rowCount());
    m_warnings = 0;

    // Labels resolve to entries by name or alias, whatever the case: what the parser counts.
    QSet<QString> known;
    for (const QJsonValue &c : document.value(QStringLiteral("characters")).toArray()) {
        known.insert(c.toObject().value(QStringLiteral("name")).toString().toLower());
        for (const QJsonValue &a : c.toObject().value(QStringLiteral("aliases")).toArray())
            known.insert(a.toString().toLower());
    }
    QSet<QString> unknown;
    QHash<QPair<int, int>, double> lowScenes;
    for (const Engine::QualityWarning &w : Engine::PlaybookQuality::warnings(document)) {
        if (w.kind == Engine::QualityWarning::UnknownSpeaker)
            unknown.insert(w.names.value(0));
        else if (w.kind == Engine::QualityWarning::LowConfidenceScene)
            lowScenes.insert({w.act, w.scene}, 0);
    }

    const QJsonArray acts = document.value(QStringLiteral("acts")).toArray();
    for (int a = 0; a < acts.size(); ++a) {
        const QJsonObject act = acts.at(a).toObject();
        const QString actTitle = act.value(QStringLiteral("title")).toString();
        auto *actItem = new QStandardItem(actTitle.isEmpty() ? tr("(untitled act %1)").arg(a + 1) : actTitle);
        actItem->setData(QStringLiteral("act"), KindRole);
        actItem->setData(a, ActIndexRole);
        QList<QStandardItem *> actRow{actItem, new QStandardItem, new QStandardItem};
        const QJsonArray scenes = act.value(QStringLiteral("scenes")).toArray();
        for (int s = 0; s < scenes.size(); ++s) {
            const QJsonObject scene = scenes.at(s).toObject();
            const QString sceneTitle = scene.value(QStringLiteral("title")).toString();
            auto *sceneItem = new QStandardItem(sceneTitle.isEmpty() ? tr("(untitled scene %1)").arg(s + 1)
                                                                     : sceneTitle);
            sceneItem->setData(QStringLiteral("scene"), KindRole);
            sceneItem->setData(a, ActIndexRole);
            sceneItem->setData(s, SceneIndexRole);
            QList<QStandardItem *> sceneRow{sceneItem, new QStandardItem, new QStandardItem};
            if (lowScenes.contains({a, s})) {
                mark(sceneRow, tr("Low confidence: many of this scene's speeches have unusual labels"));
                ++m_warnings;
            }

            QList<Entry> entries;
            const QJsonArray speeches = scene.value(QStringLiteral("speeches")).toArray();
            for (int k = 0; k < speeches.size(); ++k) {
                const QJsonObject sp = speeches.at(k).toObject();
                const auto [first, last] = linesOf(sp.value(QStringLiteral("lines")));
                QString speaker = sp.value(QStringLiteral("speaker")).toString();
                if (sp.value(QStringLiteral("speaker")).isArray()) {
                    QStringList names;
                    for (const QJsonValue &n : sp.value(QStringLiteral("speaker")).toArray())
                        names << n.toString();
                    speaker = names.join(QStringLiteral(" / "));
                }
                entries.append({true, k, speaker, sp.value(QStringLiteral("text")).toString(), first, last});
            }
            const QJsonArray directions = scene.value(QStringLiteral("stage_directions")).toArray();
            const QJsonArray directionLines = scene.value(QStringLiteral("stage_direction_lines")).toArray();
            for (int d = 0; d < directions.size(); ++d) {
                const auto [first, last] = linesOf(directionLines.at(d));
                entries.append({false, d, QString(), directions.at(d).toString(), first, last});
            }
            // Without line ranges (an older playbook) the directions follow the speeches.
            std::stable_sort(entries.begin(), entries.end(), [](const Entry &x, const Entry &y) {
                if (x.first > 0 && y.first > 0)
                    return x.first < y.first;
                return x.speech && !y.speech;
            });
            for (const Entry &e : std::as_const(entries)) {
                auto *speaker = new QStandardItem(e.speech ? e.speaker : tr("(direction)"));
                auto *text = new QStandardItem(QString(e.text).replace(u'\n', u' '));
                auto *lines = new QStandardItem(linesText(e.first, e.last));
                text->setToolTip(e.text);
                speaker->setData(e.speech ? QStringLiteral("speech") : QStringLiteral("direction"), KindRole);
                speaker->setData(e.first, FirstLineRole);
                speaker->setData(e.last, LastLineRole);
                speaker->setData(a, ActIndexRole);
                speaker->setData(s, SceneIndexRole);
                speaker->setData(e.index, SpeechIndexRole);
                if (!e.speech) {
                    QFont italic;
                    italic.setItalic(true);
                    speaker->setFont(italic);
                    text->setFont(italic);
                }
                const QList<QStandardItem *> row{speaker, text, lines};
                if (e.speech && (unknown.contains(e.speaker) || !known.contains(e.speaker.toLower()))) {
                    mark(row, tr("Speaker not in the cast: \"%1\"").arg(e.speaker));
                    ++m_warnings;
                }
                for (QStandardItem *item : row)
                    item->setEditable(false);
                sceneItem->appendRow(row);
            }
            for (QStandardItem *item : sceneRow)
                item->setEditable(false);
            actItem->appendRow(sceneRow);
        }
        for (QStandardItem *item : actRow)
            item->setEditable(false);
        appendRow(actRow);
    }
}

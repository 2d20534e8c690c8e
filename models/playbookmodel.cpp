#include "models/playbookmodel.h"

#include <QJsonArray>

namespace {

QList<QStandardItem *> makeRow(const QString &name, int speeches, const QString &kind)
{
    auto *nameItem = new QStandardItem(name);
    nameItem->setData(kind, PlaybookModel::KindRole);
    nameItem->setEditable(false);
    auto *countItem = new QStandardItem;
    countItem->setData(speeches, Qt::DisplayRole);
    countItem->setData(QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter), Qt::TextAlignmentRole);
    countItem->setEditable(false);
    return {nameItem, countItem};
}

QStringList speakers(const QJsonValue &speaker)
{
    QStringList names;
    if (speaker.isArray()) {
        for (const QJsonValue &v : speaker.toArray())
            names << v.toString();
    } else if (!speaker.toString().isEmpty()) {
        names << speaker.toString();
    }
    return names;
}

} // namespace

PlaybookModel::PlaybookModel(QObject *parent)
    : QStandardItemModel(0, ColumnCount, parent)
{
    setHorizontalHeaderLabels({tr("Name"), tr("Speeches")});
}

QString PlaybookModel::title() const
{
    return m_document.value(QStringLiteral("title")).toString();
}

void PlaybookModel::clearPlaybook()
{
    m_document = {};
    m_characters = 0;
    m_speeches = 0;
    removeRows(0, rowCount());
}

void PlaybookModel::setPlaybook(const QJsonObject &document)
{
    clearPlaybook();
    m_document = document;

    // Speech counts per speaker label, in order of first appearance.
    QHash<QString, int> counts;
    QStringList order;
    auto countSpeeches = [&](const QJsonArray &speeches) {
        for (const QJsonValue &speech : speeches) {
            for (const QString &name : speakers(speech.toObject().value(QStringLiteral("speaker")))) {
                if (!counts.contains(name))
                    order << name;
                ++counts[name];
            }
        }
        m_speeches += int(speeches.size());
        return int(speeches.size());
    };

    auto structure = makeRow(tr("Acts and scenes"), 0, QStringLiteral("structure"));
    int totalSpeeches = 0;
    const QJsonArray acts = document.value(QStringLiteral("acts")).toArray();
    int actNumber = 0;
    for (const QJsonValue &actValue : acts) {
        const QJsonObject act = actValue.toObject();
        ++actNumber;
        const QString actTitle = act.value(QStringLiteral("title")).toString();
        auto actRow = makeRow(actTitle.isEmpty() ? tr("(untitled act %1)").arg(actNumber) : actTitle,
                              0, QStringLiteral("act"));
        int actSpeeches = countSpeeches(act.value(QStringLiteral("speeches")).toArray());
        int sceneNumber = 0;
        for (const QJsonValue &sceneValue : act.value(QStringLiteral("scenes")).toArray()) {
            const QJsonObject scene = sceneValue.toObject();
            ++sceneNumber;
            const int n = countSpeeches(scene.value(QStringLiteral("speeches")).toArray());
            actSpeeches += n;
            const QString sceneTitle = scene.value(QStringLiteral("title")).toString();
            actRow.first()->appendRow(makeRow(
                sceneTitle.isEmpty() ? tr("(untitled scene %1)").arg(sceneNumber) : sceneTitle, n,
                QStringLiteral("scene")));
        }
        actRow.at(SpeechesColumn)->setData(actSpeeches, Qt::DisplayRole);
        totalSpeeches += actSpeeches;
        structure.first()->appendRow(actRow);
    }
    structure.at(SpeechesColumn)->setData(totalSpeeches, Qt::DisplayRole);

    // Characters: the declared list first (with their counts), then speakers it did not declare.
    QStringList names;
    for (const QJsonValue &c : document.value(QStringLiteral("characters")).toArray()) {
        const QString name = c.toObject().value(QStringLiteral("name")).toString();
        if (!name.isEmpty() && !names.contains(name))
            names << name;
        for (const QJsonValue &alias : c.toObject().value(QStringLiteral("aliases")).toArray()) {
            if (alias.toString() != name && counts.contains(alias.toString())) {
                counts[name] += counts.take(alias.toString());
                order.removeAll(alias.toString());
            }
        }
    }
    for (const QString &name : std::as_const(order)) {
        if (!names.contains(name))
            names << name;
    }
    m_characters = int(names.size());
    auto characters = makeRow(tr("Characters (%1)").arg(names.size()), m_speeches,
                              QStringLiteral("characters"));
    for (const QString &name : std::as_const(names))
        characters.first()->appendRow(makeRow(name, counts.value(name), QStringLiteral("character")));
    appendRow(characters);
    appendRow(structure);
}

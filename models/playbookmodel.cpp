#include "models/playbookmodel.h"

#include "engine/parse/playbookcast.h"

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

    auto countSpeeches = [&](const QJsonArray &speeches) { return int(speeches.size()); };

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

    // Each speech counted once, for the entry its label resolves to (by name or alias, whatever
    // the case), exactly as `callboard playbook` and the parser's own counts do.
    const Engine::PlaybookCast cast = Engine::PlaybookCast::of(document);
    m_speeches = cast.speechCount();
    m_characters = int(cast.entries().size());
    auto characters = makeRow(tr("Characters (%1)").arg(m_characters), m_speeches,
                              QStringLiteral("characters"));
    for (const Engine::PlaybookCast::Entry &entry : cast.entries()) {
        auto row = makeRow(entry.name, entry.speeches, QStringLiteral("character"));
        if (!entry.aliases.isEmpty())
            row.first()->setToolTip(tr("Also printed as: %1").arg(entry.aliases.join(QStringLiteral(", "))));
        if (!entry.listed)
            row.first()->setToolTip(tr("Not in the playbook's character list"));
        characters.first()->appendRow(row);
    }
    appendRow(characters);
    appendRow(structure);
}

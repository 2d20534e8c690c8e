// playbook: a completed job's result, as JSON or in a form a person can check at a glance.
#include "app/cli/clierror.h"
#include "app/cli/clisession.h"
#include "app/cli/commandcontext.h"
#include "app/cli/commands.h"
#include "app/cli/tablewriter.h"
#include "app/cli/terminaltext.h"
#include "engine/parse/playbookcast.h"

#include <QJsonArray>
#include <QJsonObject>

namespace Cli {

namespace {

QString titleOr(const QJsonValue &title, const QString &fallback)
{
    return title.isString() && !title.toString().isEmpty() ? title.toString() : fallback;
}

} // namespace

void printPlaybook(CommandContext &context, const QJsonObject &playbook)
{
    QTextStream &out = context.out();
    out << "Title: "
        << terminalSafe(titleOr(playbook.value(QStringLiteral("title")), QStringLiteral("(none)")))
        << "\n\n";

    const Engine::PlaybookCast castCount = Engine::PlaybookCast::of(playbook);
    int totalSpeeches = 0;
    auto countSpeeches = [&](const QJsonArray &speeches) {
        totalSpeeches += int(speeches.size());
        return int(speeches.size());
    };

    TableWriter structure({QStringLiteral("ACT / SCENE"), QStringLiteral("SPEECHES")});
    structure.setRightAligned(1);
    const QJsonArray acts = playbook.value(QStringLiteral("acts")).toArray();
    int sceneCount = 0;
    for (qsizetype a = 0; a < acts.size(); ++a) {
        const QJsonObject act = acts.at(a).toObject();
        const QJsonArray scenes = act.value(QStringLiteral("scenes")).toArray();
        int actSpeeches = countSpeeches(act.value(QStringLiteral("speeches")).toArray());
        QList<QStringList> sceneRows;
        for (qsizetype s = 0; s < scenes.size(); ++s) {
            const QJsonObject scene = scenes.at(s).toObject();
            const int speeches = countSpeeches(scene.value(QStringLiteral("speeches")).toArray());
            actSpeeches += speeches;
            sceneRows << QStringList{QStringLiteral("  ")
                                         + titleOr(scene.value(QStringLiteral("title")),
                                                   QStringLiteral("(scene %1)").arg(s + 1)),
                                     QString::number(speeches)};
        }
        sceneCount += int(scenes.size());
        structure.addRow({titleOr(act.value(QStringLiteral("title")),
                                  QStringLiteral("(act %1)").arg(a + 1)),
                          QString::number(actSpeeches)});
        for (const QStringList &row : std::as_const(sceneRows))
            structure.addRow(row);
    }

    TableWriter cast({QStringLiteral("CHARACTER"), QStringLiteral("SPEECHES"),
                      QStringLiteral("ALIASES")});
    cast.setRightAligned(1);
    // Every speech counted for the one entry its label resolves to, as the window counts.
    for (const Engine::PlaybookCast::Entry &entry : castCount.entries()) {
        cast.addRow({entry.listed ? entry.name : entry.name + QStringLiteral(" (not in the list)"),
                     QString::number(entry.speeches), entry.aliases.join(QStringLiteral(", "))});
    }
    out << "Characters: " << castCount.entries().size() << '\n';
    if (!cast.isEmpty())
        cast.write(out);
    out << '\n' << "Acts: " << acts.size() << ", scenes: " << sceneCount
        << ", speeches: " << totalSpeeches << '\n';
    if (!structure.isEmpty())
        structure.write(out);
}

int runPlaybook(CommandContext &context)
{
    CliSession session(context.url());
    session.open();
    const QString id = session.resolveJobId(context.arguments().constFirst());
    const auto playbook = session.queue().playbook(id, context.isSet(QStringLiteral("original")));
    if (!playbook) {
        const auto job = session.queue().job(id);
        throw CliError(QStringLiteral("Job %1 has no playbook (it is %2)")
                           .arg(id, job ? Engine::statusName(job->status) : QStringLiteral("gone")));
    }
    if (playbook->revision > 0 && !context.json())
        context.out() << "Revision " << playbook->revision << " (corrected; --original for the parser's)\n\n";
    if (context.json())
        context.printJson(playbook->document);
    else
        printPlaybook(context, playbook->document);
    return 0;
}

} // namespace Cli

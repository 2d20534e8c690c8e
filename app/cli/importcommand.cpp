// import-legacy: the web application's old ParsingSession rows become jobs.
#include "app/cli/clierror.h"
#include "app/cli/clisession.h"
#include "app/cli/commandcontext.h"
#include "app/cli/commands.h"
#include "app/cli/tablewriter.h"
#include "engine/legacyimport.h"

#include <QJsonArray>
#include <QJsonObject>

namespace Cli {

int runImportLegacy(CommandContext &context)
{
    const bool dryRun = context.isSet(QStringLiteral("dry-run"));
    CliSession session(context.url());
    session.open();
    Engine::LegacyImport import(session.database());
    Engine::LegacyImportReport report;
    if (const auto imported = import.run(dryRun, &report); !imported)
        throw CliError(imported.error().message);

    auto actionName = [&](const Engine::LegacySessionOutcome &outcome) {
        if (outcome.action == Engine::LegacySessionOutcome::AlreadyPresent)
            return QStringLiteral("skipped");
        return dryRun ? QStringLiteral("would import") : QStringLiteral("imported");
    };
    if (context.json()) {
        QJsonArray sessions;
        for (const Engine::LegacySessionOutcome &outcome : std::as_const(report.sessions))
            sessions.append(QJsonObject{
                {QStringLiteral("id"), outcome.id},
                {QStringLiteral("legacyStatus"), outcome.legacyStatus},
                {QStringLiteral("status"), Engine::statusName(outcome.status)},
                {QStringLiteral("filename"), outcome.filename},
                {QStringLiteral("action"),
                 outcome.action == Engine::LegacySessionOutcome::Imported
                     ? QStringLiteral("imported") : QStringLiteral("alreadyPresent")},
                {QStringLiteral("note"), outcome.note}});
        context.printJson(QJsonObject{
            {QStringLiteral("dryRun"), dryRun},
            {QStringLiteral("legacySessions"), report.legacyRows},
            {QStringLiteral("imported"), report.imported},
            {QStringLiteral("alreadyPresent"), report.alreadyPresent},
            {QStringLiteral("missingColumns"), QJsonArray::fromStringList(report.columnsMissing)},
            {QStringLiteral("sessions"), sessions}});
        return 0;
    }
    TableWriter table({QStringLiteral("ACTION"), QStringLiteral("SESSION"),
                       QStringLiteral("LEGACY"), QStringLiteral("JOB STATUS"),
                       QStringLiteral("FILE"), QStringLiteral("NOTE")});
    for (const Engine::LegacySessionOutcome &outcome : std::as_const(report.sessions))
        table.addRow({actionName(outcome), outcome.id, outcome.legacyStatus,
                      Engine::statusName(outcome.status), outcome.filename,
                      outcome.action == Engine::LegacySessionOutcome::AlreadyPresent
                          ? QStringLiteral("already imported")
                          : outcome.note});
    if (!table.isEmpty())
        table.write(context.out());
    context.out() << report.legacyRows << " legacy sessions: " << report.imported
                  << (dryRun ? " to import, " : " imported, ") << report.alreadyPresent
                  << " already present; counts verified"
                  << (dryRun ? " (dry run: nothing changed)" : "") << '\n';
    return 0;
}

} // namespace Cli

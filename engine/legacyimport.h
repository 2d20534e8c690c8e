#pragma once

#include "engine/engineerror.h"
#include "engine/jobstatus.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <optional>

namespace Engine {

/// What happened to one legacy "ParsingSession" row.
struct LegacySessionOutcome
{
    enum Action { Imported, AlreadyPresent };

    QString id;
    QString legacyStatus;
    QString filename;
    Action action = Imported;
    JobStatus status = JobStatus::Queued; ///< the ParseJob status it got (or has)
    QString note;                         ///< why it differs from the plain mapping, if it does
};

/// The summary of one import run.
struct LegacyImportReport
{
    bool dryRun = false;
    int legacyRows = 0;
    int imported = 0;
    int alreadyPresent = 0;
    QList<LegacySessionOutcome> sessions;
    QStringList columnsUsed;    ///< "ParseJob column ← legacy column", for the log
    QStringList columnsMissing; ///< optional legacy columns that were not there
};

/// Copies the web application's old "ParsingSession" rows into "ParseJob" (seed T100–T114).
///
/// Decisions (see DESIGN.md "Command line"):
/// - The ParseJob id is the legacy id, so a second run finds every row already there and copies
///   nothing twice.
/// - Status map: pending, warming → queued; parsing → running with an already expired lock held
///   by "legacy-import", so the normal expired-lock reclaim picks it up and resumes it from its
///   currentState (a parsing session has no live worker any more); completed → completed;
///   failed → failed; aborted → cancelled. An unknown status is imported as failed, with a reason.
/// - A session whose text is not stored (no text column, an empty value, or a reference to a file
///   that cannot be read here) gets a placeholder text; if it still needed parsing it is imported
///   as failed with that reason instead of parsing the placeholder. Finished sessions keep their
///   status (their result does not depend on the text).
/// - Everything runs in one transaction, which also writes an "imported" JobEvent per job and
///   checks that every legacy id is present afterwards. A dry run does all of it and rolls back,
///   so it also proves the inserts would succeed.
class LegacyImport final
{
public:
    explicit LegacyImport(QSqlDatabase db);

    /// Runs the import. On failure a one-line message (Schema: there is nothing to import from;
    /// Database: reading or the check failed); nothing is changed.
    Expected<void> run(bool dryRun, LegacyImportReport *report);

    /// The ParseJob status a legacy "ParsingStatus" value maps to; nullopt for unknown values.
    static std::optional<JobStatus> mapStatus(const QString &legacyStatus);
    /// The rawText stored for a session whose text could not be found.
    static QString placeholderText(const QString &legacyId);
    /// The table the web application used.
    static QString legacyTableName();

private:
    QSqlDatabase m_db;
};

} // namespace Engine

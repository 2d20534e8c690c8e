// Playbook revisions: reading the one the editor left and storing a correction as the next.
// Kept apart from jobqueue.cpp's transitions: no worker path goes through here.
#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "engine/playbookcorrection.h"
#include "engine/playbookquality.h"
#include "engine/sqldialect.h"
#include "engine/transaction.h"

#include <QJsonDocument>

namespace Engine {

namespace {

QString compact(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

} // namespace

std::optional<PlaybookRecord> JobQueue::playbook(const QString &jobId, bool original)
{
    // One statement: the latest revision when there is one (and it is asked for), else the
    // parser's document.
    QSqlQuery &query = prepared(QStringLiteral(
        R"(SELECT p."id", p."jobId", p."title", p."characterCount", p."actCount", p."sceneCount",
                  p."speechCount", COALESCE(r."document", p."document"), p."createdAt",
                  COALESCE(r."revision", 0)
           FROM "ParseJob" j JOIN "CallboardPlaybook" p ON p."id" = j."playbookId"
           LEFT JOIN "CallboardPlaybookRevision" r ON r."playbookId" = p."id" AND :latest = 1
               AND r."revision" = (SELECT MAX(x."revision") FROM "CallboardPlaybookRevision" x
                                   WHERE x."playbookId" = p."id")
           WHERE j."id" = :id)"));
    query.bindValue(QStringLiteral(":latest"), original ? 0 : 1);
    query.bindValue(QStringLiteral(":id"), jobId);
    exec(query, jobId);
    if (!query.next()) {
        query.finish();
        return std::nullopt;
    }
    PlaybookRecord record;
    record.id = query.value(0).toString();
    record.jobId = query.value(1).toString();
    record.title = query.value(2).toString();
    record.characterCount = query.value(3).toInt();
    record.actCount = query.value(4).toInt();
    record.sceneCount = query.value(5).toInt();
    record.speechCount = query.value(6).toInt();
    record.document = QJsonDocument::fromJson(query.value(7).toString().toUtf8()).object();
    record.createdAt = SqlDialect::toUtc(query.value(8));
    record.revision = query.value(9).toInt();
    query.finish();
    if (record.revision > 0) {
        // The stored counts are the parser's; a merge or a split changes the characters.
        const PlaybookSummary summary = PlaybookSummary::of(record.document);
        record.title = summary.title;
        record.characterCount = summary.characters;
        record.actCount = summary.acts;
        record.sceneCount = summary.scenes;
        record.speechCount = summary.speeches;
    }
    return record;
}

int JobQueue::correctPlaybook(const QString &jobId, const QJsonObject &correction,
                              const QString &actor)
{
    const SqlDialect sql(m_db);
    Transaction transaction(m_db);
    // Two editors correcting at once: the second waits for the first and builds on its revision.
    if (!m_sql.lockPlaybook.isEmpty()) {
        QSqlQuery &lock = prepared(m_sql.lockPlaybook);
        lock.bindValue(QStringLiteral(":id"), jobId);
        exec(lock, jobId);
        lock.finish();
    }
    const std::optional<PlaybookRecord> latest = playbook(jobId);
    if (!latest)
        throw JobNotFoundError(jobId);
    Expected<QJsonObject> corrected = PlaybookCorrection::apply(latest->document, correction);
    if (!corrected)
        throw JobTransitionError(jobId, corrected.error().message);
    const int revision = latest->revision + 1;
    QJsonObject meta = corrected->value(QStringLiteral("meta")).toObject();
    meta.insert(QStringLiteral("revision"), revision);
    corrected->insert(QStringLiteral("meta"), meta);

    QSqlQuery &insert = prepared(QStringLiteral(
        R"(INSERT INTO "CallboardPlaybookRevision" ("playbookId", "revision", "document", "correction",
               "actor", "createdAt")
           VALUES (:playbookId, :revision, %1, %2, :actor, %3))")
                                     .arg(sql.document(QStringLiteral(":document")),
                                          sql.json(QStringLiteral(":correction")), sql.now()));
    insert.bindValue(QStringLiteral(":playbookId"), latest->id);
    insert.bindValue(QStringLiteral(":revision"), revision);
    insert.bindValue(QStringLiteral(":document"), compact(*corrected));
    insert.bindValue(QStringLiteral(":correction"), compact(correction));
    insert.bindValue(QStringLiteral(":actor"), actor);
    exec(insert, jobId);

    // The badge follows the editor's work; updatedAt makes every window read the row again.
    QSqlQuery &warnings = prepared(QStringLiteral(
        R"(UPDATE "CallboardPlaybook" SET "warnings" = :warnings WHERE "id" = :playbookId)"));
    warnings.bindValue(QStringLiteral(":warnings"),
                       PlaybookQuality::seriousWarningCount(*corrected));
    warnings.bindValue(QStringLiteral(":playbookId"), latest->id);
    exec(warnings, jobId);
    QSqlQuery &touch = prepared(QStringLiteral(
        R"(UPDATE "ParseJob" SET "updatedAt" = %1 WHERE "id" = :id)").arg(sql.now()));
    touch.bindValue(QStringLiteral(":id"), jobId);
    exec(touch, jobId);

    insertEvent(jobId, QStringLiteral("playbook_corrected"),
                QJsonObject{{QStringLiteral("actor"), actor},
                            {QStringLiteral("revision"), revision},
                            {QStringLiteral("correction"), correction}});
    transaction.commit();
    published({jobId});
    return revision;
}

} // namespace Engine

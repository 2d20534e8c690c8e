#include "engine/legacyimport.h"

#include "engine/database.h"
#include "engine/job.h"
#include "engine/joberrors.h"
#include "engine/jobnotifier.h"
#include "engine/logging.h"
#include "engine/sql/statements.h"
#include "engine/sqldialect.h"
#include "engine/transaction.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringDecoder>
#include <QUrl>
#include <QUuid>

namespace Engine {

namespace {

const QString kActor = QStringLiteral("import-legacy");

// The legacy app changed its column names over time; these are the spellings seen in its Prisma
// schema history, best first. Matching ignores case and underscores (raw_text = rawText).
struct Role
{
    const char *name;
    QList<const char *> candidates;
};

const QList<Role> &roles()
{
    static const QList<Role> list{
        {"id", {"id"}},
        {"status", {"status", "state"}},
        {"text", {"rawText", "text", "content", "uploadedText", "sourceText", "playText",
                  "fileContent", "fileContents", "body"}},
        {"textRef", {"filePath", "textPath", "sourcePath", "uploadPath", "storagePath", "path",
                     "fileUrl", "textUrl", "sourceUrl", "storageKey", "blobUrl", "fileRef"}},
        {"filename", {"filename", "originalFilename", "originalName", "uploadName"}},
        {"title", {"title", "name", "playTitle"}},
        {"config", {"config", "parseConfig", "options", "settings"}},
        {"metadata", {"metadata", "meta"}},
        {"currentState", {"currentState", "parsingState", "context", "checkpoint"}},
        {"createdAt", {"createdAt", "created"}},
        {"updatedAt", {"updatedAt", "updated"}},
        {"startedAt", {"startedAt", "started"}},
        {"completedAt", {"completedAt", "finishedAt", "endedAt"}},
        {"error", {"error", "errorMessage", "lastError", "failureReason"}},
        {"progress", {"progress"}},
        {"totalChunks", {"totalChunks"}},
        {"completedChunks", {"completedChunks", "processedChunks", "chunksDone"}},
        {"priority", {"priority"}},
        {"playbookId", {"playbookId"}},
        {"retryCount", {"retryCount", "retries", "attempts"}},
    };
    return list;
}

QString normalized(const QString &name)
{
    return name.toLower().remove(QLatin1Char('_'));
}

QString quoted(const QString &identifier)
{
    return QLatin1Char('"') + QString(identifier).replace(QLatin1Char('"'), QStringLiteral("\"\""))
           + QLatin1Char('"');
}

// Column names of the legacy table, or an empty list when there is no such table.
QStringList legacyColumns(QSqlDatabase db, bool postgres, QString *error)
{
    QSqlQuery query(db);
    const QString sql = postgres
        ? QStringLiteral("SELECT column_name FROM information_schema.columns WHERE table_name = "
                         "'%1' AND table_schema = current_schema() ORDER BY ordinal_position")
              .arg(LegacyImport::legacyTableName())
        : QStringLiteral("PRAGMA table_info(%1)").arg(quoted(LegacyImport::legacyTableName()));
    if (!query.exec(sql)) {
        *error = query.lastError().text();
        return {};
    }
    QStringList columns;
    const int nameField = postgres ? 0 : query.record().indexOf(QStringLiteral("name"));
    while (query.next())
        columns << query.value(nameField).toString();
    return columns;
}

QJsonObject parseJsonObject(const QVariant &value)
{
    if (value.isNull())
        return {};
    const QJsonDocument doc = QJsonDocument::fromJson(value.toString().toUtf8());
    return doc.isObject() ? doc.object() : QJsonObject();
}

QString jsonText(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QVariant nullString()
{
    return QVariant(QMetaType::fromType<QString>());
}

QVariant timeOrNull(const QDateTime &time)
{
    return time.isValid() ? QVariant(isoUtc(time)) : nullString();
}

// Reads a text the session refers to, when it is a local file we can read; the legacy app stored
// uploads on its own disk, so on another machine this finds nothing, which is reported.
QString readReferencedText(const QString &reference, QString *why)
{
    QString path = reference.trimmed();
    if (path.startsWith(QLatin1String("file:")))
        path = QUrl(path).toLocalFile();
    if (path.isEmpty() || path.contains(QLatin1String("://"))) {
        *why = QStringLiteral("its text is stored elsewhere (%1)").arg(reference.left(80));
        return {};
    }
    QFile file(path);
    if (!QFileInfo(path).isFile() || !file.open(QIODevice::ReadOnly)) {
        *why = QStringLiteral("its text file %1 cannot be read here").arg(path);
        return {};
    }
    QByteArray bytes = file.readAll();
    if (bytes.startsWith("\xEF\xBB\xBF"))
        bytes.remove(0, 3);
    QStringDecoder decoder(QStringDecoder::Utf8);
    const QString text = decoder(bytes);
    if (decoder.hasError() || bytes.contains('\0')) {
        *why = QStringLiteral("its text file %1 is not valid UTF-8 text").arg(path);
        return {};
    }
    return text;
}

struct Plan
{
    QString id;
    QString legacyStatus;
    JobStatus status = JobStatus::Queued;
    QString rawText;
    QString filename;
    QJsonObject config;
    QJsonObject currentState;
    bool hasCurrentState = false;
    int priority = 0;
    int retryCount = 0;
    std::optional<int> totalChunks;
    int completedChunks = 0;
    double progress = 0;
    QString lastError;
    QString failureReason;
    QString playbookId;
    QDateTime createdAt, updatedAt, startedAt, completedAt;
    QString note;
};

} // namespace

LegacyImport::LegacyImport(QSqlDatabase db)
    : m_db(db)
{}

QString LegacyImport::legacyTableName()
{
    return QStringLiteral("ParsingSession");
}

std::optional<JobStatus> LegacyImport::mapStatus(const QString &legacyStatus)
{
    static const QHash<QString, JobStatus> map{
        {QStringLiteral("pending"), JobStatus::Queued},
        {QStringLiteral("warming"), JobStatus::Queued},
        {QStringLiteral("parsing"), JobStatus::Running},
        {QStringLiteral("completed"), JobStatus::Completed},
        {QStringLiteral("failed"), JobStatus::Failed},
        {QStringLiteral("aborted"), JobStatus::Cancelled},
    };
    const auto it = map.constFind(legacyStatus.trimmed().toLower());
    if (it == map.constEnd())
        return std::nullopt;
    return *it;
}

QString LegacyImport::placeholderText(const QString &legacyId)
{
    return QStringLiteral("(legacy session %1: no text stored)").arg(legacyId);
}

Expected<void> LegacyImport::run(bool dryRun, LegacyImportReport *report)
{
    QString failure;
    QString *error = &failure;
    // No legacy table, or one without ids, is a Schema error; reading or the check, Database.
    Error::Kind kind = Error::Kind::Database;
    *report = LegacyImportReport();
    report->dryRun = dryRun;
    const bool postgres = Database::isPostgres(m_db);
    const SqlDialect sql(m_db);

    const QStringList columns = legacyColumns(m_db, postgres, error);
    if (columns.isEmpty()) {
        if (error->isEmpty()) {
            kind = Error::Kind::Schema;
            *error = QStringLiteral("This database has no legacy \"%1\" table: nothing to import")
                         .arg(legacyTableName());
        }
        return Error(kind, failure);
    }
    QHash<QString, QString> byNormalized;
    for (const QString &column : columns)
        byNormalized.insert(normalized(column), column);
    QHash<QString, QString> column; // role → actual column name
    for (const Role &role : roles()) {
        const QString roleName = QString::fromLatin1(role.name);
        for (const char *candidate : role.candidates) {
            const QString actual = byNormalized.value(normalized(QString::fromLatin1(candidate)));
            // "state" may be the status column of an old schema; never use one column twice.
            if (!actual.isEmpty() && !column.values().contains(actual)) {
                column.insert(roleName, actual);
                report->columnsUsed << QStringLiteral("%1 ← %2").arg(roleName, actual);
                break;
            }
        }
        if (!column.contains(roleName) && roleName != QLatin1String("id"))
            report->columnsMissing << roleName;
    }
    if (!column.contains(QStringLiteral("id"))) {
        kind = Error::Kind::Schema;
        *error = QStringLiteral("The legacy \"%1\" table has no \"id\" column").arg(legacyTableName());
        return Error(kind, failure);
    }

    // Enums and jsonb come back as text on PostgreSQL only when asked to.
    static const QStringList asText{QStringLiteral("id"), QStringLiteral("status"),
                                    QStringLiteral("config"), QStringLiteral("metadata"),
                                    QStringLiteral("currentState"), QStringLiteral("text"),
                                    QStringLiteral("textRef"), QStringLiteral("filename"),
                                    QStringLiteral("title"), QStringLiteral("error"),
                                    QStringLiteral("playbookId")};
    QStringList select;
    QStringList roleOrder;
    for (auto it = column.constBegin(); it != column.constEnd(); ++it) {
        QString expression = quoted(it.value());
        if (postgres && asText.contains(it.key()))
            expression = QStringLiteral("CAST(%1 AS text)").arg(expression);
        select << expression;
        roleOrder << it.key();
    }
    const QString order = column.contains(QStringLiteral("createdAt"))
        ? QStringLiteral("%1, %2").arg(quoted(column.value(QStringLiteral("createdAt"))),
                                       quoted(column.value(QStringLiteral("id"))))
        : quoted(column.value(QStringLiteral("id")));

    try {
        Transaction transaction(m_db);
        QSqlQuery read(m_db);
        read.setForwardOnly(true);
        if (!read.exec(QStringLiteral("SELECT %1 FROM %2 ORDER BY %3")
                           .arg(select.join(QStringLiteral(", ")), quoted(legacyTableName()), order))) {
            *error = QStringLiteral("Cannot read the legacy \"%1\" table: %2")
                         .arg(legacyTableName(), read.lastError().text());
            return Error(kind, failure);
        }
        QList<Plan> plans;
        while (read.next()) {
            auto value = [&](const char *role) {
                const qsizetype i = roleOrder.indexOf(QString::fromLatin1(role));
                return i < 0 ? QVariant() : read.value(int(i));
            };
            Plan plan;
            plan.id = value("id").toString();
            plan.legacyStatus = value("status").isNull() ? QStringLiteral("pending")
                                                         : value("status").toString();
            const std::optional<JobStatus> mapped = mapStatus(plan.legacyStatus);
            plan.status = mapped.value_or(JobStatus::Failed);
            if (!mapped) {
                plan.failureReason = QStringLiteral("Imported from legacy session %1 with the "
                                                    "unknown status '%2'")
                                         .arg(plan.id, plan.legacyStatus);
                plan.note = QStringLiteral("unknown legacy status, imported as failed");
            }

            QString why;
            plan.rawText = value("text").toString();
            if (plan.rawText.trimmed().isEmpty()) {
                plan.rawText.clear();
                if (!value("textRef").toString().trimmed().isEmpty())
                    plan.rawText = readReferencedText(value("textRef").toString(), &why);
                else if (column.contains(QStringLiteral("text")))
                    why = value("text").isNull() ? QStringLiteral("no text stored")
                                                 : QStringLiteral("its text is empty");
                else
                    why = QStringLiteral("the legacy table stores no text");
            }
            if (plan.rawText.isEmpty()) {
                plan.rawText = placeholderText(plan.id);
                if (!isTerminal(plan.status)) {
                    plan.status = JobStatus::Failed;
                    plan.failureReason = QStringLiteral("Imported from legacy session %1 without "
                                                        "its text: %2")
                                             .arg(plan.id, why);
                    plan.note = QStringLiteral("no text (%1), imported as failed").arg(why);
                } else {
                    plan.note = QStringLiteral("no text (%1), placeholder stored").arg(why);
                }
            }

            plan.filename = value("filename").toString().trimmed();
            const QString title = value("title").toString().trimmed();
            if (plan.filename.isEmpty())
                plan.filename = title.isEmpty() ? QStringLiteral("legacy-%1.txt").arg(plan.id)
                                                : title;

            plan.config = parseJsonObject(value("config"));
            QJsonObject legacy{{QStringLiteral("sessionId"), plan.id},
                               {QStringLiteral("status"), plan.legacyStatus}};
            if (!title.isEmpty())
                legacy.insert(QStringLiteral("title"), title);
            const QJsonObject metadata = parseJsonObject(value("metadata"));
            if (!metadata.isEmpty())
                legacy.insert(QStringLiteral("metadata"), metadata);
            // Kept apart from the parse settings: legacy metadata must not pick a provider.
            plan.config.insert(QStringLiteral("legacy"), legacy);

            const QVariant state = value("currentState");
            plan.currentState = parseJsonObject(state);
            plan.hasCurrentState = !state.isNull() && !plan.currentState.isEmpty();

            plan.priority = qBound(-1000, value("priority").toInt(), 1000);
            plan.retryCount = qMax(0, value("retryCount").toInt());
            if (!value("totalChunks").isNull())
                plan.totalChunks = qMax(0, value("totalChunks").toInt());
            plan.completedChunks = qMax(0, value("completedChunks").toInt());
            plan.progress = qBound(0.0, value("progress").toDouble(), 100.0);
            if (plan.status == JobStatus::Completed)
                plan.progress = 100;
            plan.lastError = value("error").toString();
            if (plan.status == JobStatus::Failed && plan.failureReason.isEmpty())
                plan.failureReason = plan.lastError.isEmpty()
                                         ? QStringLiteral("Failed in the legacy application")
                                         : plan.lastError;
            plan.playbookId = value("playbookId").toString();

            const QDateTime now = QDateTime::currentDateTimeUtc();
            plan.createdAt = SqlDialect::toUtc(value("createdAt"));
            if (!plan.createdAt.isValid())
                plan.createdAt = now;
            plan.updatedAt = SqlDialect::toUtc(value("updatedAt"));
            if (!plan.updatedAt.isValid())
                plan.updatedAt = plan.createdAt;
            // As the seed does: startedAt once a worker took the job, completedAt once it ended.
            if (plan.status != JobStatus::Queued) {
                plan.startedAt = SqlDialect::toUtc(value("startedAt"));
                if (!plan.startedAt.isValid() && plan.legacyStatus != QLatin1String("pending")
                    && plan.legacyStatus != QLatin1String("warming"))
                    plan.startedAt = plan.createdAt;
            }
            if (isTerminal(plan.status)) {
                plan.completedAt = SqlDialect::toUtc(value("completedAt"));
                if (!plan.completedAt.isValid())
                    plan.completedAt = plan.updatedAt;
            }
            plans << plan;
        }
        read.finish();
        report->legacyRows = int(plans.size());

        QSqlQuery exists(m_db);
        exists.prepare(QStringLiteral(R"(SELECT "status" FROM "ParseJob" WHERE "id" = :id)"));
        QSqlQuery insert(m_db);
        const bool prepared = insert.prepare(
            QStringLiteral(R"(INSERT INTO "ParseJob" ("id", "priority", "status", "rawText",
                "filename", "config", "playbookId", "retryCount", "currentState", "totalChunks",
                "completedChunks", "progress", "lastError", "failureReason", "workerId",
                "lockedAt", "lockExpiry", "createdAt", "startedAt", "completedAt", "updatedAt")
                VALUES (:id, :priority, %1, :rawText, :filename, %2, :playbookId, :retryCount, %3,
                :totalChunks, :completedChunks, :progress, :lastError, :failureReason, :workerId,
                %4, %5, %6, %7, %8, %9))")
                .arg(sql.status(QStringLiteral(":status")), sql.json(QStringLiteral(":config")),
                     sql.json(QStringLiteral(":currentState")),
                     sql.timestamp(QStringLiteral(":lockedAt")),
                     QStringLiteral("CASE WHEN :running = 1 THEN %1 END")
                         .arg(sql.nowPlusSeconds(QStringLiteral(":expired"))),
                     sql.timestamp(QStringLiteral(":createdAt")),
                     sql.timestamp(QStringLiteral(":startedAt")),
                     sql.timestamp(QStringLiteral(":completedAt")))
                .arg(sql.timestamp(QStringLiteral(":updatedAt"))));
        if (!prepared)
            throw DatabaseError(QString(), insert.lastError().text());
        QSqlQuery event(m_db);
        if (!event.prepare(Statements::insertEvent(
                QStringLiteral("VALUES (:id, :jobId, 'imported', %1, %2)")
                    .arg(sql.json(QStringLiteral(":details")), sql.now()))))
            throw DatabaseError(QString(), event.lastError().text());

        for (const Plan &plan : std::as_const(plans)) {
            LegacySessionOutcome outcome;
            outcome.id = plan.id;
            outcome.legacyStatus = plan.legacyStatus;
            outcome.filename = plan.filename;
            exists.bindValue(QStringLiteral(":id"), plan.id);
            if (!exists.exec())
                throw DatabaseError(plan.id, exists.lastError().text());
            if (exists.next()) {
                outcome.action = LegacySessionOutcome::AlreadyPresent;
                outcome.status = jobStatusFromString(exists.value(0).toString())
                                     .value_or(plan.status);
                exists.finish();
                ++report->alreadyPresent;
                report->sessions << outcome;
                continue;
            }
            exists.finish();

            const bool running = plan.status == JobStatus::Running;
            insert.bindValue(QStringLiteral(":id"), plan.id);
            insert.bindValue(QStringLiteral(":priority"), plan.priority);
            insert.bindValue(QStringLiteral(":status"), statusName(plan.status));
            insert.bindValue(QStringLiteral(":rawText"), plan.rawText);
            insert.bindValue(QStringLiteral(":filename"), plan.filename);
            insert.bindValue(QStringLiteral(":config"), jsonText(plan.config));
            insert.bindValue(QStringLiteral(":playbookId"),
                             plan.playbookId.isEmpty() ? nullString() : QVariant(plan.playbookId));
            insert.bindValue(QStringLiteral(":retryCount"), plan.retryCount);
            insert.bindValue(QStringLiteral(":currentState"), plan.hasCurrentState
                                                                  ? QVariant(jsonText(plan.currentState))
                                                                  : nullString());
            insert.bindValue(QStringLiteral(":totalChunks"),
                             plan.totalChunks ? QVariant(*plan.totalChunks)
                                              : QVariant(QMetaType::fromType<int>()));
            insert.bindValue(QStringLiteral(":completedChunks"), plan.completedChunks);
            insert.bindValue(QStringLiteral(":progress"), plan.progress);
            insert.bindValue(QStringLiteral(":lastError"),
                             plan.lastError.isEmpty() ? nullString() : QVariant(plan.lastError));
            insert.bindValue(QStringLiteral(":failureReason"), plan.failureReason.isEmpty()
                                                                   ? nullString()
                                                                   : QVariant(plan.failureReason));
            // A parsing session lost its worker with the old app: hand it to the expired-lock
            // reclaim, which resumes it from currentState like any dead worker's job.
            insert.bindValue(QStringLiteral(":workerId"),
                             running ? QVariant(kActor) : nullString());
            insert.bindValue(QStringLiteral(":lockedAt"),
                             running ? timeOrNull(plan.updatedAt) : nullString());
            insert.bindValue(QStringLiteral(":running"), running ? 1 : 0);
            insert.bindValue(QStringLiteral(":expired"), -1.0);
            insert.bindValue(QStringLiteral(":createdAt"), isoUtc(plan.createdAt));
            insert.bindValue(QStringLiteral(":startedAt"), timeOrNull(plan.startedAt));
            insert.bindValue(QStringLiteral(":completedAt"), timeOrNull(plan.completedAt));
            insert.bindValue(QStringLiteral(":updatedAt"), isoUtc(plan.updatedAt));
            if (!insert.exec())
                throw DatabaseError(plan.id, QStringLiteral("Cannot import legacy session %1: %2")
                                                 .arg(plan.id, insert.lastError().text()));

            QJsonObject details{{QStringLiteral("actor"), kActor},
                                {QStringLiteral("legacyStatus"), plan.legacyStatus},
                                {QStringLiteral("to"), statusName(plan.status)}};
            if (!plan.note.isEmpty())
                details.insert(QStringLiteral("note"), plan.note);
            if (plan.hasCurrentState)
                details.insert(QStringLiteral("currentState"), QStringLiteral("kept"));
            event.bindValue(QStringLiteral(":id"),
                            QUuid::createUuid().toString(QUuid::WithoutBraces));
            event.bindValue(QStringLiteral(":jobId"), plan.id);
            event.bindValue(QStringLiteral(":details"), jsonText(details));
            if (!event.exec())
                throw DatabaseError(plan.id, event.lastError().text());

            outcome.action = LegacySessionOutcome::Imported;
            outcome.status = plan.status;
            outcome.note = plan.note;
            ++report->imported;
            report->sessions << outcome;
        }

        // The counts must match: every legacy id is a ParseJob now, and every new job has
        // exactly one "imported" event from this run.
        QSqlQuery verify(m_db);
        if (!verify.exec(QStringLiteral(R"(SELECT
                (SELECT COUNT(*) FROM %1),
                (SELECT COUNT(*) FROM "ParseJob" WHERE "id" IN (SELECT CAST(%2 AS text) FROM %1)))")
                             .arg(quoted(legacyTableName()), quoted(column.value(QStringLiteral("id")))))
            || !verify.next())
            throw DatabaseError(QString(), verify.lastError().text());
        const int legacyCount = verify.value(0).toInt();
        const int presentCount = verify.value(1).toInt();
        verify.finish();
        if (legacyCount != report->legacyRows || presentCount != legacyCount
            || report->imported + report->alreadyPresent != legacyCount) {
            *error = QStringLiteral("Import check failed: %1 legacy sessions, %2 present as jobs "
                                    "after the import (%3 imported, %4 already there); rolled back")
                         .arg(legacyCount)
                         .arg(presentCount)
                         .arg(report->imported)
                         .arg(report->alreadyPresent);
            return Error(kind, failure);
        }
        if (dryRun)
            return {}; // the Transaction rolls back
        if (postgres && report->imported > 0) {
            QSqlQuery notify(m_db);
            notify.exec(QStringLiteral("SELECT pg_notify('%1', '*')")
                            .arg(QLatin1String(kNotifyChannel)));
        }
        transaction.commit();
    } catch (const JobError &e) {
        return Error(e.error().kind, e.message());
    }
    if (report->imported > 0)
        JobNotifier::instance()->publish({QStringLiteral("*")});
    qCInfo(lcQueue) << "legacy import:" << report->imported << "imported,"
                    << report->alreadyPresent << "already present";
    return {};
}

} // namespace Engine

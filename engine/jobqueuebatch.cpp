// JobQueue::completeAndClaim: many completions and many claims in one round trip.
//
// On this 2-core machine a queue that commits once per job is bound by per-statement and
// per-commit work (the client, the backend and the WAL writer take turns on two cores), not by
// the rows. A pool with N idle workers therefore hands all of its finished jobs back and asks
// for N new ones in a single statement; the rows cost the same, the overhead is paid once.
#include "engine/jobqueue.h"

#include "engine/joberrors.h"
#include "engine/jobrowreader.h"
#include "engine/logging.h"
#include "engine/rowid.h"
#include "engine/transaction.h"

#include <QJsonDocument>
#include <QSet>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUuid>

#include <optional>

namespace Engine {

namespace {

QString textArray(const QStringList &values)
{
    // PostgreSQL array literal: every element quoted, quotes and backslashes escaped.
    QString out = QStringLiteral("{");
    for (qsizetype i = 0; i < values.size(); ++i) {
        if (i)
            out += QLatin1Char(',');
        if (values.at(i).isNull()) {
            out += QStringLiteral("NULL");
            continue;
        }
        QString value = values.at(i);
        value.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
        value.replace(QLatin1Char('"'), QStringLiteral("\\\""));
        out += QLatin1Char('"') + value + QLatin1Char('"');
    }
    return out + QLatin1Char('}');
}

// What PostgreSQL's substr() counts: characters, not UTF-16 units.
qsizetype codePoints(const QString &text)
{
    qsizetype n = text.size();
    for (const QChar c : text)
        n -= c.isLowSurrogate() ? 1 : 0;
    return n;
}

} // namespace

BatchResult JobQueue::completeAndClaim(const QList<Completion> &completions,
                                       const QStringList &claimFor)
{
    if (m_postgres)
        return completeAndClaimPostgres(completions, claimFor);
    // SQLite has one writer at a time and no round trips to save: the plain operations.
    BatchResult result;
    for (const Completion &completion : completions) {
        if (complete(completion.jobId, completion.workerId, completion.playbook,
                     completion.completedChunks, completion.totalChunks))
            result.completed << completion.jobId;
        else
            result.lost << completion.jobId;
    }
    for (const QString &workerId : claimFor) {
        std::optional<Job> job = claimNext(workerId);
        if (!job)
            break;
        result.claimed << std::move(*job);
    }
    if (result.claimed.size() < claimFor.size())
        result.msUntilNextScheduled = msUntilNextScheduledJob();
    return result;
}

BatchResult JobQueue::completeAndClaimPostgres(const QList<Completion> &completions,
                                               const QStringList &claimFor)
{
    // input: the completions (job, worker, playbook id). want: the worker ids to claim for,
    // numbered. ready/expired/next: as in claimPostgres, but up to :n jobs, numbered in claim
    // order so that job k goes to worker k. claimPostgres keeps its own one-job statement: this
    // one's arrays, numbering and join cost a single claim 15–20 % of its rate.
    static const QString sql = QStringLiteral(R"(
        WITH input AS (
            SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:workers AS text[]),
                                 CAST(:playbooks AS text[]), CAST(:titles AS text[]),
                                 CAST(:characters AS integer[]), CAST(:acts AS integer[]),
                                 CAST(:scenes AS integer[]), CAST(:speeches AS integer[]),
                                 CAST(:docStarts AS integer[]), CAST(:docLengths AS integer[]),
                                 CAST(:completedChunks AS integer[]), CAST(:totalChunks AS integer[]))
                AS t("id", "worker", "playbookId", "title", "characters", "acts", "scenes",
                     "speeches", "docStart", "docLength", "completedChunks", "totalChunks")),
        done AS (
            UPDATE "ParseJob" j SET "status" = 'completed', "completedAt" = LOCALTIMESTAMP(3),
                "progress" = 100, "workerId" = NULL, "lockedAt" = NULL, "lockExpiry" = NULL,
                "controlRequest" = NULL, "updatedAt" = LOCALTIMESTAMP(3), "currentState" = NULL,
                "playbookId" = COALESCE(i."playbookId", j."playbookId"),
                "completedChunks" = COALESCE(i."completedChunks", j."completedChunks"),
                "totalChunks" = COALESCE(i."totalChunks", j."totalChunks")
            FROM input i
            WHERE j."id" = i."id" AND j."workerId" = i."worker" AND j."status" = 'running'
            RETURNING j."id", i."worker", i."playbookId"),
        playbook AS (
            INSERT INTO "CallboardPlaybook" ("id", "jobId", "title", "characterCount", "actCount",
                                    "sceneCount", "speechCount", "document", "createdAt")
            SELECT i."playbookId", i."id", i."title", i."characters", i."acts", i."scenes",
                   i."speeches",
                   CAST(substr(CAST(:documents AS text), i."docStart", i."docLength") AS jsonb),
                   LOCALTIMESTAMP(3)
            FROM done d JOIN input i ON i."id" = d."id"
            WHERE i."playbookId" IS NOT NULL),
        scratch AS (
            DELETE FROM "CallboardChunkResult" c USING done d WHERE c."jobId" = d."id"),
        doneEvent AS (
            INSERT INTO "JobEvent" ("id", "jobId", "event", "details", "createdAt")
            SELECT gen_random_uuid()::text, "id", 'completed',
                   jsonb_strip_nulls(jsonb_build_object(
                       'actor', "worker", 'from', 'running', 'to', 'completed',
                       'playbookId', "playbookId")),
                   LOCALTIMESTAMP(3)
            FROM done),
        want AS (
            SELECT "worker", "ord" FROM unnest(CAST(:claimFor AS text[]))
                WITH ORDINALITY AS t("worker", "ord")),
        ready AS (
            SELECT "id", "status" AS "oldStatus", "workerId" AS "oldWorker", "priority", "createdAt"
            FROM "ParseJob"
            WHERE "status" IN ('queued', 'retrying')
              AND ("runAfter" IS NULL OR "runAfter" <= LOCALTIMESTAMP(3))
            ORDER BY "priority" DESC, "createdAt" ASC
            LIMIT CAST(:n AS integer) FOR UPDATE SKIP LOCKED),
        expired AS (
            SELECT "id", "status", "workerId", "priority", "createdAt"
            FROM "ParseJob"
            WHERE "status" = 'running' AND "lockExpiry" < LOCALTIMESTAMP(3)
              AND "controlRequest" IS NULL
            ORDER BY "priority" DESC, "createdAt" ASC
            LIMIT CAST(:n AS integer) FOR UPDATE SKIP LOCKED),
        next AS (
            SELECT c.*, row_number() OVER (ORDER BY "priority" DESC, "createdAt" ASC) AS "ord"
            FROM (SELECT * FROM ready UNION ALL SELECT * FROM expired) c
            ORDER BY "priority" DESC, "createdAt" ASC LIMIT CAST(:n AS integer)),
        claimed AS (
            UPDATE "ParseJob" j
            SET "status" = 'running', "workerId" = want."worker",
                "lockedAt" = LOCALTIMESTAMP(3),
                "lockExpiry" = LOCALTIMESTAMP(3) + make_interval(secs => CAST(:lock AS float8)),
                "startedAt" = COALESCE(j."startedAt", LOCALTIMESTAMP(3)),
                "updatedAt" = LOCALTIMESTAMP(3), "runAfter" = NULL
            FROM next JOIN want USING ("ord")
            WHERE j."id" = next."id"
            RETURNING j."id", j."type", j."priority", j."status", j."filename", j."config",
               j."playbookId", j."retryCount", j."maxRetries", j."totalChunks",
               j."completedChunks", j."progress", j."lastError", j."failureReason",
               j."workerId", j."lockedAt", j."lockExpiry", j."createdAt", j."startedAt",
               j."completedAt", j."updatedAt", j."runAfter", j."controlRequest", j."rawText",
               j."checkpoints", j."currentState", next."oldStatus", next."oldWorker", next."ord"),
        claimEvent AS (
            INSERT INTO "JobEvent" ("id", "jobId", "event", "details", "createdAt")
            SELECT gen_random_uuid()::text, "id",
                   CASE WHEN "oldStatus" = 'running' THEN 'reclaimed' ELSE 'claimed' END,
                   jsonb_strip_nulls(jsonb_build_object(
                       'actor', "workerId", 'from', "oldStatus"::text, 'to', 'running',
                       'previousWorker', CASE WHEN "oldStatus" = 'running' THEN "oldWorker" END)),
                   LOCALTIMESTAMP(3)
            FROM claimed)
        SELECT (SELECT string_agg("id", ',') FROM done) AS "doneIds",
               (SELECT CAST(EXTRACT(EPOCH FROM (MIN("runAfter") - LOCALTIMESTAMP(3))) * 1000
                            AS bigint)
                FROM "ParseJob"
                WHERE "status" IN ('queued', 'retrying') AND "runAfter" IS NOT NULL
                  AND "runAfter" > LOCALTIMESTAMP(3)) AS "msUntilNext",
               c.*
        FROM (SELECT 1) one LEFT JOIN claimed c ON true
        ORDER BY c."ord")");

    // The playbooks go in the same statement, only for the completions that counted (a worker
    // that lost its lock leaves no orphan playbook): one round trip, however many complete.
    // They travel as one text, each document at its place (in characters), not as a text[]:
    // the server read a 200 kB array element, escaped quote by escaped quote, slower than the
    // parser had parsed the play.
    QStringList ids, workers, playbookIds, titles;
    QStringList characters, acts, scenes, speeches, completedChunks, totalChunks;
    QStringList docStarts, docLengths;
    QString documents;
    qsizetype documentChars = 0;
    for (const Completion &completion : completions) {
        ids << completion.jobId;
        workers << completion.workerId;
        const bool withPlaybook = !completion.playbook.isEmpty();
        const PlaybookSummary summary = PlaybookSummary::of(completion.playbook);
        playbookIds << (withPlaybook ? newTimeOrderedId() : QString());
        titles << (withPlaybook ? summary.title : QString());
        if (withPlaybook) {
            const QString document = QString::fromUtf8(
                QJsonDocument(completion.playbook).toJson(QJsonDocument::Compact));
            const qsizetype chars = codePoints(document);
            documents += document;
            docStarts << QString::number(documentChars + 1);
            docLengths << QString::number(chars);
            documentChars += chars;
        } else {
            docStarts << QStringLiteral("NULL");
            docLengths << QStringLiteral("NULL");
        }
        characters << QString::number(summary.characters);
        acts << QString::number(summary.acts);
        scenes << QString::number(summary.scenes);
        speeches << QString::number(summary.speeches);
        auto count = [](int n) { return n >= 0 ? QString::number(n) : QStringLiteral("NULL"); };
        completedChunks << count(completion.completedChunks);
        totalChunks << count(completion.totalChunks);
    }
    auto intArray = [](const QStringList &numbers) {
        return QLatin1Char('{') + numbers.join(QLatin1Char(',')) + QLatin1Char('}');
    };
    QSqlQuery &query = prepared(sql);
    query.bindValue(QStringLiteral(":ids"), textArray(ids));
    query.bindValue(QStringLiteral(":workers"), textArray(workers));
    query.bindValue(QStringLiteral(":playbooks"), textArray(playbookIds));
    query.bindValue(QStringLiteral(":titles"), textArray(titles));
    query.bindValue(QStringLiteral(":characters"), intArray(characters));
    query.bindValue(QStringLiteral(":acts"), intArray(acts));
    query.bindValue(QStringLiteral(":scenes"), intArray(scenes));
    query.bindValue(QStringLiteral(":speeches"), intArray(speeches));
    query.bindValue(QStringLiteral(":docStarts"), intArray(docStarts));
    query.bindValue(QStringLiteral(":docLengths"), intArray(docLengths));
    query.bindValue(QStringLiteral(":documents"), documents);
    query.bindValue(QStringLiteral(":completedChunks"), intArray(completedChunks));
    query.bindValue(QStringLiteral(":totalChunks"), intArray(totalChunks));
    query.bindValue(QStringLiteral(":claimFor"), textArray(claimFor));
    query.bindValue(QStringLiteral(":n"), int(claimFor.size()));
    query.bindValue(QStringLiteral(":lock"), m_options.lockSeconds);
    execAutocommit(query);

    BatchResult result;
    QSet<QString> done; // a set: a pool with prefetch hands back hundreds per statement
    std::optional<JobRowReader> reader;
    bool first = true;
    while (query.next()) {
        if (first) {
            const QStringList doneIds = query.value(0).toString().split(QLatin1Char(','),
                                                                         Qt::SkipEmptyParts);
            done = QSet<QString>(doneIds.cbegin(), doneIds.cend());
            for (const QString &id : ids)
                (done.contains(id) ? result.completed : result.lost) << id;
            if (!query.isNull(1))
                result.msUntilNextScheduled = qMax<qint64>(0, query.value(1).toLongLong());
            first = false;
        }
        if (query.isNull(2))
            continue;
        if (!reader)
            reader.emplace(query.record());
        result.claimed << reader->read(query, true);
    }
    query.finish();
    if (first)
        throw DatabaseError(QString(), QStringLiteral("complete-and-claim returned no row"));
    for (const QString &id : std::as_const(result.lost))
        qCWarning(lcQueue) << "completion not written, lock lost: job" << id;

    QStringList changed = result.completed;
    for (const Job &job : std::as_const(result.claimed))
        changed << job.id;
    if (!changed.isEmpty())
        published(changed);
    return result;
}

} // namespace Engine

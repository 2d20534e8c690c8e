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
#include "engine/playbookquality.h"
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

} // namespace

BatchResult JobQueue::completeAndClaim(const QList<Completion> &completions,
                                       const QStringList &claimFor)
{
    if (!m_sql.completeAndClaim.isEmpty())
        return completeAndClaimAtOnce(completions, claimFor);
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

BatchResult JobQueue::completeAndClaimAtOnce(const QList<Completion> &completions,
                                             const QStringList &claimFor)
{
    // The playbooks go in the same statement, only for the completions that counted (a worker
    // that lost its lock leaves no orphan playbook): one round trip, however many complete.
    // They travel as one text, split by the server at a character JSON text never holds raw
    // (U+0001; QJsonDocument escapes control characters): as a text[], the server read a 200 kB
    // array element escaped quote by escaped quote, slower than the parser had parsed the play,
    // and substr() at character offsets walked the UTF-8 text from its start for each document
    // (2 ms each on a 200 kB playbook).
    QStringList ids, workers, playbookIds, titles;
    QStringList characters, acts, scenes, speeches, completedChunks, totalChunks;
    QStringList docIndexes, confidences, warnings;
    QString documents;
    int documentCount = 0;
    for (const Completion &completion : completions) {
        ids << completion.jobId;
        workers << completion.workerId;
        const bool withPlaybook = !completion.playbook.isEmpty();
        const PlaybookSummary summary = PlaybookSummary::of(completion.playbook);
        playbookIds << (withPlaybook ? newTimeOrderedId() : QString());
        titles << (withPlaybook ? summary.title : QString());
        if (withPlaybook) {
            if (documentCount)
                documents += QChar(0x0001);
            documents += QString::fromUtf8(
                QJsonDocument(completion.playbook).toJson(QJsonDocument::Compact));
            docIndexes << QString::number(++documentCount);
            // The review figures the window's badge reads, as complete() stores them.
            const double confidence = PlaybookQuality::confidence(completion.playbook);
            confidences << (confidence < 0 ? QStringLiteral("NULL")
                                           : QString::number(confidence, 'g', 17));
            warnings << QString::number(PlaybookQuality::seriousWarningCount(completion.playbook));
        } else {
            docIndexes << QStringLiteral("NULL");
            confidences << QStringLiteral("NULL");
            warnings << QStringLiteral("NULL");
        }
        characters << QString::number(summary.characters);
        acts << QString::number(summary.acts);
        scenes << QString::number(summary.scenes);
        speeches << QString::number(summary.speeches);
        auto count = [](int n) { return n >= 0 ? QString::number(n) : QStringLiteral("NULL"); };
        completedChunks << count(completion.completedChunks);
        totalChunks << count(completion.totalChunks);
    }
    auto numberArray = [](const QStringList &numbers) {
        return QLatin1Char('{') + numbers.join(QLatin1Char(',')) + QLatin1Char('}');
    };
    QSqlQuery &query = prepared(m_sql.completeAndClaim);
    query.bindValue(QStringLiteral(":ids"), textArray(ids));
    query.bindValue(QStringLiteral(":workers"), textArray(workers));
    query.bindValue(QStringLiteral(":playbooks"), textArray(playbookIds));
    query.bindValue(QStringLiteral(":titles"), textArray(titles));
    query.bindValue(QStringLiteral(":characters"), numberArray(characters));
    query.bindValue(QStringLiteral(":acts"), numberArray(acts));
    query.bindValue(QStringLiteral(":scenes"), numberArray(scenes));
    query.bindValue(QStringLiteral(":speeches"), numberArray(speeches));
    query.bindValue(QStringLiteral(":docIndexes"), numberArray(docIndexes));
    query.bindValue(QStringLiteral(":confidences"), numberArray(confidences));
    query.bindValue(QStringLiteral(":warnings"), numberArray(warnings));
    query.bindValue(QStringLiteral(":documents"), documents);
    query.bindValue(QStringLiteral(":completedChunks"), numberArray(completedChunks));
    query.bindValue(QStringLiteral(":totalChunks"), numberArray(totalChunks));
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

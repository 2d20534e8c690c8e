// JobQueue::completeAndClaim: many completions and many claims in one round trip.
//
// On this 2-core machine a queue that commits once per job is bound by per-statement and
// per-commit work (the client, the backend and the WAL writer take turns on two cores), not by
// the rows. A pool with N idle workers therefore hands all of its finished jobs back and asks
// for N new ones in a single statement; the rows cost the same, the overhead is paid once.
#include "engine/jobqueue.h"

#include "engine/joberrors.h"
#include "engine/jobrowreader.h"
#include "engine/libpq.h"
#include "engine/logging.h"
#include "engine/rowid.h"
#include "engine/transaction.h"

#include <QSet>
#include <QSqlError>
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
    // (2 ms each on a 200 kB playbook). The values go to libpq out of line, as the UTF-8 that
    // QJsonDocument wrote: through QSqlQuery the documents were turned into UTF-16 and back,
    // escaped into the statement, and scanned again by the server's lexer.
    QStringList ids, workers, playbookIds, titles;
    QStringList characters, acts, scenes, speeches, completedChunks, totalChunks;
    QStringList docIndexes, confidences, warnings;
    QByteArray documents;
    int documentCount = 0;
    for (const Completion &completion : completions) {
        ids << completion.jobId;
        workers << completion.workerId;
        const StoredPlaybook &playbook = completion.playbook;
        const bool withPlaybook = !playbook.isEmpty();
        const PlaybookSummary &summary = playbook.summary;
        playbookIds << (withPlaybook ? newTimeOrderedId() : QString());
        titles << (withPlaybook ? summary.title : QString());
        if (withPlaybook) {
            if (documentCount)
                documents += '\x01';
            documents += playbook.document;
            docIndexes << QString::number(++documentCount);
            // The review figures the window's badge reads, as complete() stores them.
            confidences << (playbook.confidence < 0 ? QStringLiteral("NULL")
                                                    : QString::number(playbook.confidence, 'g', 17));
            warnings << QString::number(playbook.seriousWarnings);
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
        return (QLatin1Char('{') + numbers.join(QLatin1Char(',')) + QLatin1Char('}')).toLatin1();
    };
    if (!m_completeAndClaim) {
        // The statement's placeholders in the order of the values below. Prepared once per
        // session: planning this statement cost more than running it.
        m_completeAndClaim.emplace(
            QByteArrayLiteral("callboard_complete_and_claim"),
            Libpq::positional(
                m_sql.completeAndClaim,
                {QStringLiteral(":ids"), QStringLiteral(":workers"), QStringLiteral(":playbooks"),
                 QStringLiteral(":titles"), QStringLiteral(":characters"), QStringLiteral(":acts"),
                 QStringLiteral(":scenes"), QStringLiteral(":speeches"),
                 QStringLiteral(":docIndexes"), QStringLiteral(":confidences"),
                 QStringLiteral(":warnings"), QStringLiteral(":documents"),
                 QStringLiteral(":completedChunks"), QStringLiteral(":totalChunks"),
                 QStringLiteral(":claimFor"), QStringLiteral(":n"), QStringLiteral(":lock")}));
    }
    const QList<QByteArray> values{
        textArray(ids).toUtf8(), textArray(workers).toUtf8(), textArray(playbookIds).toUtf8(),
        textArray(titles).toUtf8(), numberArray(characters), numberArray(acts),
        numberArray(scenes), numberArray(speeches), numberArray(docIndexes),
        numberArray(confidences), numberArray(warnings), documents,
        numberArray(completedChunks), numberArray(totalChunks), textArray(claimFor).toUtf8(),
        QByteArray::number(claimFor.size()), QByteArray::number(m_options.lockSeconds)};
    Libpq::Rows rows;
    QSqlError error;
    // One statement outside a transaction: a deadlock victim was rolled back whole and may run
    // again (as execAutocommit does).
    for (int attempt = 0; attempt < 3; ++attempt) {
        error = m_completeAndClaim->exec(m_db, values, &rows);
        if (error.nativeErrorCode() != QLatin1String("40P01"))
            break;
        qCDebug(lcQueue) << "deadlock victim, retrying";
    }
    if (error.isValid())
        throwStatementError(error);

    if (rows.values.isEmpty() || rows.columns.size() < 3)
        throw DatabaseError(QString(), QStringLiteral("complete-and-claim returned no row"));
    BatchResult result;
    const QVariantList &first = rows.values.constFirst();
    const QStringList doneIds = first.at(0).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
    const QSet<QString> done(doneIds.cbegin(), doneIds.cend()); // a pool with prefetch hands
                                                                 // back hundreds per statement
    for (const QString &id : ids)
        (done.contains(id) ? result.completed : result.lost) << id;
    if (!first.at(1).isNull())
        result.msUntilNextScheduled = qMax<qint64>(0, first.at(1).toLongLong());
    const JobRowReader reader(rows.columns);
    for (const QVariantList &row : std::as_const(rows.values)) {
        if (!row.at(2).isNull())
            result.claimed << reader.read(row, true);
    }
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

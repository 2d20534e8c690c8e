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
    QSqlQuery &query = prepared(m_sql.completeAndClaim);
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

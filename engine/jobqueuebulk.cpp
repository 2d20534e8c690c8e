// JobQueue::insertJobsBatched: the PostgreSQL side of enqueueMany.
//
// One statement per batch instead of a round trip per job: the rows travel as one JSON document
// that PostgreSQL unpacks with jsonb_to_recordset. The client's part (ids and the JSON text) is
// written by hand rather than through QJsonObject, which took as long as the server's insert,
// and the next batch is prepared on another core while the server inserts the current one. The
// document goes to libpq as a parameter out of line: through QSqlQuery it was copied six times
// as an escaped literal, which kept the connection's thread busy between the server's inserts.
// The batches go through a libpq pipeline, so the server finds the next one waiting when it
// finishes an insert, rather than a round trip later.
#include "engine/jobqueue.h"

#include "engine/joberrors.h"
#include "engine/libpq.h"
#include "engine/logging.h"
#include "engine/rowid.h"
#include "engine/transaction.h"

#include <QFuture>
#include <QJsonDocument>
#include <QSqlError>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>
#include <optional>

namespace Engine {

namespace {

// Small enough that preparing one batch overlaps the insert of the previous one, large enough
// that the per-statement cost disappears; the byte cap keeps one statement reasonable.
constexpr int kBatchRows = 2000;
constexpr qint64 kBatchBytes = 16 * 1024 * 1024;

void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    const char *begin = utf8.data();
    const char *end = begin + utf8.size();
    const char *run = begin;
    for (const char *p = begin; p != end; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(run, p - run);
        run = p + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    out.append(run, end - run);
    out += '"';
}

/// The rows [begin, end) as the JSON array that the insert statement unpacks.
QByteArray batchDocument(const QList<EnqueueInput> &inputs, const QStringList &ids, qsizetype begin)
{
    const qsizetype end = begin + ids.size();
    qint64 bytes = 0;
    for (qsizetype i = begin; i < end; ++i)
        bytes += inputs.at(i).rawText.size() + inputs.at(i).filename.size()
                 + inputs.at(i).sourcePath.size() + 240;
    QByteArray out;
    out.reserve(bytes + 2);
    out += '[';
    for (qsizetype i = begin; i < end; ++i) {
        const EnqueueInput &input = inputs.at(i);
        if (i != begin)
            out += ',';
        out += "{\"id\":\"";
        out += ids.at(i - begin).toLatin1();
        out += "\",\"priority\":";
        out += QByteArray::number(input.priority);
        out += ",\"maxRetries\":";
        out += QByteArray::number(input.maxRetries);
        out += ",\"filename\":";
        appendJsonString(out, input.filename.toUtf8());
        out += ",\"rawText\":";
        appendJsonString(out, input.rawText); // validated UTF-8 without NUL bytes
        out += ",\"config\":";
        out += input.config.isEmpty() ? QByteArray("{}")
                                      : QJsonDocument(input.config).toJson(QJsonDocument::Compact);
        out += ",\"contentHash\":\"";
        out += contentHash(input.rawText).toLatin1();
        out += '"';
        if (!input.sourcePath.isEmpty()) {
            out += ",\"sourcePath\":";
            appendJsonString(out, input.sourcePath.toUtf8());
        }
        if (input.runAfter) {
            out += ",\"runAfter\":";
            appendJsonString(out, isoUtc(*input.runAfter).toUtf8());
        }
        out += '}';
    }
    out += ']';
    return out;
}

/// [begin, end) ranges of at most kBatchRows rows and about kBatchBytes of text.
QList<std::pair<qsizetype, qsizetype>> splitIntoBatches(const QList<EnqueueInput> &inputs)
{
    QList<std::pair<qsizetype, qsizetype>> batches;
    qsizetype begin = 0;
    qint64 bytes = 0;
    for (qsizetype i = 0; i < inputs.size(); ++i) {
        bytes += inputs.at(i).rawText.size();
        if (i + 1 - begin >= kBatchRows || bytes >= kBatchBytes || i + 1 == inputs.size()) {
            batches << std::make_pair(begin, i + 1);
            begin = i + 1;
            bytes = 0;
        }
    }
    return batches;
}

} // namespace

JobQueue::PreparedRows JobQueue::prepareRows(const QList<EnqueueInput> &inputs,
                                             qsizetype begin, qsizetype end)
{
    PreparedRows rows;
    rows.ids.reserve(end - begin);
    for (qsizetype i = begin; i < end; ++i)
        rows.ids << newJobId();
    rows.document = batchDocument(inputs, rows.ids, begin);
    return rows;
}

void JobQueue::sendPreparedRows(Libpq::Pipeline &pipeline, const PreparedRows &rows,
                                const QString &actor)
{
    const QByteArray statement = m_sql.insertJobs.toUtf8();
    // A notification per job for a few, one "*" (re-read what changed) for many.
    const QByteArray few = rows.ids.size() <= 50 ? QByteArrayLiteral("true")
                                                 : QByteArrayLiteral("false");
    if (const QSqlError error = pipeline.send(statement, {rows.document, actor.toUtf8(), few});
        error.isValid())
        throwStatementError(error);
}

void JobQueue::finishInserts(Libpq::Pipeline &pipeline)
{
    if (const QSqlError error = pipeline.finish(); error.isValid())
        throwStatementError(error);
}

QStringList JobQueue::insertJobsBatched(const QList<EnqueueInput> &inputs, const QString &actor,
                                        bool inTransaction)
{
    const QList<std::pair<qsizetype, qsizetype>> batches = splitIntoBatches(inputs);
    // One statement commits on its own (one round trip for a single job); several batches
    // share a transaction so that the whole call stays all or nothing.
    std::optional<Transaction> transaction;
    if (batches.size() > 1 && !inTransaction)
        transaction.emplace(m_db);
    auto prepare = [&](qsizetype batch) {
        if (batches.size() == 1) // nothing to overlap with: no thread hop for a single job
            return QtFuture::makeReadyFuture(
                prepareRows(inputs, batches.at(batch).first, batches.at(batch).second));
        return QtConcurrent::run(&JobQueue::prepareRows, std::cref(inputs),
                                 batches.at(batch).first, batches.at(batch).second);
    };
    QStringList ids;
    ids.reserve(inputs.size());
    {
        Libpq::Pipeline pipeline(m_db); // left before the commit below
        QFuture<PreparedRows> next = prepare(0);
        for (qsizetype batch = 0; batch < batches.size(); ++batch) {
            const PreparedRows rows = next.result();
            if (batch + 1 < batches.size())
                next = prepare(batch + 1);
            try {
                sendPreparedRows(pipeline, rows, actor);
            } catch (...) {
                next.waitForFinished(); // it reads `inputs`
                throw;
            }
            ids += rows.ids;
        }
        finishInserts(pipeline);
    }
    if (transaction)
        transaction->commit();
    return ids;
}

QStringList JobQueue::enqueueStream(const std::function<QList<EnqueueInput>()> &nextBatch,
                                    const QString &actor)
{
    // What the reader threw travels as a value: QFuture would hand on only QExceptions.
    struct Produced
    {
        QList<EnqueueInput> batch;
        QList<PreparedRows> rows; // PostgreSQL: the batch, checked and ready to send
        std::exception_ptr error;
    };
    // Everything but the statement happens on the reader's core: reading, the UTF-8 check,
    // the hash and the JSON document, so that the connection's thread only waits for the server.
    auto produce = [this, &nextBatch]() -> Produced {
        try {
            Produced produced{nextBatch(), {}, nullptr};
            for (const EnqueueInput &input : std::as_const(produced.batch))
                validate(input);
            if (!m_sql.insertJobs.isEmpty()) { // PostgreSQL: one statement per batch
                for (const auto &[begin, end] : splitIntoBatches(produced.batch))
                    produced.rows << prepareRows(produced.batch, begin, end);
                produced.batch.clear();
            }
            return produced;
        } catch (...) {
            return {{}, {}, std::current_exception()};
        }
    };
    auto take = [](QFuture<Produced> &future) {
        Produced produced = future.result();
        if (produced.error)
            std::rethrow_exception(produced.error);
        return produced;
    };
    QFuture<Produced> next = QtConcurrent::run(produce);
    QStringList ids;
    try {
        Transaction transaction(m_db);
        // PostgreSQL: each batch is sent while the server still inserts the one before.
        std::optional<Libpq::Pipeline> pipeline;
        if (!m_sql.insertJobs.isEmpty())
            pipeline.emplace(m_db);
        for (;;) {
            const Produced produced = take(next);
            if (produced.batch.isEmpty() && produced.rows.isEmpty())
                break;
            next = QtConcurrent::run(produce); // read on while the server inserts this batch
            for (const PreparedRows &rows : produced.rows) {
                sendPreparedRows(*pipeline, rows, actor);
                ids += rows.ids;
            }
            for (const EnqueueInput &input : produced.batch) {
                const QString id = newJobId();
                insertJob(id, input, QString::fromUtf8(input.rawText), actor);
                ids << id;
            }
        }
        if (pipeline) {
            finishInserts(*pipeline);
            pipeline.reset(); // the commit is QPSQL's, outside pipeline mode
        }
        transaction.commit();
    } catch (...) {
        next.waitForFinished(); // nextBatch may use what the caller is about to unwind
        throw;
    }
    m_announced = true;
    published(ids.size() > 50 ? QStringList{QStringLiteral("*")} : ids);
    return ids;
}

} // namespace Engine

// Rows with controlled timestamps, written straight into the schema, for the monitoring tests.
#pragma once

#include "engine/job.h"
#include "engine/sqldialect.h"

#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QUuid>

#include <optional>

namespace Fixtures {

struct Row
{
    QString status = QStringLiteral("queued");
    qint64 createdAgo = 0;                 ///< seconds before "now"
    std::optional<qint64> startedAgo;
    std::optional<qint64> completedAgo;
    std::optional<qint64> updatedAgo;      ///< default: completedAgo, else createdAgo
    std::optional<qint64> runAfterAgo;     ///< negative: in the future
    std::optional<qint64> lockedAgo;
    std::optional<qint64> lockExpiryAgo;   ///< negative: in the future
    QString workerId;
    int retryCount = 0;
    QString filename = QStringLiteral("play.txt");
};

inline QVariant at(const QDateTime &now, std::optional<qint64> ago)
{
    if (!ago)
        return QVariant(QMetaType::fromType<QString>());
    return Engine::isoUtc(now.addMSecs(-*ago * 1000));
}

inline QString insertJob(QSqlDatabase db, const QDateTime &now, const Row &row)
{
    const Engine::SqlDialect sql(db);
    const auto ts = [&sql](const char *name) { return sql.timestamp(QString::fromLatin1(name)); };
    QSqlQuery query(db);
    const QString text = QStringLiteral(R"(
        INSERT INTO "ParseJob" ("id", "status", "rawText", "filename", "retryCount", "workerId",
            "createdAt", "startedAt", "completedAt", "updatedAt", "runAfter", "lockedAt",
            "lockExpiry")
        VALUES (:id, %1, 'text', :filename, :retries, :worker, %2, %3, %4, %5, %6, %7, %8))")
                             .arg(sql.status(QStringLiteral(":status")), ts(":created"),
                                  ts(":started"), ts(":completed"), ts(":updated"), ts(":runAfter"),
                                  ts(":locked"), ts(":expiry"));
    if (!query.prepare(text))
        qFatal("prepare: %s", qPrintable(query.lastError().text()));
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    query.bindValue(QStringLiteral(":id"), id);
    query.bindValue(QStringLiteral(":status"), row.status);
    query.bindValue(QStringLiteral(":filename"), row.filename);
    query.bindValue(QStringLiteral(":retries"), row.retryCount);
    query.bindValue(QStringLiteral(":worker"), row.workerId.isEmpty()
                                                   ? QVariant(QMetaType::fromType<QString>())
                                                   : QVariant(row.workerId));
    query.bindValue(QStringLiteral(":created"), at(now, row.createdAgo));
    query.bindValue(QStringLiteral(":started"), at(now, row.startedAgo));
    query.bindValue(QStringLiteral(":completed"), at(now, row.completedAgo));
    query.bindValue(QStringLiteral(":updated"),
                    at(now, row.updatedAgo ? row.updatedAgo
                                           : (row.completedAgo ? row.completedAgo : row.createdAgo)));
    query.bindValue(QStringLiteral(":runAfter"), at(now, row.runAfterAgo));
    query.bindValue(QStringLiteral(":locked"), at(now, row.lockedAgo));
    query.bindValue(QStringLiteral(":expiry"), at(now, row.lockExpiryAgo));
    if (!query.exec())
        qFatal("insert job: %s", qPrintable(query.lastError().text()));
    return id;
}

inline void insertEvent(QSqlDatabase db, const QDateTime &now, const QString &jobId,
                        const QString &event, const QString &actor, qint64 ago)
{
    const Engine::SqlDialect sql(db);
    QSqlQuery query(db);
    if (!query.prepare(QStringLiteral(R"(
        INSERT INTO "JobEvent" ("id", "jobId", "event", "details", "createdAt")
        VALUES (:id, :job, :event, %1, %2))")
                           .arg(sql.json(QStringLiteral(":details")),
                                sql.timestamp(QStringLiteral(":at")))))
        qFatal("prepare: %s", qPrintable(query.lastError().text()));
    query.bindValue(QStringLiteral(":id"), QUuid::createUuid().toString(QUuid::WithoutBraces));
    query.bindValue(QStringLiteral(":job"), jobId);
    query.bindValue(QStringLiteral(":event"), event);
    query.bindValue(QStringLiteral(":details"),
                    QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("actor"), actor}})
                                          .toJson(QJsonDocument::Compact)));
    query.bindValue(QStringLiteral(":at"), at(now, ago));
    if (!query.exec())
        qFatal("insert event: %s", qPrintable(query.lastError().text()));
}

inline void insertPlaybook(QSqlDatabase db, const QString &jobId)
{
    QSqlQuery query(db);
    const Engine::SqlDialect sql(db);
    if (!query.prepare(QStringLiteral(R"(INSERT INTO "CallboardPlaybook" ("id", "jobId", "title", "document")
                                         VALUES (:id, :job, 'T', %1))")
                           .arg(sql.json(QStringLiteral(":doc")))))
        qFatal("prepare: %s", qPrintable(query.lastError().text()));
    query.bindValue(QStringLiteral(":id"), QUuid::createUuid().toString(QUuid::WithoutBraces));
    query.bindValue(QStringLiteral(":job"), jobId);
    query.bindValue(QStringLiteral(":doc"), QStringLiteral("{}"));
    if (!query.exec())
        qFatal("insert playbook: %s", qPrintable(query.lastError().text()));
}

inline qint64 scalar(QSqlDatabase db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        qFatal("scalar: %s", qPrintable(query.lastError().text()));
    return query.value(0).toLongLong();
}

} // namespace Fixtures

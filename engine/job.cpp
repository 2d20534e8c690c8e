#include "engine/job.h"

#include <QCryptographicHash>

namespace Engine {

QString contentHash(const QByteArray &rawText)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(rawText, QCryptographicHash::Sha256).toHex());
}

QString isoUtc(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

namespace {
QJsonValue timeValue(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(isoUtc(time)) : QJsonValue(QJsonValue::Null);
}
QJsonValue textValue(const QString &text)
{
    return text.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}
} // namespace

QJsonObject Job::toJson() const
{
    return {
        {QStringLiteral("id"), id},
        {QStringLiteral("type"), type},
        {QStringLiteral("priority"), priority},
        {QStringLiteral("status"), statusName(status)},
        {QStringLiteral("filename"), filename},
        {QStringLiteral("config"), config},
        {QStringLiteral("playbookId"), textValue(playbookId)},
        {QStringLiteral("retryCount"), retryCount},
        {QStringLiteral("maxRetries"), maxRetries},
        {QStringLiteral("totalChunks"), totalChunks ? QJsonValue(*totalChunks) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("completedChunks"), completedChunks},
        {QStringLiteral("progress"), progress},
        {QStringLiteral("lastError"), textValue(lastError)},
        {QStringLiteral("failureReason"), textValue(failureReason)},
        {QStringLiteral("workerId"), textValue(workerId)},
        {QStringLiteral("lockedAt"), timeValue(lockedAt)},
        {QStringLiteral("lockExpiry"), timeValue(lockExpiry)},
        {QStringLiteral("createdAt"), timeValue(createdAt)},
        {QStringLiteral("startedAt"), timeValue(startedAt)},
        {QStringLiteral("completedAt"), timeValue(completedAt)},
        {QStringLiteral("updatedAt"), timeValue(updatedAt)},
        {QStringLiteral("runAfter"), timeValue(runAfter)},
        {QStringLiteral("controlRequest"), textValue(controlRequest)},
        {QStringLiteral("sourcePath"), textValue(sourcePath)},
        {QStringLiteral("failurePermanent"), failurePermanent},
    };
}

QJsonObject JobEvent::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("jobId"), jobId},
            {QStringLiteral("event"), event},
            {QStringLiteral("details"), details},
            {QStringLiteral("createdAt"), timeValue(createdAt)}};
}

} // namespace Engine

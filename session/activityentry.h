#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>

/// One line of the activity feed: an event of any job, with the job's file name.
struct ActivityEntry
{
    qint64 seq = 0;
    QString jobId;
    QString event;
    QString filename;
    QString actor;
    QJsonObject details;
    QDateTime createdAt;
};

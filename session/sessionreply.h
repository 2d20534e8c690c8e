#pragma once

#include <QString>

/// What an asynchronous read or command of the Session answers: a value, or an error message
/// for a person (errors never cross the session thread as exceptions).
template<typename T>
struct SessionReply
{
    T value{};
    QString error;
    qint64 elapsedMs = 0;  ///< time on the session thread, round trips included

    bool ok() const { return error.isEmpty(); }
};

#pragma once

#include <QJsonValue>
#include <QString>

namespace Engine {

/// A QString that may be null ("no title") as JSON: null stays null, not "".
inline QJsonValue nullable(const QString &s)
{
    return s.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

/// The QString nullable() wrote: null for JSON null (or anything but a string).
inline QString fromNullable(const QJsonValue &v)
{
    return v.isString() ? v.toString() : QString();
}

} // namespace Engine

#include "engine/sqldialect.h"

#include "engine/database.h"

namespace Engine {

SqlDialect::SqlDialect(const QSqlDatabase &db)
    : m_postgres(Database::isPostgres(db))
{}

QString SqlDialect::now() const
{
    return m_postgres ? QStringLiteral("LOCALTIMESTAMP(3)")
                      : QStringLiteral("strftime('%Y-%m-%dT%H:%M:%fZ','now')");
}

QString SqlDialect::nowPlusSeconds(const QString &placeholder) const
{
    return m_postgres
               ? QStringLiteral("(LOCALTIMESTAMP(3) + make_interval(secs => %1))").arg(placeholder)
               : QStringLiteral("strftime('%Y-%m-%dT%H:%M:%fZ','now',printf('%+.3f seconds',%1))")
                     .arg(placeholder);
}

QString SqlDialect::json(const QString &placeholder) const
{
    return m_postgres ? QStringLiteral("CAST(%1 AS jsonb)").arg(placeholder) : placeholder;
}

// Nothing queries inside a stored playbook: it is written once and read whole. Building jsonb
// from the text was a third of the server's work in a drain of real plays; json only checks it.
// SQLite gets UTF-8 bytes and keeps them as text, unconverted (bound as a QString, they went
// to UTF-16 and back).
QString SqlDialect::document(const QString &placeholder) const
{
    return m_postgres ? QStringLiteral("CAST(%1 AS json)").arg(placeholder)
                      : QStringLiteral("CAST(%1 AS TEXT)").arg(placeholder);
}

QString SqlDialect::status(const QString &placeholder) const
{
    return m_postgres ? QStringLiteral("CAST(%1 AS \"JobStatus\")").arg(placeholder) : placeholder;
}

QString SqlDialect::timestamp(const QString &placeholder) const
{
    return m_postgres ? QStringLiteral("CAST(%1 AS timestamp(3))").arg(placeholder) : placeholder;
}

QDateTime SqlDialect::toUtc(const QVariant &value)
{
    if (value.isNull())
        return {};
    if (value.metaType().id() == QMetaType::QDateTime) {
        // QPSQL hands "timestamp without time zone" back as local time; the stored value is UTC.
        QDateTime time = value.toDateTime();
        time.setTimeSpec(Qt::UTC);
        return time;
    }
    QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    if (!time.isValid())
        return {};
    if (time.timeSpec() == Qt::LocalTime)
        time.setTimeSpec(Qt::UTC);
    return time.toUTC();
}

} // namespace Engine

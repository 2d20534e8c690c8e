#pragma once

#include <QDateTime>
#include <QSqlDatabase>
#include <QString>
#include <QVariant>

namespace Engine {

/// The few SQL fragments that differ between PostgreSQL and SQLite. Times always come from the
/// database clock, so workers on machines with skewed clocks still agree on lock expiry.
class SqlDialect final
{
public:
    explicit SqlDialect(const QSqlDatabase &db);
    explicit SqlDialect(bool postgres)
        : m_postgres(postgres)
    {}

    bool isPostgres() const { return m_postgres; }
    /// The current UTC time with millisecond precision.
    QString now() const;
    /// now() plus the number of seconds bound to the placeholder.
    QString nowPlusSeconds(const QString &placeholder) const;
    QString json(const QString &placeholder) const;
    /// A playbook document: json (the text checked once, not rebuilt as jsonb) on PostgreSQL,
    /// text from UTF-8 bytes on SQLite.
    QString document(const QString &placeholder) const;
    QString status(const QString &placeholder) const;
    QString timestamp(const QString &placeholder) const;

    /// Reads a timestamp column as UTC, whatever the driver hands back.
    static QDateTime toUtc(const QVariant &value);

private:
    bool m_postgres;
};

} // namespace Engine

#pragma once

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>

#include <memory>

/// Statements prepared once per connection and kept: on PostgreSQL a QSqlQuery prepared for each
/// read costs PREPARE, EXECUTE and DEALLOCATE, three round trips where one does.
class StatementCache final
{
public:
    explicit StatementCache(QSqlDatabase db) : m_db(std::move(db)) {}

    /// The prepared statement for sql; prepared on first use. Throws Engine::DatabaseError when
    /// the statement does not prepare.
    QSqlQuery &get(const QString &sql);
    void clear() { m_statements.clear(); }

private:
    QSqlDatabase m_db;
    QHash<QString, std::shared_ptr<QSqlQuery>> m_statements;
};

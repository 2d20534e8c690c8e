#include "session/statementcache.h"

#include "engine/joberrors.h"

#include <QSqlError>

QSqlQuery &StatementCache::get(const QString &sql)
{
    auto it = m_statements.find(sql);
    if (it == m_statements.end()) {
        auto query = std::make_shared<QSqlQuery>(m_db);
        query->setForwardOnly(true);
        if (!query->prepare(sql))
            throw Engine::DatabaseError(QString(), query->lastError().text());
        it = m_statements.insert(sql, query);
    }
    return **it;
}

#include "engine/transaction.h"

#include "engine/database.h"
#include "engine/joberrors.h"

#include <QSqlError>
#include <QSqlQuery>

namespace Engine {

Transaction::Transaction(QSqlDatabase db)
    : m_db(db)
{
    QSqlQuery begin(m_db);
    const QString statement = Database::isPostgres(m_db) ? QStringLiteral("BEGIN")
                                                         : QStringLiteral("BEGIN IMMEDIATE");
    if (!begin.exec(statement))
        throw DatabaseError(QString(), QStringLiteral("Cannot start a transaction: %1")
                                           .arg(begin.lastError().text()));
    m_open = true;
}

Transaction::~Transaction()
{
    if (m_open) {
        QSqlQuery rollback(m_db);
        rollback.exec(QStringLiteral("ROLLBACK"));
    }
}

void Transaction::commit()
{
    QSqlQuery commit(m_db);
    if (!commit.exec(QStringLiteral("COMMIT"))) {
        const QString message = commit.lastError().text();
        throw DatabaseError(QString(), QStringLiteral("Commit failed: %1").arg(message));
    }
    m_open = false;
}

} // namespace Engine

#pragma once

#include <QSqlDatabase>

namespace Engine {

/// A write transaction that rolls back unless committed. On SQLite it starts with
/// BEGIN IMMEDIATE: a plain BEGIN would let two workers read, then both fail to write.
class Transaction final
{
public:
    explicit Transaction(QSqlDatabase db);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    /// Throws DatabaseError if the commit fails.
    void commit();

private:
    QSqlDatabase m_db;
    bool m_open = false;
};

} // namespace Engine

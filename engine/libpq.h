#pragma once

#include <QByteArray>
#include <QList>
#include <QSqlError>

class QSqlDatabase;

namespace Engine::Libpq {

/// The socket of an open QPSQL connection, or -1 (another driver, or closed).
int socket(const QSqlDatabase &db);

/// Runs one statement on an open QPSQL connection with its parameters out of line ($1, $2, …,
/// as text). QPSQL inlines every bound value into the statement as an escaped literal: for a
/// batch of plays that was six copies of the document on the client and a literal the server
/// scans again. Here the bytes go to libpq as they are. The rows the statement returns are
/// dropped. Returns an invalid QSqlError on success; the statement's error (with its SQLSTATE
/// as the native code, like QPSQL's) otherwise.
///
/// libpq is the one the QPSQL plugin loaded: no headers, no link, no build dependency. The
/// statement shares the connection (and its transaction) with QSqlQuery: nothing else may be
/// pending on it, as for any QSqlQuery.
QSqlError execParams(const QSqlDatabase &db, const QByteArray &sql,
                     const QList<QByteArray> &params);

} // namespace Engine::Libpq

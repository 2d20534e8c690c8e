#pragma once

#include <QList>
#include <QString>
#include <QVariant>

#include <functional>

#include <utility>

class QSqlQuery;

namespace Engine {

/// Named values for a statement's :placeholders.
using Bindings = QList<std::pair<QString, QVariant>>;

/// Runs a statement that runs once (a command's read, a metrics query) in one round trip.
///
/// QPSQL turns prepare() and exec() into PREPARE, EXECUTE and, when the query goes, DEALLOCATE:
/// three round trips where one does, which through a database on another host is most of a
/// command's time. Here the values are written into the statement by the driver's own
/// formatValue, the escaping QPSQL applies to EXECUTE's arguments, and the statement goes as one
/// simple query. Other drivers (SQLite: no round trips) prepare and bind as usual. Statements
/// run many times belong in a prepared query kept for the connection (JobQueue::prepared).
///
/// Returns query.exec()'s result; query.lastError() says what failed.
bool execOneShot(QSqlQuery &query, const QString &sql, const Bindings &bindings = {});

/// sql with each :name of bindings replaced by format(value); quoted text, quoted identifiers,
/// comments and "::" casts are left alone, as are names without a binding.
QString inlinePlaceholders(const QString &sql, const Bindings &bindings,
                           const std::function<QString(const QVariant &)> &format);

} // namespace Engine

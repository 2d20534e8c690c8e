#pragma once

#include <QByteArray>
#include <QList>
#include <QSqlDatabase>
#include <QSqlError>
#include <QStringList>
#include <QVariant>

namespace Engine::Libpq {

/// The socket of an open QPSQL connection, or -1 (another driver, or closed).
int socket(const QSqlDatabase &db);

/// The rows a statement returned, as QPSQL would hand them over: text as QString, booleans as
/// bool, NULL as an invalid QVariant (numbers and timestamps stay text, which QVariant and
/// SqlDialect::toUtc convert).
struct Rows
{
    QStringList columns;
    QList<QVariantList> values;
};

/// Runs one statement on an open QPSQL connection with its parameters out of line ($1, $2, …,
/// as text). QPSQL inlines every bound value into the statement as an escaped literal: for a
/// batch of plays that was six copies of the document on the client and a literal the server
/// scans again. Here the bytes go to libpq as they are. The rows the statement returns go to
/// `rows` when it is given. Returns an invalid QSqlError on success; the statement's error (with
/// its SQLSTATE as the native code, like QPSQL's) otherwise.
///
/// libpq is the one the QPSQL plugin loaded: no headers, no link, no build dependency. The
/// statement shares the connection (and its transaction) with QSqlQuery: nothing else may be
/// pending on it, as for any QSqlQuery.
QSqlError execParams(const QSqlDatabase &db, const QByteArray &sql,
                     const QList<QByteArray> &params, Rows *rows = nullptr);

/// A statement run many times on one connection: prepared (its $n typed by their use) the
/// first time it runs, so that later runs skip the parsing and planning, which for a large
/// statement cost more than running it; prepared again when the session lost it (a new session
/// after a reconnect: SQLSTATE 26000). Runs as execParams does.
class PreparedStatement
{
public:
    PreparedStatement(QByteArray name, QByteArray sql);
    QSqlError exec(const QSqlDatabase &db, const QList<QByteArray> &params, Rows *rows);

private:
    QByteArray m_name;
    QByteArray m_sql;
    bool m_prepared = false;
};

/// sql with its :name placeholders (QSqlQuery's) numbered $1, $2, … in the order of names.
QByteArray positional(const QString &sql, const QStringList &names);

/// Statements sent one after another on an open QPSQL connection without waiting for each
/// one's result (libpq's pipeline mode): the server starts the next as soon as it finished the
/// last, instead of idling for a round trip and for the client to send it. At most two are in
/// flight. Meant inside a transaction, where a failed statement fails the ones after it, so
/// that the first error is the one that counts. Where libpq has no pipeline mode (before 14)
/// each statement runs as execParams does.
///
/// While a Pipeline lives, nothing else may use the connection: QSqlQuery's synchronous calls
/// fail in pipeline mode. The destructor waits for what is in flight and leaves the mode.
class Pipeline
{
public:
    explicit Pipeline(const QSqlDatabase &db);
    ~Pipeline();
    Pipeline(const Pipeline &) = delete;
    Pipeline &operator=(const Pipeline &) = delete;

    /// Sends one statement ($1, $2, … as text); the error of an earlier statement, if one came
    /// back meanwhile (this one is then not sent).
    QSqlError send(const QByteArray &sql, const QList<QByteArray> &params);
    /// Waits for every statement sent; the first error among them.
    QSqlError finish();

private:
    QSqlError receiveOldest();

    void *m_conn = nullptr;
    bool m_pipelined = false;
    QSqlDatabase m_db;
    int m_inFlight = 0;
    QSqlError m_error;
};

} // namespace Engine::Libpq

#include "engine/libpq.h"

#include "engine/database.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QVariant>

#include <dlfcn.h>

namespace Engine::Libpq {

namespace {

// The few libpq entry points used, by their C signatures (PGconn and PGresult are opaque).
struct Functions
{
    using ExecParams = void *(*)(void *conn, const char *command, int nParams,
                                 const unsigned *paramTypes, const char *const *paramValues,
                                 const int *paramLengths, const int *paramFormats,
                                 int resultFormat);
    using ResultStatus = int (*)(const void *result);
    using ResultErrorField = char *(*)(const void *result, int fieldCode);
    using ErrorMessage = char *(*)(const void *conn);
    using Clear = void (*)(void *result);
    using Socket = int (*)(const void *conn);

    ExecParams execParams = nullptr;
    ResultStatus resultStatus = nullptr;
    ResultErrorField resultErrorField = nullptr;
    ErrorMessage errorMessage = nullptr;
    Clear clear = nullptr;
    Socket socket = nullptr;

    bool complete() const
    {
        return execParams && resultStatus && resultErrorField && errorMessage && clear && socket;
    }
};

// libpq-fe.h's values (part of its ABI).
constexpr int kCommandOk = 1;     // PGRES_COMMAND_OK
constexpr int kTuplesOk = 2;      // PGRES_TUPLES_OK
constexpr int kSqlStateField = 'C'; // PG_DIAG_SQLSTATE

/// The functions of the libpq that the QPSQL plugin loaded; none before it was loaded (the
/// first QPSQL connection loads it, and only then is there a handle to use them on).
const Functions *functions()
{
    static const Functions resolved = [] {
        Functions f;
        void *libpq = dlopen("libpq.so.5", RTLD_LAZY | RTLD_NOLOAD);
        if (!libpq)
            return f;
        f.execParams = reinterpret_cast<Functions::ExecParams>(dlsym(libpq, "PQexecParams"));
        f.resultStatus = reinterpret_cast<Functions::ResultStatus>(dlsym(libpq, "PQresultStatus"));
        f.resultErrorField =
            reinterpret_cast<Functions::ResultErrorField>(dlsym(libpq, "PQresultErrorField"));
        f.errorMessage = reinterpret_cast<Functions::ErrorMessage>(dlsym(libpq, "PQerrorMessage"));
        f.clear = reinterpret_cast<Functions::Clear>(dlsym(libpq, "PQclear"));
        f.socket = reinterpret_cast<Functions::Socket>(dlsym(libpq, "PQsocket"));
        dlclose(libpq); // the plugin keeps it loaded
        return f;
    }();
    return resolved.complete() ? &resolved : nullptr;
}

/// The PGconn* of an open QPSQL connection, or null.
void *connection(const QSqlDatabase &db)
{
    if (!Database::isPostgres(db) || !db.isOpen())
        return nullptr;
    const QVariant handle = db.driver()->handle();
    // A PGconn* (its metatype is named after the struct, "pg_conn*").
    if (!handle.isValid() || !(handle.metaType().flags() & QMetaType::IsPointer))
        return nullptr;
    return *static_cast<void *const *>(handle.constData());
}

} // namespace

int socket(const QSqlDatabase &db)
{
    void *conn = connection(db);
    const Functions *f = conn ? functions() : nullptr;
    return f ? f->socket(conn) : -1;
}

QSqlError execParams(const QSqlDatabase &db, const QByteArray &sql,
                     const QList<QByteArray> &params)
{
    void *conn = connection(db);
    const Functions *f = conn ? functions() : nullptr;
    if (!f)
        return QSqlError(QStringLiteral("libpq"),
                         QStringLiteral("Not an open PostgreSQL connection"),
                         QSqlError::ConnectionError);
    QList<const char *> values;
    QList<int> lengths;
    values.reserve(params.size());
    lengths.reserve(params.size());
    for (const QByteArray &param : params) {
        values << (param.isNull() ? nullptr : param.constData());
        lengths << int(param.size());
    }
    void *result = f->execParams(conn, sql.constData(), int(params.size()), nullptr,
                                 values.constData(), lengths.constData(), nullptr, 0);
    const int status = result ? f->resultStatus(result) : -1;
    QSqlError error;
    if (status != kCommandOk && status != kTuplesOk) {
        // Worded as QPSQL words it, so that callers read both the same way.
        const QString code = result ? QString::fromLatin1(f->resultErrorField(result, kSqlStateField))
                                    : QString();
        QString message = QString::fromUtf8(f->errorMessage(conn));
        if (!code.isEmpty())
            message += QStringLiteral("(%1)").arg(code);
        error = QSqlError(QStringLiteral("QPSQL: Unable to create query"), message,
                          QSqlError::StatementError, code);
    }
    if (result)
        f->clear(result);
    return error;
}

} // namespace Engine::Libpq

#include "engine/libpq.h"

#include "engine/database.h"
#include "engine/oneshotquery.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QVariant>

#include <dlfcn.h>

#include <type_traits>
#include <utility>

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
    using SendQueryParams = int (*)(void *conn, const char *command, int nParams,
                                    const unsigned *paramTypes, const char *const *paramValues,
                                    const int *paramLengths, const int *paramFormats,
                                    int resultFormat);
    using GetResult = void *(*)(void *conn);
    using ConnFunction = int (*)(void *conn);
    using Prepare = void *(*)(void *conn, const char *name, const char *query, int nParams,
                              const unsigned *paramTypes);
    using ExecPrepared = void *(*)(void *conn, const char *name, int nParams,
                                   const char *const *paramValues, const int *paramLengths,
                                   const int *paramFormats, int resultFormat);
    using ResultCount = int (*)(const void *result);
    using FieldName = char *(*)(const void *result, int column);
    using FieldType = unsigned (*)(const void *result, int column);
    using GetValue = char *(*)(const void *result, int row, int column);
    using GetCell = int (*)(const void *result, int row, int column);

    ExecParams execParams = nullptr;
    ResultStatus resultStatus = nullptr;
    ResultErrorField resultErrorField = nullptr;
    ErrorMessage errorMessage = nullptr;
    Clear clear = nullptr;
    Socket socket = nullptr;
    Prepare prepare = nullptr;
    ExecPrepared execPrepared = nullptr;
    ResultCount ntuples = nullptr;
    ResultCount nfields = nullptr;
    FieldName fname = nullptr;
    FieldType ftype = nullptr;
    GetValue getvalue = nullptr;
    GetCell getlength = nullptr;
    GetCell getisnull = nullptr;
    // Pipeline mode (libpq 14 and later): all set, or none used.
    SendQueryParams sendQueryParams = nullptr;
    GetResult getResult = nullptr;
    ConnFunction enterPipelineMode = nullptr;
    ConnFunction exitPipelineMode = nullptr;
    ConnFunction pipelineSync = nullptr;

    bool hasPipelineMode() const
    {
        return sendQueryParams && getResult && enterPipelineMode && exitPipelineMode
               && pipelineSync;
    }

    bool complete() const
    {
        return execParams && resultStatus && resultErrorField && errorMessage && clear && socket
               && prepare && execPrepared && ntuples && nfields && fname && ftype && getvalue
               && getlength && getisnull;
    }
};

// libpq-fe.h's values (part of its ABI).
constexpr int kCommandOk = 1;     // PGRES_COMMAND_OK
constexpr int kTuplesOk = 2;      // PGRES_TUPLES_OK
constexpr int kPipelineSync = 10;    // PGRES_PIPELINE_SYNC
constexpr int kPipelineAborted = 11; // PGRES_PIPELINE_ABORTED
constexpr int kSqlStateField = 'C'; // PG_DIAG_SQLSTATE
constexpr unsigned kBoolOid = 16;   // pg_type's "bool"

/// The functions of the libpq that the QPSQL plugin loaded; none before it was loaded (the
/// first QPSQL connection loads it, and only then is there a handle to use them on).
const Functions *functions()
{
    static const Functions resolved = [] {
        Functions f;
        void *libpq = dlopen("libpq.so.5", RTLD_LAZY | RTLD_NOLOAD);
        if (!libpq)
            return f;
        const auto resolve = [libpq](auto &function, const char *name) {
            function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(
                dlsym(libpq, name));
        };
        resolve(f.execParams, "PQexecParams");
        resolve(f.resultStatus, "PQresultStatus");
        resolve(f.resultErrorField, "PQresultErrorField");
        resolve(f.errorMessage, "PQerrorMessage");
        resolve(f.clear, "PQclear");
        resolve(f.socket, "PQsocket");
        resolve(f.prepare, "PQprepare");
        resolve(f.execPrepared, "PQexecPrepared");
        resolve(f.ntuples, "PQntuples");
        resolve(f.nfields, "PQnfields");
        resolve(f.fname, "PQfname");
        resolve(f.ftype, "PQftype");
        resolve(f.getvalue, "PQgetvalue");
        resolve(f.getlength, "PQgetlength");
        resolve(f.getisnull, "PQgetisnull");
        resolve(f.sendQueryParams, "PQsendQueryParams");
        resolve(f.getResult, "PQgetResult");
        resolve(f.enterPipelineMode, "PQenterPipelineMode");
        resolve(f.exitPipelineMode, "PQexitPipelineMode");
        resolve(f.pipelineSync, "PQpipelineSync");
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

/// Parameters as libpq takes them: pointers (null for NULL) and lengths.
struct ParamArrays
{
    explicit ParamArrays(const QList<QByteArray> &params)
    {
        values.reserve(params.size());
        lengths.reserve(params.size());
        for (const QByteArray &param : params) {
            values << (param.isNull() ? nullptr : param.constData());
            lengths << int(param.size());
        }
    }
    QList<const char *> values;
    QList<int> lengths;
};

/// No error for a result that succeeded; otherwise the error worded as QPSQL words it, so that
/// callers read both the same way (a null result: the connection's message).
QSqlError resultError(const Functions &f, void *conn, const void *result)
{
    const int status = result ? f.resultStatus(result) : -1;
    if (status == kCommandOk || status == kTuplesOk)
        return {};
    const QString code = result ? QString::fromLatin1(f.resultErrorField(result, kSqlStateField))
                                : QString();
    QString message = QString::fromUtf8(f.errorMessage(conn));
    if (!code.isEmpty())
        message += QStringLiteral("(%1)").arg(code);
    return QSqlError(QStringLiteral("QPSQL: Unable to create query"), message,
                     QSqlError::StatementError, code);
}

QSqlError notOpen()
{
    return QSqlError(QStringLiteral("libpq"), QStringLiteral("Not an open PostgreSQL connection"),
                     QSqlError::ConnectionError);
}

Rows rowsOf(const Functions &f, const void *result)
{
    Rows rows;
    const int columns = f.nfields(result);
    QList<bool> isBool;
    for (int c = 0; c < columns; ++c) {
        rows.columns << QString::fromUtf8(f.fname(result, c));
        isBool << (f.ftype(result, c) == kBoolOid);
    }
    const int count = f.ntuples(result);
    rows.values.reserve(count);
    for (int r = 0; r < count; ++r) {
        QVariantList row;
        row.reserve(columns);
        for (int c = 0; c < columns; ++c) {
            if (f.getisnull(result, r, c))
                row << QVariant();
            else if (isBool.at(c))
                row << QVariant(*f.getvalue(result, r, c) == 't');
            else
                row << QVariant(QString::fromUtf8(f.getvalue(result, r, c),
                                                  f.getlength(result, r, c)));
        }
        rows.values << row;
    }
    return rows;
}

/// The error of a statement's result (and its rows, when asked for); frees the result.
QSqlError takeResult(const Functions &f, void *conn, void *result, Rows *rows)
{
    const QSqlError error = resultError(f, conn, result);
    if (rows && !error.isValid())
        *rows = rowsOf(f, result);
    if (result)
        f.clear(result);
    return error;
}

/// call(functions, PGconn*) on an open QPSQL connection; the "not open" error otherwise.
template<typename Call>
QSqlError onConnection(const QSqlDatabase &db, const Call &call)
{
    void *conn = connection(db);
    const Functions *f = conn ? functions() : nullptr;
    return f ? call(*f, conn) : notOpen();
}

} // namespace

int socket(const QSqlDatabase &db)
{
    void *conn = connection(db);
    const Functions *f = conn ? functions() : nullptr;
    return f ? f->socket(conn) : -1;
}

QSqlError execParams(const QSqlDatabase &db, const QByteArray &sql,
                     const QList<QByteArray> &params, Rows *rows)
{
    return onConnection(db, [&](const Functions &f, void *conn) {
        const ParamArrays arrays(params);
        return takeResult(f, conn,
                          f.execParams(conn, sql.constData(), int(params.size()), nullptr,
                                       arrays.values.constData(), arrays.lengths.constData(),
                                       nullptr, 0),
                          rows);
    });
}

PreparedStatement::PreparedStatement(QByteArray name, QByteArray sql)
    : m_name(std::move(name))
    , m_sql(std::move(sql))
{}

QSqlError PreparedStatement::exec(const QSqlDatabase &db, const QList<QByteArray> &params,
                                  Rows *rows)
{
    return onConnection(db, [&](const Functions &f, void *conn) {
        QSqlError error;
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (!m_prepared) {
                error = takeResult(
                    f, conn, f.prepare(conn, m_name.constData(), m_sql.constData(), 0, nullptr),
                    nullptr);
                // duplicate_prepared_statement: another user of the connection prepared it
                if (error.isValid() && error.nativeErrorCode() != QLatin1String("42P05"))
                    return error;
                m_prepared = true;
            }
            const ParamArrays arrays(params);
            error = takeResult(
                f, conn,
                f.execPrepared(conn, m_name.constData(), int(params.size()),
                               arrays.values.constData(), arrays.lengths.constData(), nullptr, 0),
                rows);
            if (error.nativeErrorCode() != QLatin1String("26000")) // invalid_sql_statement_name
                return error;
            m_prepared = false; // a new session: prepare again
        }
        return error;
    });
}

QByteArray positional(const QString &sql, const QStringList &names)
{
    Bindings numbers;
    for (qsizetype i = 0; i < names.size(); ++i)
        numbers.append({names.at(i), QVariant(qlonglong(i + 1))});
    return inlinePlaceholders(sql, numbers, [](const QVariant &number) {
               return QLatin1Char('$') + number.toString();
           })
        .toUtf8();
}

Pipeline::Pipeline(const QSqlDatabase &db)
    : m_conn(connection(db))
    , m_db(db)
{
    const Functions *f = m_conn ? functions() : nullptr;
    m_pipelined = f && f->hasPipelineMode() && f->enterPipelineMode(m_conn) == 1;
}

Pipeline::~Pipeline()
{
    finish();
}

QSqlError Pipeline::send(const QByteArray &sql, const QList<QByteArray> &params)
{
    if (!m_pipelined) {
        if (!m_error.isValid())
            m_error = execParams(m_db, sql, params);
        return m_error;
    }
    const Functions *f = functions();
    if (m_inFlight >= 2) {
        const QSqlError error = receiveOldest();
        if (!m_error.isValid())
            m_error = error;
    }
    if (m_error.isValid())
        return m_error;
    const ParamArrays arrays(params);
    if (f->sendQueryParams(m_conn, sql.constData(), int(params.size()), nullptr,
                           arrays.values.constData(), arrays.lengths.constData(), nullptr, 0) != 1
        || f->pipelineSync(m_conn) != 1) {
        m_error = resultError(*f, m_conn, nullptr);
        return m_error;
    }
    ++m_inFlight;
    return {};
}

QSqlError Pipeline::finish()
{
    if (!m_pipelined)
        return m_error;
    while (m_inFlight > 0) {
        const QSqlError error = receiveOldest();
        if (!m_error.isValid())
            m_error = error;
    }
    functions()->exitPipelineMode(m_conn);
    m_pipelined = false;
    return m_error;
}

QSqlError Pipeline::receiveOldest()
{
    // A statement's results, then a null, then its sync's result. Two nulls in a row mean the
    // connection broke: nothing more will come.
    const Functions *f = functions();
    QSqlError error;
    int nulls = 0;
    for (;;) {
        void *result = f->getResult(m_conn);
        if (!result) {
            if (++nulls == 2) {
                m_inFlight = 0;
                return error.isValid() ? error : resultError(*f, m_conn, nullptr);
            }
            continue;
        }
        nulls = 0;
        const int status = f->resultStatus(result);
        if (status == kPipelineSync) {
            f->clear(result);
            break;
        }
        if (!error.isValid() && status != kPipelineAborted)
            error = resultError(*f, m_conn, result);
        f->clear(result);
    }
    --m_inFlight;
    return error;
}

} // namespace Engine::Libpq

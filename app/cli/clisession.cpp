#include "app/cli/clisession.h"

#include "app/cli/clierror.h"
#include "engine/joberrors.h"
#include "engine/migrations.h"
#include "engine/oneshotquery.h"

#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

namespace Cli {

CliSession::CliSession(const Engine::DatabaseUrl &url)
    : m_url(url)
{}

CliSession::~CliSession()
{
    // The queue's prepared statements must go before the connection is removed.
    m_queue.reset();
    m_connection.reset();
}

void CliSession::open(bool migrate)
{
    m_connection = std::make_unique<Engine::ScopedConnection>(m_url, QStringLiteral("cli"));
    if (!m_connection->isOpen())
        throw CliError(m_connection->error());
    if (migrate) {
        if (const auto migrated = Engine::Migrations::migrate(m_connection->database()); !migrated)
            throw CliError(migrated.error().message);
    }
}

QSqlDatabase CliSession::database() const
{
    return m_connection ? m_connection->database() : QSqlDatabase();
}

Engine::JobQueue &CliSession::queue()
{
    if (!m_queue)
        m_queue = std::make_unique<Engine::JobQueue>(database());
    return *m_queue;
}

QString CliSession::resolveJobId(const QString &idOrPrefix)
{
    const QString wanted = idOrPrefix.trimmed();
    if (wanted.isEmpty())
        throw CliError::usage(QStringLiteral("A job id is empty"));
    QSqlQuery query(database());
    // An exact match wins even if it is also the prefix of a longer id.
    if (!Engine::execOneShot(query, QStringLiteral(R"(SELECT "id" FROM "ParseJob" WHERE "id" = :id)"),
                             {{QStringLiteral(":id"), wanted}}))
        throw CliError(Engine::Database::describeError(query.lastError(), m_url));
    if (query.next())
        return wanted;
    query.finish();
    // Prefix lookups only for something that looks like the start of an id: LIKE patterns in
    // the input must not match arbitrary jobs.
    const bool looksLikeId = wanted.size() >= 4
        && std::all_of(wanted.cbegin(), wanted.cend(), [](QChar c) {
               return (c.isLetterOrNumber() && c.unicode() < 128) || c == QLatin1Char('-');
           });
    if (looksLikeId) {
        if (!Engine::execOneShot(query, QStringLiteral(R"(SELECT "id" FROM "ParseJob"
                                         WHERE "id" LIKE :prefix ORDER BY "id" LIMIT 2)"),
                                 {{QStringLiteral(":prefix"), wanted + QLatin1Char('%')}}))
            throw CliError(Engine::Database::describeError(query.lastError(), m_url));
        QStringList matches;
        while (query.next())
            matches << query.value(0).toString();
        if (matches.size() == 1)
            return matches.constFirst();
        if (matches.size() > 1)
            throw CliError(QStringLiteral("Job id prefix %1 is ambiguous: it matches %2, %3, …")
                               .arg(wanted, matches.at(0), matches.at(1)));
    }
    throw CliError(Engine::JobNotFoundError(wanted).message());
}

QStringList CliSession::resolveJobIds(const QStringList &idsOrPrefixes)
{
    QStringList ids;
    for (const QString &argument : idsOrPrefixes)
        ids << resolveJobId(argument);
    return ids;
}

} // namespace Cli

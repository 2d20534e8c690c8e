#pragma once

#include "engine/database.h"
#include "engine/databaseurl.h"
#include "engine/jobqueue.h"

#include <memory>

namespace Cli {

/// The database a command works on: one connection, migrated on open, and the JobQueue over it.
/// Failures throw CliError with the engine's one-line message (never the password).
class CliSession final
{
public:
    explicit CliSession(const Engine::DatabaseUrl &url);
    ~CliSession();

    /// Opens the connection; with migrate, brings the schema up to date first (and refuses a
    /// database newer than this build).
    void open(bool migrate = true);

    const Engine::DatabaseUrl &url() const { return m_url; }
    QSqlDatabase database() const;
    Engine::JobQueue &queue();

    /// A full job id, or a unique prefix of one (as git does with commits).
    QString resolveJobId(const QString &idOrPrefix);
    /// Every argument resolved before anything is changed: a typo in the third id must not
    /// leave the first two changed.
    QStringList resolveJobIds(const QStringList &idsOrPrefixes);

private:
    Engine::DatabaseUrl m_url;
    std::unique_ptr<Engine::ScopedConnection> m_connection;
    std::unique_ptr<Engine::JobQueue> m_queue;
};

} // namespace Cli

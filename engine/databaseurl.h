#pragma once

#include "engine/engineerror.h"

#include <QString>

namespace Engine {

/// Where the queue lives: `sqlite:///abs/path.db`, `sqlite:rel/path.db` or
/// `postgres://user:pass@host:port/db?sslmode=…`.
struct DatabaseUrl
{
    enum class Kind { Sqlite, Postgres };

    Kind kind = Kind::Sqlite;
    QString sqlitePath;
    QString host;
    int port = 5432;
    QString database;
    QString user;
    QString password;
    QString sslMode;
    int connectTimeoutSeconds = 5;

    /// The URL, or an InvalidInput error saying what is wrong with it.
    static Expected<DatabaseUrl> parse(const QString &url);
    /// The embedded SQLite file in the app data folder.
    static DatabaseUrl defaultUrl();
    /// CALLBOARD_DB if set, else the default.
    static Expected<DatabaseUrl> fromEnvironment();

    bool isPostgres() const { return kind == Kind::Postgres; }
    /// The URL with the password masked: safe for titles, logs and error messages.
    QString displayString() const;
    /// The URL including the password; never print it.
    QString toUrlString() const;
};

} // namespace Engine

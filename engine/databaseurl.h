#pragma once

#include <QString>

#include <optional>

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

    static std::optional<DatabaseUrl> parse(const QString &url, QString *error);
    /// The embedded SQLite file in the app data folder.
    static DatabaseUrl defaultUrl();
    /// CALLBOARD_DB if set, else the default.
    static std::optional<DatabaseUrl> fromEnvironment(QString *error);

    bool isPostgres() const { return kind == Kind::Postgres; }
    /// The URL with the password masked: safe for titles, logs and error messages.
    QString displayString() const;
    /// The URL including the password; never print it.
    QString toUrlString() const;
};

} // namespace Engine

#pragma once

#include "engine/databaseurl.h"
#include "testprinters.h"

#include <QSqlDatabase>
#include <QString>
#include <QTemporaryDir>

#include <memory>

/// Verifies that an Engine::Expected succeeded, and prints its error otherwise.
#define QVERIFY_OK(expression)                                                                    \
    do {                                                                                          \
        const auto expected_ = (expression);                                                      \
        QVERIFY2(expected_.ok(), qPrintable(expected_.error().message));                          \
    } while (false)

/// A fresh, migrated database for one test: a new SQLite file, or a new database on the
/// PostgreSQL server that the test run started (CALLBOARD_TEST_PG_URL). There is no skipping:
/// a test asked to run on PostgreSQL fails when the server is not there.
class TestDatabase final
{
public:
    /// Adds the "backend" column and one row per database kind.
    static void addBackendColumn();
    static void addBackendRows(const char *tagPrefix = "");
    /// The admin URL of the test PostgreSQL server; empty (and a failure reason) if unset.
    static QString postgresAdminUrl(QString *error);

    explicit TestDatabase(const QString &backend);
    /// Reopens the test's connection after the server went away (a restart test).
    static void reopen(TestDatabase &database);
    ~TestDatabase();

    bool isValid() const { return m_valid; }
    QString error() const { return m_error; }
    Engine::DatabaseUrl url() const { return m_url; }
    QString urlString() const { return m_url.toUrlString(); }
    /// The connection opened for the test's own thread.
    QSqlDatabase db() const { return m_db; }
    bool isPostgres() const { return m_url.isPostgres(); }

private:
    bool m_valid = false;
    QString m_error;
    Engine::DatabaseUrl m_url;
    QString m_connection;
    QSqlDatabase m_db;
    std::unique_ptr<QTemporaryDir> m_dir;
};

/// QVERIFY-style guard for the start of a data-driven test.
#define OPEN_TEST_DATABASE(var)                                                                  \
    QFETCH(QString, backend);                                                                    \
    TestDatabase var(backend);                                                                   \
    QVERIFY2(var.isValid(), qPrintable(var.error()))

#include "testdatabase.h"

#include "engine/database.h"
#include "engine/migrations.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QUuid>

void TestDatabase::addBackendColumn()
{
    QTest::addColumn<QString>("backend");
}

void TestDatabase::addBackendRows(const char *tagPrefix)
{
    QTest::newRow(qPrintable(QStringLiteral("%1sqlite").arg(QLatin1String(tagPrefix))))
        << QStringLiteral("sqlite");
    QTest::newRow(qPrintable(QStringLiteral("%1postgres").arg(QLatin1String(tagPrefix))))
        << QStringLiteral("postgres");
}

QString TestDatabase::postgresAdminUrl(QString *error)
{
    const QString url = qEnvironmentVariable("CALLBOARD_TEST_PG_URL");
    if (url.isEmpty())
        *error = QStringLiteral("CALLBOARD_TEST_PG_URL is not set: run the tests through "
                                "scripts/test.sh, which starts a PostgreSQL server");
    return url;
}

TestDatabase::TestDatabase(const QString &backend)
{
    m_connection = Engine::Database::uniqueConnectionName(QStringLiteral("test"));
    if (backend == QLatin1String("sqlite")) {
        m_dir = std::make_unique<QTemporaryDir>();
        m_url.kind = Engine::DatabaseUrl::Kind::Sqlite;
        m_url.sqlitePath = m_dir->filePath(QStringLiteral("queue.db"));
    } else {
        const QString admin = postgresAdminUrl(&m_error);
        if (admin.isEmpty())
            return;
        const auto adminUrl = Engine::DatabaseUrl::parse(admin);
        if (!adminUrl) {
            m_error = adminUrl.error().message;
            return;
        }
        const QString name = QStringLiteral("cbtest_")
                             + QUuid::createUuid().toString(QUuid::Id128).left(16);
        {
            const auto opened
                = Engine::Database::open(*adminUrl, m_connection + QStringLiteral("-admin"));
            if (!opened) {
                m_error = opened.error().message;
                return;
            }
            QSqlDatabase adminDb = *opened;
            QSqlQuery create(adminDb);
            if (!create.exec(QStringLiteral("CREATE DATABASE %1").arg(name))) {
                m_error = create.lastError().text();
                return;
            }
            adminDb.close();
        }
        QSqlDatabase::removeDatabase(m_connection + QStringLiteral("-admin"));
        m_url = *adminUrl;
        m_url.database = name;
    }
    const auto opened = Engine::Database::open(m_url, m_connection);
    if (!opened) {
        m_error = opened.error().message;
        return;
    }
    m_db = *opened;
    if (const auto migrated = Engine::Migrations::migrate(m_db); !migrated) {
        m_error = migrated.error().message;
        return;
    }
    m_valid = true;
}

TestDatabase::~TestDatabase()
{
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connection);
}

void TestDatabase::reopen(TestDatabase &database)
{
    database.m_db.close();
    for (int attempt = 0; attempt < 50; ++attempt) {
        if (database.m_db.open())
            return;
        QTest::qWait(200);
    }
}

#include "engine/databaseurl.h"

#include <QDir>
#include <QTest>

using namespace Engine;

class TestDatabaseUrl final : public QObject
{
    Q_OBJECT

private slots:
    void sqliteForms();
    void postgresForm();
    void passwordIsMasked();
    void rejectsBadUrls_data();
    void rejectsBadUrls();
};

void TestDatabaseUrl::sqliteForms()
{
    auto absolute = DatabaseUrl::parse(QStringLiteral("sqlite:///tmp/x/queue.db"));
    QVERIFY(absolute);
    QCOMPARE(absolute->kind, DatabaseUrl::Kind::Sqlite);
    QCOMPARE(absolute->sqlitePath, QStringLiteral("/tmp/x/queue.db"));
    auto relative = DatabaseUrl::parse(QStringLiteral("sqlite:data/q.db"));
    QVERIFY(relative);
    QCOMPARE(relative->sqlitePath, QDir::current().absoluteFilePath(QStringLiteral("data/q.db")));
}

void TestDatabaseUrl::postgresForm()
{
    auto url = DatabaseUrl::parse(
        QStringLiteral("postgres://ann:s%40cret@db.example:6543/plays?sslmode=require"));
    QVERIFY2(url, qPrintable(url.error().message));
    QVERIFY(url->isPostgres());
    QCOMPARE(url->host, QStringLiteral("db.example"));
    QCOMPARE(url->port, 6543);
    QCOMPARE(url->database, QStringLiteral("plays"));
    QCOMPARE(url->user, QStringLiteral("ann"));
    QCOMPARE(url->password, QStringLiteral("s@cret"));
    QCOMPARE(url->sslMode, QStringLiteral("require"));
    auto back = DatabaseUrl::parse(url->toUrlString());
    QVERIFY(back);
    QCOMPARE(back->password, QStringLiteral("s@cret"));
}

void TestDatabaseUrl::passwordIsMasked()
{
    auto url = DatabaseUrl::parse(QStringLiteral("postgres://ann:topsecret@h:5432/d"));
    QVERIFY(url);
    QVERIFY(!url->displayString().contains(QStringLiteral("topsecret")));
    QVERIFY(url->displayString().contains(QStringLiteral("ann:***@h:5432/d")));
}

void TestDatabaseUrl::rejectsBadUrls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("expected");
    QTest::newRow("scheme") << "mysql://h/d" << "Unsupported database URL";
    QTest::newRow("empty sqlite") << "sqlite:" << "names no SQLite file";
    QTest::newRow("no host") << "postgres:///d" << "not a valid postgres";
    QTest::newRow("sslmode") << "postgres://h/d?sslmode=sometimes" << "Unknown sslmode";
    QTest::newRow("no database") << "postgres://ann@h:5432" << "names no database";
    QTest::newRow("no database, slash") << "postgres://ann@h:5432/?sslmode=require"
                                        << "names no database";
}

void TestDatabaseUrl::rejectsBadUrls()
{
    QFETCH(QString, url);
    QFETCH(QString, expected);
    const auto parsed = DatabaseUrl::parse(url);
    QVERIFY(!parsed);
    QCOMPARE(parsed.error().kind, Error::Kind::InvalidInput);
    const QString error = parsed.error().message;
    QVERIFY2(error.contains(expected), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestDatabaseUrl)
#include "tst_databaseurl.moc"

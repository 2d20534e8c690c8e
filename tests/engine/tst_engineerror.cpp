#include "engine/database.h"
#include "engine/databaseurl.h"
#include "engine/engineerror.h"
#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "engine/migrations.h"
#include "testdatabase.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Engine;

// The one error model at the engine boundary: every failure carries a kind a caller can act on.
class TestEngineError final : public QObject
{
    Q_OBJECT

private slots:
    void expectedHoldsAValueOrAnError();
    void badUrlIsInvalidInput();
    void jobErrorsCarryTheirKind();
    void missingJobIsNotFound();
    void foreignSqliteFileIsSchema();
};

void TestEngineError::expectedHoldsAValueOrAnError()
{
    const Expected<int> value = 42;
    QVERIFY(value.ok());
    QVERIFY(bool(value));
    QCOMPARE(*value, 42);
    QCOMPARE(value.value(), 42);
    QVERIFY(value.error().message.isEmpty());

    const Expected<QString> failed = Error(Error::Kind::NotFound, QStringLiteral("gone"), QStringLiteral("j1"));
    QVERIFY(!failed);
    QCOMPARE(failed.error().kind, Error::Kind::NotFound);
    QCOMPARE(failed.error().message, QStringLiteral("gone"));
    QCOMPARE(failed.error().jobId, QStringLiteral("j1"));

    const Expected<void> done;
    QVERIFY(done.ok());
    const Expected<void> refused = Error(Error::Kind::Schema, QStringLiteral("not ours"));
    QVERIFY(!refused);
    QCOMPARE(refused.error().kind, Error::Kind::Schema);
    QCOMPARE(refused.error().message, QStringLiteral("not ours"));
}

void TestEngineError::badUrlIsInvalidInput()
{
    const auto url = DatabaseUrl::parse(QStringLiteral("mysql://db/queue"));
    QVERIFY(!url);
    QCOMPARE(url.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(url.error().message,
             QString::fromUtf8("Unsupported database URL 'mysql://db/queue': use sqlite:PATH or "
                               "postgres://…"));
    QVERIFY(url.error().jobId.isEmpty());

    const auto noDatabase = DatabaseUrl::parse(QStringLiteral("postgres://ann@h:5432"));
    QVERIFY(!noDatabase);
    QCOMPARE(noDatabase.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(noDatabase.error().message,
             QStringLiteral("Database URL names no database (expected "
                            "postgres://user@host:port/database)"));
}

void TestEngineError::jobErrorsCarryTheirKind()
{
    const JobNotFoundError notFound(QStringLiteral("j1"));
    QCOMPARE(notFound.error().kind, Error::Kind::NotFound);
    QCOMPARE(notFound.error().jobId, QStringLiteral("j1"));
    QCOMPARE(notFound.error().message, QStringLiteral("No job with id j1"));
    QCOMPARE(notFound.error().message, notFound.message());
    QCOMPARE(QString::fromStdString(notFound.what()), QStringLiteral("No job with id j1"));

    const JobTransitionError transition(QStringLiteral("j2"), JobStatus::Completed, JobStatus::Running);
    QCOMPARE(transition.error().kind, Error::Kind::Transition);
    QCOMPARE(transition.error().jobId, QStringLiteral("j2"));
    QCOMPARE(transition.error().message, transition.message());

    QCOMPARE(JobEnqueueError(QString(), QStringLiteral("empty")).error().kind, Error::Kind::InvalidInput);
    QCOMPARE(JobLockError(QStringLiteral("j3"), QStringLiteral("lost")).error().kind, Error::Kind::LockLost);
    const DatabaseError database(QStringLiteral("j4"), QStringLiteral("Fehler"), QStringLiteral("failure"));
    QCOMPARE(database.error().kind, Error::Kind::Database);
    QCOMPARE(database.error().message, QStringLiteral("Fehler"));
    QCOMPARE(QString::fromStdString(database.what()), QStringLiteral("failure"));
}

void TestEngineError::missingJobIsNotFound()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    JobQueue queue(test.db());
    try {
        queue.pause(QStringLiteral("no-such-job"));
        QFAIL("pausing a job that does not exist did not throw");
    } catch (const JobError &e) {
        QCOMPARE(e.error().kind, Error::Kind::NotFound);
        QCOMPARE(e.error().jobId, QStringLiteral("no-such-job"));
        QCOMPARE(e.error().message, QStringLiteral("No job with id no-such-job"));
    }
}

void TestEngineError::foreignSqliteFileIsSchema()
{
    QTemporaryDir dir;
    DatabaseUrl url;
    url.sqlitePath = dir.filePath(QStringLiteral("other.db"));
    const QString name = Database::uniqueConnectionName(QStringLiteral("foreign"));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(url.sqlitePath);
        QVERIFY(db.open());
        QVERIFY(QSqlQuery(db).exec(QStringLiteral("CREATE TABLE notes (id INTEGER)")));

        const auto owned = Migrations::checkOwnership(db);
        QVERIFY(!owned);
        QCOMPARE(owned.error().kind, Error::Kind::Schema);
        const auto migrated = Migrations::migrate(db);
        QVERIFY(!migrated);
        QCOMPARE(migrated.error().kind, Error::Kind::Schema);
        QCOMPARE(migrated.error().message,
                 QStringLiteral("not a Callboard database (it holds \"notes\"): Callboard leaves "
                                "it as it is; choose another file"));
        const auto version = Migrations::currentVersion(db);
        QVERIFY(version.ok());
        QCOMPARE(*version, 0);
        db.close();
    }
    QSqlDatabase::removeDatabase(name);

    {
        const auto opened = Database::open(url, name);
        QVERIFY(!opened);
        QCOMPARE(opened.error().kind, Error::Kind::Schema);
        QVERIFY2(opened.error().message.startsWith(QStringLiteral("SQLite database %1: not a "
                                                                  "Callboard database")
                                                       .arg(url.sqlitePath)),
                 qPrintable(opened.error().message));
    }
    QSqlDatabase::removeDatabase(name);
}

QTEST_GUILESS_MAIN(TestEngineError)
#include "tst_engineerror.moc"

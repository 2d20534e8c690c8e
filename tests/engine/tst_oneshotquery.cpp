// Statements run once (a command's reads, the metrics) go to PostgreSQL as one query with their
// values written in by the driver: the values must arrive exactly as bound, whatever they hold.
#include "engine/oneshotquery.h"
#include "testdatabase.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace Engine;

class TestOneShotQuery final : public QObject
{
    Q_OBJECT

private slots:
    void placeholdersOutsideQuotesOnly();
    void valuesArriveAsBound_data();
    void valuesArriveAsBound();
    void badStatementFailsWithItsError_data();
    void badStatementFailsWithItsError();
};

void TestOneShotQuery::placeholdersOutsideQuotesOnly()
{
    const Bindings bindings{{QStringLiteral(":a"), 1}, {QStringLiteral(":ab"), 2}};
    const QString sql = QStringLiteral(
        "SELECT ':a', \":a\", :a, CAST(:ab AS text), x::text, 'it''s :a', :missing -- :a\n, :a");
    const QString inlined = inlinePlaceholders(sql, bindings, [](const QVariant &value) {
        return QStringLiteral("<%1>").arg(value.toString());
    });
    QCOMPARE(inlined, QStringLiteral("SELECT ':a', \":a\", <1>, CAST(<2> AS text), x::text, "
                                     "'it''s :a', :missing -- :a\n, <1>"));
}

void TestOneShotQuery::valuesArriveAsBound_data()
{
    TestDatabase::addBackendColumn();
    TestDatabase::addBackendRows();
}

void TestOneShotQuery::valuesArriveAsBound()
{
    QFETCH(QString, backend);
    TestDatabase db(backend);
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    const QString hostile = QStringLiteral("O'Casey \\ \"Juno\" :a '); DROP TABLE \"ParseJob\"; -- ü 劇");
    QSqlQuery query(db.db());
    QVERIFY2(execOneShot(query, QStringLiteral("SELECT :s, :n, :i, :s || '!'"),
                         {{QStringLiteral(":s"), hostile},
                          {QStringLiteral(":n"), QVariant()},
                          {QStringLiteral(":i"), 42}}),
             qPrintable(query.lastError().text()));
    QVERIFY(query.next());
    QCOMPARE(query.value(0).toString(), hostile);
    QVERIFY(query.isNull(1));
    QCOMPARE(query.value(2).toInt(), 42);
    QCOMPARE(query.value(3).toString(), hostile + QLatin1Char('!'));
    QSqlQuery tables(db.db());
    QVERIFY(tables.exec(QStringLiteral(R"(SELECT COUNT(*) FROM "ParseJob")")));
}

void TestOneShotQuery::badStatementFailsWithItsError_data()
{
    TestDatabase::addBackendColumn();
    TestDatabase::addBackendRows();
}

void TestOneShotQuery::badStatementFailsWithItsError()
{
    QFETCH(QString, backend);
    TestDatabase db(backend);
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    QSqlQuery query(db.db());
    QVERIFY(!execOneShot(query, QStringLiteral("SELECT \"id\" FROM \"NoSuchTable\" WHERE \"id\" = :id"),
                         {{QStringLiteral(":id"), QStringLiteral("x")}}));
    QVERIFY2(query.lastError().text().contains(QLatin1String("NoSuchTable")),
             qPrintable(query.lastError().text()));
}

QTEST_GUILESS_MAIN(TestOneShotQuery)
#include "tst_oneshotquery.moc"

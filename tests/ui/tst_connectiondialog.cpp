#include "testdatabase.h"
#include "ui/connectiondialog.h"

#include <QComboBox>
#include <QDirIterator>
#include <QLabel>
#include <QLineEdit>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Engine;

namespace {

template<typename T>
T *child(QWidget &dialog, const char *name)
{
    T *widget = dialog.findChild<T *>(QLatin1String(name));
    if (!widget)
        qFatal("no child %s", name);
    return widget;
}

void fill(ConnectionDialog &dialog, const DatabaseUrl &url)
{
    child<QRadioButton>(dialog, "postgresRadio")->setChecked(true);
    child<QLineEdit>(dialog, "host")->setText(url.host);
    child<QLineEdit>(dialog, "port")->setText(QString::number(url.port));
    child<QLineEdit>(dialog, "database")->setText(url.database);
    child<QLineEdit>(dialog, "user")->setText(url.user);
    child<QLineEdit>(dialog, "password")->setText(url.password);
}

} // namespace

class TestConnectionDialog final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void rejectsBadPort();
    void rejectsUnreachableHost();
    void connectsToTestPostgres();
    void sqliteFileIsTheDefault();
    void passwordNeverInSettingsAndAskedAgainWithoutKeychain();
};

void TestConnectionDialog::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("CallboardTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_connectiondialog"));
    QSettings().clear();
}

void TestConnectionDialog::rejectsBadPort()
{
    ConnectionDialog dialog;
    child<QRadioButton>(dialog, "postgresRadio")->setChecked(true);
    for (const char *port : {"99999", "0", "abc", ""}) {
        child<QLineEdit>(dialog, "port")->setText(QLatin1String(port));
        QSignalSpy finished(&dialog, &ConnectionDialog::testFinished);
        dialog.testConnection();
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().at(0).toBool(), false);
        QVERIFY2(dialog.resultText().contains(QStringLiteral("port")), qPrintable(dialog.resultText()));
        QVERIFY(!dialog.lastTestSucceeded());
    }
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));  // stays open with the message
}

void TestConnectionDialog::rejectsUnreachableHost()
{
    ConnectionDialog dialog;
    DatabaseUrl url;
    url.kind = DatabaseUrl::Kind::Postgres;
    url.host = QStringLiteral("127.0.0.1");
    url.port = 1;  // nothing listens there
    url.database = QStringLiteral("callboard");
    url.user = QStringLiteral("nobody");
    fill(dialog, url);
    QSignalSpy finished(&dialog, &ConnectionDialog::testFinished);
    dialog.testConnection();
    QVERIFY(dialog.isTesting());
    QVERIFY(finished.wait(15000));
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY(!dialog.resultText().isEmpty());
    QVERIFY(!dialog.lastTestSucceeded());
}

void TestConnectionDialog::connectsToTestPostgres()
{
    TestDatabase test(QStringLiteral("postgres"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    ConnectionDialog dialog;
    fill(dialog, test.url());
    QSignalSpy finished(&dialog, &ConnectionDialog::testFinished);
    dialog.testConnection();
    QVERIFY(finished.wait(15000));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(dialog.resultText()));
    QVERIFY(dialog.lastTestSucceeded());
    QVERIFY2(dialog.resultText().contains(QStringLiteral("PostgreSQL")), qPrintable(dialog.resultText()));
    const auto url = dialog.url();
    QVERIFY(url);
    QCOMPARE(url->database, test.url().database);
    QCOMPARE(url->port, test.url().port);
}

void TestConnectionDialog::sqliteFileIsTheDefault()
{
    ConnectionDialog dialog;
    QVERIFY(child<QRadioButton>(dialog, "sqliteRadio")->isChecked());
    const auto url = dialog.url();
    QVERIFY(url);
    QVERIFY(!url->isPostgres());
    QCOMPARE(url->sqlitePath, DatabaseUrl::defaultUrl().sqlitePath);
    QTemporaryDir dir;
    child<QLineEdit>(dialog, "sqlitePath")->setText(dir.filePath(QStringLiteral("q.db")));
    QSignalSpy finished(&dialog, &ConnectionDialog::testFinished);
    dialog.testConnection();
    QVERIFY(finished.wait(5000));
    QVERIFY2(dialog.lastTestSucceeded(), qPrintable(dialog.resultText()));
}

void TestConnectionDialog::passwordNeverInSettingsAndAskedAgainWithoutKeychain()
{
    auto url = DatabaseUrl::parse(
        QStringLiteral("postgres://editor:Very$ecret@db.example.org:5433/plays?sslmode=require"));
    QVERIFY2(url, qPrintable(url.error().message));
    {
        ConnectionDialog dialog;
        dialog.setUrl(*url);
        QCOMPARE(child<QLineEdit>(dialog, "password")->text(), QStringLiteral("Very$ecret"));
        QCOMPARE(child<QComboBox>(dialog, "sslMode")->currentText(), QStringLiteral("require"));
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        ConnectionDialog::remember(*dialog.url());
    }
    QSettings settings;
    settings.sync();
    QVERIFY(!ConnectionDialog::recentConnections().isEmpty());
    QVERIFY(ConnectionDialog::recentConnections().first().contains(QStringLiteral("db.example.org")));
    for (const QString &key : settings.allKeys())
        QVERIFY2(!settings.value(key).toString().contains(QStringLiteral("ecret")), qPrintable(key));
    QFile file(settings.fileName());
    if (file.open(QIODevice::ReadOnly))
        QVERIFY(!file.readAll().contains("ecret"));

    // Reopened from the recent list: the password comes from the keychain or is asked again.
    ConnectionDialog again;
    auto *recent = child<QComboBox>(again, "recentConnections");
    QVERIFY(recent->count() >= 2);
    url->password.clear();
    again.setUrl(*url);
    auto *hint = child<QLabel>(again, "passwordHint");
    QTRY_VERIFY_WITH_TIMEOUT(!hint->text().contains(QStringLiteral("Looking")), 10000);
    if (child<QLineEdit>(again, "password")->text().isEmpty())
        QVERIFY2(hint->text().contains(QStringLiteral("enter the password")), qPrintable(hint->text()));
}

QTEST_MAIN(TestConnectionDialog)
#include "tst_connectiondialog.moc"

#pragma once

#include "engine/databaseurl.h"

#include <QDialog>
#include <QFutureWatcher>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QStackedWidget;

/// Where the queue lives: the embedded SQLite file or a PostgreSQL server, with "Test
/// connection" (run on a pool thread, so a slow server never freezes the window) and the
/// recent connections. Passwords go to the keychain when there is one, never to QSettings.
class ConnectionDialog final : public QDialog
{
    Q_OBJECT

public:
    struct TestResult
    {
        bool ok = false;
        QString message;
    };

    explicit ConnectionDialog(QWidget *parent = nullptr);
    ~ConnectionDialog() override;

    void setUrl(const Engine::DatabaseUrl &url);
    /// The URL from the fields (with the password); nullopt + message when a field is invalid.
    std::optional<Engine::DatabaseUrl> url(QString *error = nullptr) const;

    /// Starts a test of the entered connection; the result shows in the dialog.
    void testConnection();
    bool isTesting() const;
    /// The last test's result text and whether it succeeded.
    QString resultText() const;
    bool lastTestSucceeded() const { return m_lastOk; }

    /// Recent connections as stored in QSettings (URLs without passwords), newest first.
    static QStringList recentConnections();
    /// Records a connection that worked: recent list, last connection; the password to the
    /// keychain (if asked to), never to QSettings.
    static void remember(const Engine::DatabaseUrl &url);

    /// Connects and checks the schema; blocking, safe on any thread.
    static TestResult probe(const Engine::DatabaseUrl &url);

    void accept() override;

signals:
    void testFinished(bool ok, const QString &message);

private:
    void updateKind();
    void applyRecent(int index);
    void browse();
    void showResult(bool ok, const QString &message);

    QComboBox *m_recent;
    QRadioButton *m_sqliteRadio;
    QRadioButton *m_postgresRadio;
    QStackedWidget *m_pages;
    QLineEdit *m_sqlitePath;
    QLineEdit *m_host;
    QLineEdit *m_port;
    QLineEdit *m_database;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QComboBox *m_sslMode;
    QCheckBox *m_rememberPassword;
    QLabel *m_passwordHint;
    QPushButton *m_testButton;
    QLabel *m_result;
    QFutureWatcher<TestResult> m_watcher;
    bool m_lastOk = false;
};

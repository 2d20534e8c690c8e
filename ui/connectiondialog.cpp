#include "ui/connectiondialog.h"

#include "models/jobpresentation.h"
#include "session/connectionprobe.h"
#include "ui/filedialogs.h"
#include "ui/passwordstore.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QStackedWidget>
#include <QtConcurrent>

namespace {

const QString kRecentKey = QStringLiteral("Connection/Recent");
const QString kLastKey = QStringLiteral("Connection/Last");
const QString kRememberKey = QStringLiteral("Connection/RememberPassword");
constexpr int kMaxRecent = 8;

Engine::DatabaseUrl withoutPassword(Engine::DatabaseUrl url)
{
    url.password.clear();
    return url;
}

} // namespace

ConnectionDialog::ConnectionDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Connect to a Queue Database"));
    setWindowIcon(JobPresentation::icon(QStringLiteral("database")));
    setObjectName(QStringLiteral("connectionDialog"));

    m_recent = new QComboBox;
    m_recent->setObjectName(QStringLiteral("recentConnections"));
    m_recent->addItem(tr("(choose a recent connection)"));
    for (const QString &recent : recentConnections())
        m_recent->addItem(recent, recent);
    m_recent->setEnabled(m_recent->count() > 1);

    m_sqliteRadio = new QRadioButton(tr("Embedded SQLite file (this computer only)"));
    m_sqliteRadio->setObjectName(QStringLiteral("sqliteRadio"));
    m_postgresRadio = new QRadioButton(tr("PostgreSQL server (shared by many computers)"));
    m_postgresRadio->setObjectName(QStringLiteral("postgresRadio"));
    m_sqliteRadio->setChecked(true);

    // SQLite page
    m_sqlitePath = new QLineEdit(Engine::DatabaseUrl::defaultUrl().sqlitePath);
    m_sqlitePath->setObjectName(QStringLiteral("sqlitePath"));
    auto *browse = new QPushButton(tr("Browse…"));
    browse->setObjectName(QStringLiteral("browseButton"));
    auto *sqliteRow = new QHBoxLayout;
    sqliteRow->addWidget(m_sqlitePath, 1);
    sqliteRow->addWidget(browse);
    auto *sqlitePage = new QWidget;
    auto *sqliteForm = new QFormLayout(sqlitePage);
    sqliteForm->addRow(tr("Database file:"), sqliteRow);
    auto *sqliteNote = new QLabel(tr("The file is created if it does not exist. Only this "
                                     "computer's workers can share it."));
    sqliteNote->setWordWrap(true);
    sqliteForm->addRow(sqliteNote);

    // PostgreSQL page
    m_host = new QLineEdit(QStringLiteral("localhost"));
    m_host->setObjectName(QStringLiteral("host"));
    m_port = new QLineEdit(QStringLiteral("5432"));
    m_port->setObjectName(QStringLiteral("port"));
    m_port->setMaximumWidth(90);
    m_database = new QLineEdit(QStringLiteral("callboard"));
    m_database->setObjectName(QStringLiteral("database"));
    m_user = new QLineEdit;
    m_user->setObjectName(QStringLiteral("user"));
    m_password = new QLineEdit;
    m_password->setObjectName(QStringLiteral("password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_sslMode = new QComboBox;
    m_sslMode->setObjectName(QStringLiteral("sslMode"));
    for (const char *mode : {"prefer", "disable", "allow", "require", "verify-ca", "verify-full"})
        m_sslMode->addItem(QLatin1String(mode), QLatin1String(mode));
    m_rememberPassword = new QCheckBox(tr("Remember the password in the system keychain"));
    m_rememberPassword->setObjectName(QStringLiteral("rememberPassword"));
    m_rememberPassword->setChecked(QSettings().value(kRememberKey, true).toBool());
    m_passwordHint = new QLabel;
    m_passwordHint->setObjectName(QStringLiteral("passwordHint"));
    m_passwordHint->setWordWrap(true);
    m_passwordHint->hide();
    auto *hostRow = new QHBoxLayout;
    hostRow->addWidget(m_host, 1);
    hostRow->addWidget(new QLabel(tr("Port:")));
    hostRow->addWidget(m_port);
    auto *postgresPage = new QWidget;
    auto *pgForm = new QFormLayout(postgresPage);
    pgForm->addRow(tr("Host:"), hostRow);
    pgForm->addRow(tr("Database:"), m_database);
    pgForm->addRow(tr("User:"), m_user);
    pgForm->addRow(tr("Password:"), m_password);
    pgForm->addRow(QString(), m_passwordHint);
    pgForm->addRow(tr("SSL mode:"), m_sslMode);
    pgForm->addRow(QString(), m_rememberPassword);

    m_pages = new QStackedWidget;
    m_pages->addWidget(sqlitePage);
    m_pages->addWidget(postgresPage);

    m_testButton = new QPushButton(tr("&Test Connection"));
    m_testButton->setObjectName(QStringLiteral("testButton"));
    m_result = new QLabel;
    m_result->setObjectName(QStringLiteral("testResult"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setMinimumHeight(40);
    auto *testRow = new QHBoxLayout;
    testRow->addWidget(m_testButton, 0, Qt::AlignTop);
    testRow->addWidget(m_result, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Connect"));
    buttons->button(QDialogButtonBox::Cancel)->setText(tr("Cancel"));

    auto *kindBox = new QGroupBox(tr("Queue database"));
    auto *kindLayout = new QVBoxLayout(kindBox);
    kindLayout->addWidget(m_sqliteRadio);
    kindLayout->addWidget(m_postgresRadio);
    kindLayout->addWidget(m_pages);

    auto *layout = new QVBoxLayout(this);
    auto *recentRow = new QFormLayout;
    recentRow->addRow(tr("Recent:"), m_recent);
    layout->addLayout(recentRow);
    layout->addWidget(kindBox);
    layout->addLayout(testRow);
    layout->addWidget(buttons);
    resize(560, sizeHint().height());

    connect(m_sqliteRadio, &QRadioButton::toggled, this, &ConnectionDialog::updateKind);
    connect(m_recent, &QComboBox::activated, this, &ConnectionDialog::applyRecent);
    connect(browse, &QPushButton::clicked, this, &ConnectionDialog::browse);
    connect(m_testButton, &QPushButton::clicked, this, &ConnectionDialog::testConnection);
    connect(buttons, &QDialogButtonBox::accepted, this, &ConnectionDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ConnectionDialog::reject);
    connect(&m_watcher, &QFutureWatcher<TestResult>::finished, this, [this] {
        const TestResult result = m_watcher.result();
        m_testButton->setEnabled(true);
        showResult(result.ok, result.message);
        emit testFinished(result.ok, result.message);
    });
    updateKind();
}

ConnectionDialog::~ConnectionDialog()
{
    m_watcher.waitForFinished();
}

void ConnectionDialog::updateKind()
{
    m_pages->setCurrentIndex(m_sqliteRadio->isChecked() ? 0 : 1);
}

void ConnectionDialog::browse()
{
    const QString path = FileDialogs::getSaveFileName(
        this, tr("Queue Database File"), m_sqlitePath->text(),
        tr("SQLite databases (*.db *.sqlite);;All files (*)"), false);
    if (!path.isEmpty())
        m_sqlitePath->setText(path);
}

void ConnectionDialog::applyRecent(int index)
{
    const QString text = m_recent->itemData(index).toString();
    if (text.isEmpty())
        return;
    if (const auto url = Engine::DatabaseUrl::parse(text))
        setUrl(*url);
}

void ConnectionDialog::setUrl(const Engine::DatabaseUrl &url)
{
    if (!url.isPostgres()) {
        m_sqliteRadio->setChecked(true);
        m_sqlitePath->setText(url.sqlitePath);
        updateKind();
        return;
    }
    m_postgresRadio->setChecked(true);
    m_host->setText(url.host);
    m_port->setText(QString::number(url.port));
    m_database->setText(url.database);
    m_user->setText(url.user);
    m_password->setText(url.password);
    const int ssl = m_sslMode->findData(url.sslMode.isEmpty() ? QStringLiteral("prefer") : url.sslMode);
    m_sslMode->setCurrentIndex(qMax(0, ssl));
    updateKind();
    if (url.password.isEmpty()) {
        // The password is never in QSettings: fetch it from the keychain or ask for it.
        m_passwordHint->setText(tr("Looking for the password in the system keychain…"));
        m_passwordHint->show();
        PasswordStore::read(PasswordStore::key(url), this,
                            [this](std::optional<QString> password, const QString &) {
                                if (password && m_password->text().isEmpty()) {
                                    m_password->setText(*password);
                                    m_passwordHint->setText(tr("Password taken from the keychain."));
                                } else if (!password) {
                                    m_passwordHint->setText(
                                        tr("No keychain is available: please enter the password."));
                                }
                            });
    } else {
        m_passwordHint->hide();
    }
}

std::optional<Engine::DatabaseUrl> ConnectionDialog::url(QString *error) const
{
    Engine::DatabaseUrl url;
    auto fail = [&](const QString &message) {
        if (error)
            *error = message;
        return std::nullopt;
    };
    if (m_sqliteRadio->isChecked()) {
        url.kind = Engine::DatabaseUrl::Kind::Sqlite;
        url.sqlitePath = m_sqlitePath->text().trimmed();
        if (url.sqlitePath.isEmpty())
            return fail(tr("Choose a database file."));
        return url;
    }
    url.kind = Engine::DatabaseUrl::Kind::Postgres;
    url.host = m_host->text().trimmed();
    if (url.host.isEmpty())
        return fail(tr("Enter the server's host name."));
    bool ok = false;
    url.port = m_port->text().trimmed().toInt(&ok);
    if (!ok || url.port < 1 || url.port > 65535)
        return fail(tr("The port must be a number from 1 to 65535."));
    url.database = m_database->text().trimmed();
    if (url.database.isEmpty())
        return fail(tr("Enter the database name."));
    url.user = m_user->text().trimmed();
    url.password = m_password->text();
    url.sslMode = m_sslMode->currentData().toString();
    return url;
}

ConnectionDialog::TestResult ConnectionDialog::probe(const Engine::DatabaseUrl &url)
{
    const ConnectionProbe::Result result = ConnectionProbe::run(url);
    return {result.ok, result.message};
}

void ConnectionDialog::testConnection()
{
    if (isTesting())
        return;
    QString error;
    const auto target = url(&error);
    if (!target) {
        showResult(false, error);
        emit testFinished(false, error);
        return;
    }
    m_testButton->setEnabled(false);
    m_result->setStyleSheet(QString());
    m_result->setText(tr("Connecting to %1…").arg(target->displayString()));
    m_watcher.setFuture(QtConcurrent::run([url = *target] { return probe(url); }));
}

bool ConnectionDialog::isTesting() const
{
    return m_watcher.isRunning();
}

QString ConnectionDialog::resultText() const
{
    return m_result->text();
}

void ConnectionDialog::showResult(bool ok, const QString &message)
{
    m_lastOk = ok;
    m_result->setText((ok ? QStringLiteral("✔ ") : QStringLiteral("✘ ")) + message);
    m_result->setStyleSheet(ok ? QStringLiteral("color: #2e7d32;")
                               : QStringLiteral("color: #c62828;"));
}

void ConnectionDialog::accept()
{
    QString error;
    const auto target = url(&error);
    if (!target) {
        showResult(false, error);
        return;
    }
    QSettings().setValue(kRememberKey, m_rememberPassword->isChecked());
    if (target->isPostgres() && m_rememberPassword->isChecked() && !target->password.isEmpty())
        PasswordStore::write(PasswordStore::key(*target), target->password, parent() ? parent() : this);
    QDialog::accept();
}

QStringList ConnectionDialog::recentConnections()
{
    return QSettings().value(kRecentKey).toStringList();
}

void ConnectionDialog::remember(const Engine::DatabaseUrl &url)
{
    const QString text = withoutPassword(url).toUrlString();
    QStringList recent = recentConnections();
    recent.removeAll(text);
    recent.prepend(text);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    QSettings settings;
    settings.setValue(kRecentKey, recent);
    settings.setValue(kLastKey, text);
}

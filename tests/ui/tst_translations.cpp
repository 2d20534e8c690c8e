#include "engine/databaseurl.h"
#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "engine/parse/parserun.h"
#include "testdatabase.h"
#include "ui/languagesupport.h"
#include "ui/mainwindow.h"
#include "ui/connectiondialog.h"

#include <QAbstractButton>
#include <QAction>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>
#include <QTranslator>
#include <QTreeView>
#include <QTreeWidget>

namespace {

/// Every string a person can read in a widget tree, in a stable order.
QStringList visibleStrings(QWidget *root)
{
    QStringList strings;
    auto add = [&](const QString &s) {
        QString text = s;
        text.remove(QLatin1Char('&'));
        text.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
        strings << text.trimmed();
    };
    add(root->windowTitle());
    for (QWidget *w : root->findChildren<QWidget *>()) {
        if (auto *label = qobject_cast<QLabel *>(w))
            add(label->text());
        else if (auto *button = qobject_cast<QAbstractButton *>(w))
            add(button->text());
        else if (auto *box = qobject_cast<QGroupBox *>(w))
            add(box->title());
        else if (auto *edit = qobject_cast<QLineEdit *>(w))
            add(edit->placeholderText());
        if (auto *tabs = qobject_cast<QTabWidget *>(w)) {
            for (int i = 0; i < tabs->count(); ++i)
                add(tabs->tabText(i));
        }
        if (auto *list = qobject_cast<QListWidget *>(w)) {
            for (int i = 0; i < list->count(); ++i)
                add(list->item(i)->text());
        }
        if (auto *tree = qobject_cast<QTreeView *>(w)) {
            QAbstractItemModel *model = tree->model();
            for (int c = 0; model && c < model->columnCount(); ++c)
                add(model->headerData(c, Qt::Horizontal).toString());
        }
        if (auto *tree = qobject_cast<QTreeWidget *>(w)) {
            for (int i = 0; i < tree->topLevelItemCount(); ++i)
                add(tree->topLevelItem(i)->text(0));
        }
        if (!w->toolTip().isEmpty())
            add(w->toolTip());
    }
    for (QAction *action : root->findChildren<QAction *>()) {
        add(action->text());
        add(action->toolTip());
        if (action->menu())
            add(action->menu()->title());
    }
    if (auto *window = qobject_cast<QMainWindow *>(root)) {
        for (QAction *action : window->menuBar()->actions())
            add(action->text());
    }
    return strings;
}

} // namespace

class TestTranslations final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void everyTranslationLoads_data();
    void everyTranslationLoads();
    void noVisibleStringLeftUntranslated_data();
    void noVisibleStringLeftUntranslated();
    void engineMessagesFollowTheWindowsLanguage();
    void enqueueErrorsFollowTheWindowsLanguage();
    void cleanup() { LanguageSupport::install(QStringLiteral("en")); }
};

void TestTranslations::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("CallboardTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_translations"));
    QSettings().clear();
}

void TestTranslations::everyTranslationLoads_data()
{
    QTest::addColumn<QString>("lang");
    for (const QString &lang : LanguageSupport::availableLanguages())
        QTest::newRow(qPrintable(lang)) << lang;
}

void TestTranslations::everyTranslationLoads()
{
    QFETCH(QString, lang);
    QTranslator translator;
    QVERIFY(translator.load(QStringLiteral(":/i18n/callboard_%1.qm").arg(lang)));
    QVERIFY(!translator.isEmpty());
    QVERIFY(LanguageSupport::install(lang));
    QVERIFY(QCoreApplication::translate("JobStatus", "Running") != QStringLiteral("Running"));
}

void TestTranslations::noVisibleStringLeftUntranslated_data()
{
    QTest::addColumn<QString>("lang");
    QTest::newRow("de") << QStringLiteral("de");
    QTest::newRow("fr") << QStringLiteral("fr");
}

void TestTranslations::noVisibleStringLeftUntranslated()
{
    QFETCH(QString, lang);
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    // Words that are the same in the translation.
    const QSet<QString> same{QStringLiteral("Status"), QStringLiteral("Worker"), QStringLiteral("Job"),
                             QStringLiteral("Details"), QStringLiteral("Port:"), QStringLiteral("Callboard"),
                             QStringLiteral("Playbook"), QStringLiteral("Actor"), QStringLiteral("Timeline"),
                             QStringLiteral("Workers"), QStringLiteral("Name"), QStringLiteral("Text"),
                             QStringLiteral("Status:"), QStringLiteral("Worker:"), QStringLiteral("Host:"),
                             QStringLiteral("Host"), QStringLiteral("PID"), QStringLiteral("Version")};

    auto collect = [&](const QString &language) {
        LanguageSupport::install(language);
        MainWindow window(test.url(), nullptr);
        ConnectionDialog dialog;
        return visibleStrings(&window) + visibleStrings(&dialog);
    };
    const QStringList english = collect(QStringLiteral("en"));
    const QStringList translated = collect(lang);
    QCOMPARE(translated.size(), english.size());
    QStringList untranslated;
    for (int i = 0; i < english.size(); ++i) {
        if (!english.at(i).contains(QRegularExpression(QStringLiteral("[A-Za-z]{3,}"))))
            continue;
        if (english.at(i) == translated.at(i) && !same.contains(english.at(i))
            && !english.at(i).contains(QStringLiteral("sqlite:")) && !english.at(i).contains(QStringLiteral("/")))
            untranslated << english.at(i);
    }
    untranslated.removeDuplicates();
    QVERIFY2(untranslated.isEmpty(), qPrintable(untranslated.join(QStringLiteral(" | "))));
}

// The engine's messages for a person (a bad URL, an unknown job) speak the window's language;
// what is stored in the database for the web application (a parse failure's lastError) does not.
void TestTranslations::engineMessagesFollowTheWindowsLanguage()
{
    QVERIFY(LanguageSupport::install(QStringLiteral("de")));
    QString error;
    error = Engine::DatabaseUrl::parse(QStringLiteral("mysql://db/queue")).error().message;
    QVERIFY2(error.startsWith(QStringLiteral("Nicht unterstützte Datenbank-URL")), qPrintable(error));
    QCOMPARE(Engine::JobNotFoundError(QStringLiteral("j1")).message(),
             QStringLiteral("Kein Auftrag mit der Kennung j1"));

    QVERIFY(LanguageSupport::install(QStringLiteral("fr")));
    QCOMPARE(Engine::JobNotFoundError(QStringLiteral("j1")).message(),
             QStringLiteral("Aucune tâche avec l'identifiant j1"));
    // A parse error becomes the job's stored lastError: English whatever the window speaks.
    Engine::ParseError parseError;
    QVERIFY(!Engine::ParseRun::begin(QString(), {}, &parseError));
    QCOMPARE(parseError.message, QStringLiteral("the text is empty"));

    // A transition refused inside a worker's handler may be stored (what()): that copy stays
    // English, the one shown (message()) follows the window.
    QVERIFY(LanguageSupport::install(QStringLiteral("de")));
    const Engine::JobTransitionError refused(QStringLiteral("j1"), Engine::JobStatus::Completed,
                                             Engine::JobStatus::Running);
    QVERIFY2(refused.message().startsWith(QStringLiteral("Auftrag j1 kann nicht von")),
             qPrintable(refused.message()));
    QVERIFY2(QString::fromUtf8(refused.what()).startsWith(QStringLiteral("Job j1 cannot go from")),
             refused.what());

    LanguageSupport::install(QStringLiteral("en")); // English is the source: no file to load
    error = Engine::DatabaseUrl::parse(QStringLiteral("mysql://db/queue")).error().message;
    QVERIFY2(error.startsWith(QStringLiteral("Unsupported database URL")), qPrintable(error));
}

// What the person adding plays is told when the queue refuses one: the window's language.
void TestTranslations::enqueueErrorsFollowTheWindowsLanguage()
{
    TestDatabase test(QStringLiteral("sqlite"));
    QVERIFY2(test.isValid(), qPrintable(test.error()));
    Engine::JobQueue queue(test.db());
    Engine::EnqueueInput input;
    input.filename = QStringLiteral("hamlet.txt");
    input.rawText = "   \n";
    auto refusal = [&] {
        try {
            queue.enqueue(input);
        } catch (const Engine::JobEnqueueError &error) {
            return error.message();
        }
        return QString();
    };
    QVERIFY(LanguageSupport::install(QStringLiteral("de")));
    QCOMPARE(refusal(), QStringLiteral("hamlet.txt ist leer: Es gibt keinen Stücktext zum Einlesen"));
    QVERIFY(LanguageSupport::install(QStringLiteral("fr")));
    QCOMPARE(refusal(), QStringLiteral("hamlet.txt est vide : il n'y a aucun texte de pièce à analyser"));
    LanguageSupport::install(QStringLiteral("en"));
    QCOMPARE(refusal(), QStringLiteral("hamlet.txt is empty: there is no play text to parse"));
}

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"

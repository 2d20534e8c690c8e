// The window's playbook tab, `callboard playbook` and the playbook JSON count the same characters
// and speeches (issue 14): a real play parsed, stored in a real SQLite file, shown in the real
// window, and read back by the real binary.
#include "engine/jobqueue.h"
#include "engine/parse/parserun.h"
#include "models/jobtablemodel.h"
#include "models/playbookmodel.h"
#include "testdatabase.h"
#include "ui/jobdetailpane.h"
#include "ui/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>

using namespace Engine;

namespace {

QJsonObject parsed(const QString &text)
{
    ParseError error;
    auto run = ParseRun::begin(text, {}, &error);
    while (run && !run->finished()) {
        if (!run->runNextChunk(nullptr, &error))
            run.reset();
    }
    return run ? run->playbook() : QJsonObject();
}

// The A Doll's House: cast entries "Nora", "Mrs Linde" beside the labels NORA, MRS LINDE
// with nothing linking them but the case. Aliases that only repeat the name in another case go.
QJsonObject withoutCaseAliases(QJsonObject playbook)
{
    QJsonArray characters = playbook.value(QStringLiteral("characters")).toArray();
    for (qsizetype i = 0; i < characters.size(); ++i) {
        QJsonObject c = characters.at(i).toObject();
        const QString name = c.value(QStringLiteral("name")).toString();
        QJsonArray kept;
        for (const QJsonValue &alias : c.value(QStringLiteral("aliases")).toArray()) {
            if (alias.toString().compare(name, Qt::CaseInsensitive) != 0)
                kept.append(alias);
        }
        c.insert(QStringLiteral("aliases"), kept);
        characters[i] = c;
    }
    playbook.insert(QStringLiteral("characters"), characters);
    return playbook;
}

int jsonSpeechCount(const QJsonObject &playbook)
{
    int n = 0;
    for (const QJsonValue &act : playbook.value(QStringLiteral("acts")).toArray()) {
        n += int(act.toObject().value(QStringLiteral("speeches")).toArray().size());
        for (const QJsonValue &scene : act.toObject().value(QStringLiteral("scenes")).toArray())
            n += int(scene.toObject().value(QStringLiteral("speeches")).toArray().size());
    }
    return n;
}

QString runCli(const QString &url, const QStringList &arguments)
{
    QProcess process;
    process.start(QStringLiteral(CALLBOARD_BINARY), QStringList{QStringLiteral("--db"), url} + arguments);
    if (!process.waitForFinished(60000) || process.exitCode() != 0)
        return QString();
    return QString::fromUtf8(process.readAllStandardOutput());
}

} // namespace

class TestPlaybookCounts : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void windowCommandLineAndJsonAgree()
    {
        QFile file(QStringLiteral(CALLBOARD_PLAYS_DIR "/dolls-house.txt"));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        const QByteArray raw = file.readAll();
        const QJsonObject playbook = withoutCaseAliases(parsed(QString::fromUtf8(raw)));
        QVERIFY(!playbook.isEmpty());

        TestDatabase test(QStringLiteral("sqlite"));
        QVERIFY2(test.isValid(), qPrintable(test.error()));
        JobQueue queue(test.db());
        EnqueueInput input;
        input.filename = QStringLiteral("dolls-house.txt");
        input.rawText = raw;
        const QString id = queue.enqueue(input);
        QVERIFY(queue.claimNext(QStringLiteral("w-1")));
        QVERIFY(queue.complete(id, QStringLiteral("w-1"), playbook));

        // The JSON as the command line exports it, and as it counts.
        const QJsonObject json = QJsonDocument::fromJson(
            runCli(test.urlString(), {QStringLiteral("playbook"), id, QStringLiteral("--json")}).toUtf8()).object();
        const QJsonArray characters = json.value(QStringLiteral("characters")).toArray();
        QVERIFY(characters.size() > 10);
        const QString text = runCli(test.urlString(), {QStringLiteral("playbook"), id});
        QVERIFY2(text.contains(QStringLiteral("Characters: %1\n").arg(characters.size())), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("speeches: %1\n").arg(jsonSpeechCount(json))), qPrintable(text));

        MainWindow window(test.url(), nullptr);
        window.show();
        QTRY_COMPARE(window.jobModel()->rowCount(), 1);
        window.selectJobs({id});
        window.detailPane()->tabs()->setCurrentIndex(2);
        PlaybookModel *model = window.detailPane()->playbookModel();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(model->characterCount(), int(characters.size()));
        QCOMPARE(model->speechCount(), jsonSpeechCount(json));

        const QModelIndex cast = model->index(0, PlaybookModel::NameColumn);
        QCOMPARE(cast.data(PlaybookModel::KindRole).toString(), QStringLiteral("characters"));
        QCOMPARE(model->rowCount(cast), int(characters.size()));
        QVERIFY(cast.data().toString().contains(QString::number(characters.size())));
        int nora = -1;
        for (int row = 0; row < model->rowCount(cast); ++row) {
            const QJsonObject entry = characters.at(row).toObject();
            const QString name = model->index(row, PlaybookModel::NameColumn, cast).data().toString();
            const int speeches = model->index(row, PlaybookModel::SpeechesColumn, cast).data().toInt();
            QCOMPARE(name, entry.value(QStringLiteral("name")).toString());
            QCOMPARE(speeches, entry.value(QStringLiteral("speeches")).toInt());
            // The command line's row for the entry: its name, then the same count.
            const QRegularExpression rowLine(QStringLiteral("^%1 {2,}%2( |$)")
                                              .arg(QRegularExpression::escape(name)).arg(speeches),
                                          QRegularExpression::MultilineOption);
            QVERIFY2(rowLine.match(text).hasMatch(), qPrintable(name + QStringLiteral(" in\n") + text));
            if (name == u"Nora")
                nora = speeches;
        }
        // Nora's speeches are printed as NORA: they are hers, not a second entry's.
        QVERIFY2(nora > 500, qPrintable(QString::number(nora)));
    }
};

QTEST_MAIN(TestPlaybookCounts)
#include "tst_playbookcounts.moc"

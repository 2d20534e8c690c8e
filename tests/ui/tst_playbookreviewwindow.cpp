// The playbook review in the real window on a real SQLite file: the Needs review badge and
// filter, Parse Again with LLM, the script beside the source lines, and every correction
// driven through the review pane's buttons.
#include "engine/jobqueue.h"
#include "engine/parse/parserun.h"
#include "engine/playbookquality.h"
#include "models/jobfilterproxymodel.h"
#include "models/jobtablemodel.h"
#include "models/scriptmodel.h"
#include "testdatabase.h"
#include "ui/jobactions.h"
#include "ui/jobdetailpane.h"
#include "ui/mainwindow.h"
#include "ui/playbookreviewpane.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QJsonArray>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>
#include <QTextBlock>
#include <QTreeView>

using namespace Engine;

namespace {

const QString kPlay = QStringLiteral(
    "*** START OF THIS PROJECT GUTENBERG EBOOK TEST ***\r\n" // 1
    "\r\n"                                                 // 2
    "ACT I\r\n"                                            // 3
    "\r\n"                                                 // 4
    "HAMLET. To be, or not to be:\r\n"                     // 5
    "that is the question.\r\n"                            // 6
    "\r\n"                                                 // 7
    "[Enter Horatio.]\r\n"                                 // 8
    "\r\n"                                                 // 9
    "HORATIO. My lord.\r\n"                                // 10
    "\r\n"                                                 // 11
    "HAMLET. Horatio!\r\n"                                 // 12
    "\r\n"                                                 // 13
    "HORATIO. Here, sweet lord.\r\n");                     // 14

QString completedJob(JobQueue &queue, const QString &filename)
{
    EnqueueInput input;
    input.filename = filename;
    input.rawText = kPlay.toUtf8();
    const QString id = queue.enqueue(input);
    const auto claimed = queue.claimNext(QStringLiteral("w-1"));
    ParseError error;
    auto run = ParseRun::begin(kPlay, {}, &error);
    while (run && !run->finished())
        run->runNextChunk(nullptr, &error);
    if (!claimed || !run || !queue.complete(id, QStringLiteral("w-1"), run->playbook()))
        qFatal("could not complete %s", qPrintable(filename));
    return id;
}

QJsonObject characterNamed(const QJsonObject &playbook, const QString &name)
{
    for (const QJsonValue &c : playbook.value(QStringLiteral("characters")).toArray()) {
        if (c.toObject().value(QStringLiteral("name")).toString() == name)
            return c.toObject();
    }
    return {};
}

} // namespace

class TestPlaybookReviewWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void needsReviewBadgeAndFilter()
    {
        TestDatabase test(QStringLiteral("sqlite"));
        QVERIFY2(test.isValid(), qPrintable(test.error()));
        JobQueue queue(test.db());
        const QString good = completedJob(queue, QStringLiteral("good.txt"));
        const QString doubtful = completedJob(queue, QStringLiteral("doubtful.txt"));
        QSqlQuery sql(test.db());
        QVERIFY(sql.exec(QStringLiteral(R"(UPDATE "CallboardPlaybook" SET "confidence" = 0.55
            WHERE "jobId" = '%1')").arg(doubtful)));
        MainWindow window(test.url(), nullptr);
        window.show();
        JobTableModel *model = window.jobModel();
        QTRY_COMPARE(model->rowCount(), 2);
        const auto needsReview = [&](const QString &id) {
            return model->index(model->rowOfJob(id), JobTableModel::StatusColumn)
                .data(JobTableModel::NeedsReviewRole).toBool();
        };
        QVERIFY(!needsReview(good));
        QVERIFY(needsReview(doubtful));
        QVERIFY(model->index(model->rowOfJob(doubtful), JobTableModel::StatusColumn)
                    .data(Qt::ToolTipRole).toString().contains(QStringLiteral("55")));

        auto *filter = window.findChild<QAction *>(QStringLiteral("view.needsReview"));
        QVERIFY(filter && filter->isCheckable());
        filter->trigger();
        QCOMPARE(window.proxyModel()->rowCount(), 1);
        QCOMPARE(window.proxyModel()->index(0, 0).data(JobTableModel::JobIdRole).toString(), doubtful);
        filter->trigger();
        QCOMPARE(window.proxyModel()->rowCount(), 2);

        // Parse Again with LLM: asks, then restarts the play with the openai provider.
        window.selectJobs({doubtful});
        auto *llm = window.findChild<QAction *>(QStringLiteral("job.parseWithLlm"));
        QVERIFY(llm && llm->isEnabled());
        QString asked;
        window.jobActions()->setConfirmHandler([&](const QString &question) { asked = question; return true; });
        QSignalSpy answered(window.jobActions(), &JobActions::commandFinished);
        llm->trigger();
        QVERIFY(answered.wait(5000));
        QVERIFY(asked.contains(QStringLiteral("doubtful.txt")));
        const auto job = queue.job(doubtful);
        QCOMPARE(job->status, JobStatus::Queued);
        QCOMPARE(job->config.value(QStringLiteral("provider")).toString(), QStringLiteral("openai"));
        QTRY_VERIFY(!needsReview(doubtful));
    }

    void reviewAndCorrect()
    {
        TestDatabase test(QStringLiteral("sqlite"));
        QVERIFY2(test.isValid(), qPrintable(test.error()));
        JobQueue queue(test.db());
        const QString id = completedJob(queue, QStringLiteral("play.txt"));
        MainWindow window(test.url(), nullptr);
        window.resize(1200, 800);
        window.show();
        QTRY_COMPARE(window.jobModel()->rowCount(), 1);
        window.selectJobs({id});
        JobDetailPane *pane = window.detailPane();
        pane->tabs()->setCurrentIndex(2);
        PlaybookReviewPane *review = pane->reviewPane();
        ScriptModel *script = review->scriptModel();
        QAbstractItemModelTester tester(script, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(script->rowCount(), 1);
        const QModelIndex scene = script->index(0, 0, script->index(0, 0));
        // Speeches and the direction in source order.
        QCOMPARE(script->rowCount(scene), 5);
        QCOMPARE(script->index(0, 0, scene).data().toString(), QStringLiteral("HAMLET"));
        QCOMPARE(script->index(1, 0, scene).data(ScriptModel::KindRole).toString(), QStringLiteral("direction"));
        QCOMPARE(script->index(1, ScriptModel::TextColumn, scene).data().toString(), QStringLiteral("[Enter Horatio.]"));
        QCOMPARE(script->index(0, ScriptModel::LinesColumn, scene).data().toString(), QStringLiteral("5–6"));
        QVERIFY(review->warningList()->count() >= 1);

        // The source lines: the whole text, the selected speech's lines highlighted.
        QTRY_VERIFY(review->sourceView()->toPlainText().contains(QStringLiteral("Here, sweet lord.")));
        review->scriptView()->setCurrentIndex(script->index(2, 0, scene));
        QCOMPARE(review->highlightedLines(), qMakePair(10, 10));
        QCOMPARE(review->sourceView()->extraSelections().size(), 1);
        QCOMPARE(review->sourceView()->extraSelections().constFirst().cursor.block().text(),
                 QStringLiteral("HORATIO. My lord."));

        QStringList answers;
        review->setAsk([&](const QString &, const QString &, const QStringList &, bool) {
            return answers.isEmpty() ? QString() : answers.takeFirst();
        });
        const auto correctWith = [&](const char *button, const QStringList &given, int revision) {
            answers = given;
            review->findChild<QPushButton *>(QLatin1String(button))->click();
            QTRY_COMPARE(pane->playbookRevision(), revision);
            QVERIFY(answers.isEmpty());
        };

        correctWith("review.rename", {QStringLiteral("HAMLET"), QStringLiteral("Hamlet")}, 1);
        QCOMPARE(characterNamed(queue.playbook(id)->document, QStringLiteral("Hamlet"))
                     .value(QStringLiteral("speeches")).toInt(), 2);

        correctWith("review.merge", {QStringLiteral("HORATIO"), QStringLiteral("Hamlet")}, 2);
        QCOMPARE(characterNamed(queue.playbook(id)->document, QStringLiteral("Hamlet"))
                     .value(QStringLiteral("speeches")).toInt(), 4);

        correctWith("review.split", {QStringLiteral("Hamlet"), QStringLiteral("HORATIO"), QStringLiteral("Horatio")}, 3);
        QCOMPARE(characterNamed(queue.playbook(id)->document, QStringLiteral("Horatio"))
                     .value(QStringLiteral("speeches")).toInt(), 2);

        // Move the first speech to Horatio: the selection survives the reload.
        review->scriptView()->setCurrentIndex(script->speechIndex(0, 0, 0));
        correctWith("review.moveSpeech", {QStringLiteral("Horatio")}, 4);
        QCOMPARE(script->speechIndex(0, 0, 0).data().toString(), QStringLiteral("Horatio"));
        QCOMPARE(review->scriptView()->currentIndex().siblingAtColumn(0), script->speechIndex(0, 0, 0));
        QCOMPARE(characterNamed(queue.playbook(id)->document, QStringLiteral("Horatio"))
                     .value(QStringLiteral("speeches")).toInt(), 3);

        // The original is kept; every correction is on the timeline with its actor.
        QCOMPARE(queue.playbook(id, true)->revision, 0);
        int events = 0;
        for (const JobEvent &e : queue.events(id))
            events += e.event == QLatin1String("playbook_corrected") && !e.details.value(QStringLiteral("actor")).toString().isEmpty();
        QCOMPARE(events, 4);

        // A refused correction says why and stores nothing.
        QSignalSpy messages(pane, &JobDetailPane::message);
        answers = {QStringLiteral("Hamlet"), QStringLiteral("Horatio")};
        review->findChild<QPushButton *>(QStringLiteral("review.rename"))->click();
        QVERIFY(messages.wait(5000));
        QVERIFY(messages.constLast().at(0).toString().contains(QStringLiteral("Horatio")));
        QCOMPARE(queue.playbook(id)->revision, 4);
    }
};

QTEST_MAIN(TestPlaybookReviewWindow)
#include "tst_playbookreviewwindow.moc"

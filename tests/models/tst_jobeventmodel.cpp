#include "engine/database.h"
#include "engine/jobnotifier.h"
#include "engine/jobqueue.h"
#include "models/jobeventmodel.h"
#include "models/playbookmodel.h"
#include "session/session.h"
#include "testdatabase.h"

#include <QAbstractItemModelTester>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace Engine;

#define BACKENDS(name)                                                                           \
    void name##_data() { TestDatabase::addBackendColumn(); TestDatabase::addBackendRows(); }     \
    void name();

class TestJobEventModel final : public QObject
{
    Q_OBJECT

private slots:
    BACKENDS(timelineInOrderAndGrowsLive)
    BACKENDS(eventWrittenByAnotherProcessAppears)
    void detailsText();
    void playbookModel();
};

namespace {
EnqueueInput play()
{
    EnqueueInput input;
    input.filename = QStringLiteral("hamlet.txt");
    input.rawText = QByteArrayLiteral("HAMLET. To be.\n");
    return input;
}
} // namespace

void TestJobEventModel::timelineInOrderAndGrowsLive()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play());
    queue.setPriority(id, 3);
    Session session(test.url());
    QVERIFY(session.open().ok);
    JobEventModel model(&session);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setJobId(id);
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, 0).data(JobEventModel::EventNameRole).toString(), QStringLiteral("enqueued"));
    QCOMPARE(model.index(1, 0).data(JobEventModel::EventNameRole).toString(),
             QStringLiteral("priority_changed"));
    QVERIFY(!model.index(0, JobEventModel::TimeColumn).data().toString().isEmpty());
    QVERIFY(model.index(0, JobEventModel::EventColumn).data(Qt::ForegroundRole).value<QColor>().isValid());

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    ScopedConnection other(test.url(), QStringLiteral("other"));
    JobQueue otherQueue(other.database());
    otherQueue.pause(id, QStringLiteral("tester"));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, 1000);
    QCOMPARE(model.index(2, 0).data(JobEventModel::EventNameRole).toString(), QStringLiteral("paused"));
    QCOMPARE(model.index(2, JobEventModel::ActorColumn).data().toString(), QStringLiteral("tester"));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(reset.size(), 0);
    model.setJobId(QString());
    QCOMPARE(model.rowCount(), 0);
}

void TestJobEventModel::eventWrittenByAnotherProcessAppears()
{
    OPEN_TEST_DATABASE(test);
    JobQueue queue(test.db());
    const QString id = queue.enqueue(play());
    Session session(test.url());
    QVERIFY(session.open().ok);
    session.setPollInterval(200);
    JobEventModel model(&session);
    model.setJobId(id);
    QTRY_COMPARE(model.rowCount(), 1);
    ScopedConnection other(test.url(), QStringLiteral("other"));
    JobQueue otherQueue(other.database());
    const bool was = JobNotifier::instance()->blockSignals(true);
    otherQueue.cancel(id);
    JobNotifier::instance()->blockSignals(was);
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 2, 1500);
}

void TestJobEventModel::detailsText()
{
    const QJsonObject details{{QStringLiteral("actor"), QStringLiteral("user")},
                              {QStringLiteral("from"), QStringLiteral("queued")},
                              {QStringLiteral("to"), QStringLiteral("paused")},
                              {QStringLiteral("chunk"), 3}};
    QCOMPARE(JobEventModel::detailsText(details), QStringLiteral("Queued → Paused, chunk: 3"));

    // A priority change stores numbers: the timeline shows old → new, not an empty arrow.
    const QJsonObject priority{{QStringLiteral("actor"), QStringLiteral("desktop")},
                               {QStringLiteral("from"), 0},
                               {QStringLiteral("to"), 10}};
    QCOMPARE(JobEventModel::detailsText(priority), QStringLiteral("0 → 10"));

    const QJsonObject retry{{QStringLiteral("from"), QStringLiteral("running")},
                            {QStringLiteral("to"), QStringLiteral("retrying")},
                            {QStringLiteral("error"), QStringLiteral("timeout")},
                            {QStringLiteral("retryCount"), 1}};
    QCOMPARE(JobEventModel::detailsText(retry),
             QStringLiteral("Running → Retrying, error: timeout, retry: 1"));

    // Progress is written once per interval: one event covers the chunks parsed since the last.
    const QJsonObject progress{{QStringLiteral("actor"), QStringLiteral("w-0")},
                               {QStringLiteral("completedChunks"), 7},
                               {QStringLiteral("totalChunks"), 16},
                               {QStringLiteral("chunks"), 7},
                               {QStringLiteral("chunk"), 6},
                               {QStringLiteral("speeches"), 377},
                               {QStringLiteral("ms"), 12}};
    QCOMPARE(JobEventModel::detailsText(progress),
             QStringLiteral("chunks 1–7 of 16, 377 speech(es), 12 ms"));
    QJsonObject one = progress;
    one.remove(QStringLiteral("chunks"));
    QCOMPARE(JobEventModel::detailsText(one), QStringLiteral("chunk 7 of 16, 377 speech(es), 12 ms"));
}

void TestJobEventModel::playbookModel()
{
    const QByteArray json = R"({"title": "Hamlet",
        "characters": [{"name": "HAMLET", "aliases": ["Ham."]}, {"name": "HORATIO"}],
        "acts": [{"title": "ACT I.", "scenes": [
            {"title": "Scene I.", "speeches": [{"speaker": "Ham.", "text": "a"},
                                               {"speaker": "HORATIO", "text": "b"}]},
            {"title": null, "speeches": [{"speaker": ["HAMLET", "HORATIO"], "text": "c"},
                                         {"speaker": "Ghost", "text": "d"}]}]}]})";
    PlaybookModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPlaybook(QJsonDocument::fromJson(json).object());
    QCOMPARE(model.title(), QStringLiteral("Hamlet"));
    QCOMPARE(model.characterCount(), 3);
    QCOMPARE(model.speechCount(), 4);
    const QModelIndex characters = model.index(0, 0);
    QCOMPARE(model.rowCount(characters), 3);
    QCOMPARE(model.index(0, 0, characters).data().toString(), QStringLiteral("HAMLET"));
    QCOMPARE(model.index(0, 1, characters).data().toInt(), 2);  // "Ham." + the joint speech
    QCOMPARE(model.index(2, 0, characters).data().toString(), QStringLiteral("Ghost"));
    const QModelIndex acts = model.index(1, 0);
    QCOMPARE(model.rowCount(acts), 1);
    const QModelIndex act = model.index(0, 0, acts);
    QCOMPARE(model.rowCount(act), 2);
    QCOMPARE(model.index(0, 1, acts).data().toInt(), 4);
    model.clearPlaybook();
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestJobEventModel)
#include "tst_jobeventmodel.moc"

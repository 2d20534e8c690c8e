#include "engine/joberrors.h"
#include "engine/jobstatemachine.h"
#include "testprinters.h"

#include <QTest>

using namespace Engine;

class TestStateMachine final : public QObject
{
    Q_OBJECT

private slots:
    void allPairs_data();
    void allPairs();
    void statusNamesRoundTrip();
};

void TestStateMachine::allPairs_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<bool>("allowed");
    // DESIGN.md "Job life": the seed's table plus the marked extensions.
    const QSet<QString> allowed{
        "queued>running",     "queued>cancelled",  "queued>paused",
        "running>paused",     "running>completed", "running>retrying",
        "running>failed",     "running>cancelled", "running>queued",
        "paused>running",     "paused>cancelled",  "paused>queued",
        "retrying>running",   "retrying>failed",   "retrying>cancelled",
        "failed>queued",      "cancelled>queued"};
    int rows = 0;
    for (JobStatus from : allJobStatuses()) {
        for (JobStatus to : allJobStatuses()) {
            const QString key = statusName(from) + QLatin1Char('>') + statusName(to);
            QTest::newRow(qPrintable(key)) << statusName(from) << statusName(to) << allowed.contains(key);
            ++rows;
        }
    }
    QCOMPARE(rows, 49);
}

void TestStateMachine::allPairs()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(bool, allowed);
    const JobStatus f = *jobStatusFromString(from);
    const JobStatus t = *jobStatusFromString(to);
    QCOMPARE(JobStateMachine::canTransition(f, t), allowed);
    if (allowed) {
        JobStateMachine::assertTransition(QStringLiteral("job-1"), f, t);
    } else {
        try {
            JobStateMachine::assertTransition(QStringLiteral("job-1"), f, t);
            QFAIL("assertTransition accepted a forbidden transition");
        } catch (const JobTransitionError &error) {
            QCOMPARE(error.jobId(), QStringLiteral("job-1"));
            QVERIFY(error.message().contains(from));
            QVERIFY(error.message().contains(to));
        }
    }
}

void TestStateMachine::statusNamesRoundTrip()
{
    QCOMPARE(allJobStatuses().size(), 7);
    for (JobStatus status : allJobStatuses())
        QCOMPARE(*jobStatusFromString(statusName(status)), status);
    QVERIFY(!jobStatusFromString(QStringLiteral("done")).has_value());
    QVERIFY(isTerminal(JobStatus::Completed));
    QVERIFY(!isTerminal(JobStatus::Paused));
}

QTEST_GUILESS_MAIN(TestStateMachine)
#include "tst_statemachine.moc"

// Source line ranges in the playbook, quality warnings, and an editor's corrections stored as
// revisions (JobQueue::correctPlaybook) on both databases.
#include "engine/joberrors.h"
#include "engine/jobqueue.h"
#include "engine/parse/parserun.h"
#include "engine/playbookcorrection.h"
#include "engine/playbookquality.h"
#include "testdatabase.h"

#include <QJsonArray>
#include <QSqlQuery>
#include <QTest>

using namespace Engine;

namespace {

// A licence header in front (cut by the normaliser) and CRLF line ends: the ranges still count
// the lines of the text as stored.
const QString kPlay = QStringLiteral(
    "The Project Gutenberg EBook of A Test Play\r\n"       // 1
    "Title: A Test Play\r\n"                               // 2
    "\r\n"                                                 // 3
    "*** START OF THIS PROJECT GUTENBERG EBOOK TEST ***\r\n" // 4
    "\r\n"                                                 // 5
    "ACT I\r\n"                                            // 6
    "\r\n"                                                 // 7
    "HAMLET. To be, or not to be:\r\n"                     // 8
    "that is the question.\r\n"                            // 9
    "\r\n"                                                 // 10
    "[Enter Horatio.]\r\n"                                 // 11
    "\r\n"                                                 // 12
    "HORATIO. My lord.\r\n"                                // 13
    "\r\n"                                                 // 14
    "HAMLET. Horatio!\r\n"                                 // 15
    "\r\n"                                                 // 16
    "HORATIO. Here, sweet lord.\r\n"                       // 17
    "\r\n"                                                 // 18
    "P. KING. And I, my lord.\r\n"                         // 19
    "\r\n"                                                 // 20
    "P. KING. Again.\r\n");                                // 21

QJsonObject parse(const QString &text, int chunkSize)
{
    ParseError error;
    auto run = ParseRun::begin(text, QJsonObject{{QStringLiteral("chunkSize"), chunkSize}}, &error);
    if (!run)
        qFatal("parse: %s", qPrintable(error.message));
    while (!run->finished()) {
        if (!run->runNextChunk(nullptr, &error))
            qFatal("chunk: %s", qPrintable(error.message));
    }
    return run->playbook();
}

QJsonArray speechesOf(const QJsonObject &playbook)
{
    QJsonArray all;
    for (const QJsonValue &a : playbook.value(QStringLiteral("acts")).toArray())
        for (const QJsonValue &s : a.toObject().value(QStringLiteral("scenes")).toArray())
            for (const QJsonValue &sp : s.toObject().value(QStringLiteral("speeches")).toArray())
                all.append(sp);
    return all;
}

QJsonObject character(const QJsonObject &playbook, const QString &name)
{
    for (const QJsonValue &c : playbook.value(QStringLiteral("characters")).toArray()) {
        if (c.toObject().value(QStringLiteral("name")).toString() == name)
            return c.toObject();
    }
    return {};
}

/// Enqueues kPlay, parses it and completes the job with its playbook, as a worker would.
QString completedJob(JobQueue &queue)
{
    EnqueueInput input;
    input.filename = QStringLiteral("test.txt");
    input.rawText = kPlay.toUtf8();
    const QString id = queue.enqueue(input);
    const auto claimed = queue.claimNext(QStringLiteral("w-1"));
    if (!claimed || claimed->id != id)
        qFatal("claim failed");
    if (!queue.complete(id, QStringLiteral("w-1"), parse(kPlay, 200)))
        qFatal("complete failed");
    return id;
}

} // namespace

class TestPlaybookReview : public QObject
{
    Q_OBJECT

private slots:
    void speechesCarryTheirSourceLines()
    {
        const QJsonObject playbook = parse(kPlay, 200);
        const QJsonArray speeches = speechesOf(playbook);
        QCOMPARE(speeches.size(), 6);
        const QList<QPair<int, int>> expected{{8, 9}, {13, 13}, {15, 15}, {17, 17}, {19, 19}, {21, 21}};
        for (int i = 0; i < speeches.size(); ++i) {
            const QJsonArray lines = speeches.at(i).toObject().value(QStringLiteral("lines")).toArray();
            const QPair<int, int> got(lines.at(0).toInt(), lines.at(1).toInt());
            QCOMPARE(got, expected.at(i));
        }
        const QJsonObject scene = playbook.value(QStringLiteral("acts")).toArray().at(0).toObject()
                                      .value(QStringLiteral("scenes")).toArray().at(0).toObject();
        QCOMPARE(scene.value(QStringLiteral("stage_directions")).toArray().at(0).toString(),
                 QStringLiteral("[Enter Horatio.]"));
        QCOMPARE(scene.value(QStringLiteral("stage_direction_lines")).toArray().at(0).toArray(),
                 (QJsonArray{11, 11}));
    }

    void linesDoNotDependOnTheChunkSize()
    {
        const QJsonObject whole = parse(kPlay, 200);
        for (int size = 1; size <= 6; ++size)
            QCOMPARE(parse(kPlay, size), whole);
    }

    void realPlayLinesPointAtTheSpeaker()
    {
        // Every speech of a real play (CRLF, licence header) starts on a line that holds its label.
        QFile file(QStringLiteral(CALLBOARD_PLAYS_DIR "/earnest.txt"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(file.readAll());
        const QStringList lines = QString(text).replace(QStringLiteral("\r\n"), QStringLiteral("\n")).split(u'\n');
        const QJsonArray speeches = speechesOf(parse(text, 200));
        QVERIFY(speeches.size() > 800);
        int checked = 0;
        for (const QJsonValue &v : speeches) {
            const QJsonObject sp = v.toObject();
            const QJsonArray range = sp.value(QStringLiteral("lines")).toArray();
            QCOMPARE(range.size(), 2);
            const int first = range.at(0).toInt();
            QVERIFY(first >= 1 && range.at(1).toInt() >= first && range.at(1).toInt() <= lines.size());
            const QString label = sp.value(QStringLiteral("speaker")).toString().section(u' ', 0, 0);
            QVERIFY2(lines.at(first - 1).contains(label, Qt::CaseInsensitive),
                     qPrintable(QStringLiteral("%1 not on line %2: %3").arg(label).arg(first).arg(lines.at(first - 1))));
            ++checked;
        }
        QCOMPARE(checked, int(speeches.size()));
    }

    void warningsFromTheTable()
    {
        QJsonObject playbook{
            {QStringLiteral("characters"),
             QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("Nora")}, {QStringLiteral("speeches"), 0}},
                        QJsonObject{{QStringLiteral("name"), QStringLiteral("NORA")}, {QStringLiteral("speeches"), 5}},
                        QJsonObject{{QStringLiteral("name"), QStringLiteral("Ham")}, {QStringLiteral("speeches"), 3}},
                        QJsonObject{{QStringLiteral("name"), QStringLiteral("Hamlet")}, {QStringLiteral("speeches"), 0}}}},
            {QStringLiteral("meta"), QJsonObject{{QStringLiteral("confidence"), 0.97}}}};
        QSet<int> kinds;
        const auto warnings = PlaybookQuality::warnings(playbook);
        for (const QualityWarning &w : warnings)
            kinds.insert(w.kind);
        QVERIFY(kinds.contains(QualityWarning::SilentCastMember));
        QVERIFY(kinds.contains(QualityWarning::CaseVariant));
        QVERIFY(kinds.contains(QualityWarning::AbbreviatedName));
        QVERIFY(PlaybookQuality::needsReview(0.97, PlaybookQuality::seriousCount(warnings)));
        QVERIFY(PlaybookQuality::needsReview(0.5, 0));
        QVERIFY(!PlaybookQuality::needsReview(0.97, 0));
        QVERIFY(!PlaybookQuality::needsReview(-1, 0));
    }

    void peopleWhoAnswerEachOtherAreNotAbbreviations()
    {
        // HIGGINS and MRS. HIGGINS talk to each other: two people, not a short form of one name.
        // HAM never speaks to HAMLET, so it still reads as a short form worth a look. JACK AND
        // ALGERNON speak together: JACK is one of them, not a short form of the pair.
        auto entry = [](const QString &name) {
            return QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("speeches"), 2}};
        };
        auto speech = [](const QString &speaker) {
            return QJsonObject{{QStringLiteral("speaker"), speaker}, {QStringLiteral("text"), QStringLiteral("…")}};
        };
        const QJsonObject playbook{
            {QStringLiteral("characters"),
             QJsonArray{entry(QStringLiteral("HIGGINS")), entry(QStringLiteral("MRS. HIGGINS")),
                        entry(QStringLiteral("HAM")), entry(QStringLiteral("HAMLET")),
                        entry(QStringLiteral("JACK")), entry(QStringLiteral("JACK AND ALGERNON"))}},
            {QStringLiteral("acts"),
             QJsonArray{QJsonObject{
                 {QStringLiteral("scenes"),
                  QJsonArray{QJsonObject{
                      {QStringLiteral("speeches"),
                       QJsonArray{speech(QStringLiteral("HIGGINS")), speech(QStringLiteral("MRS. HIGGINS")),
                                  speech(QStringLiteral("HIGGINS")), speech(QStringLiteral("HAM")),
                                  speech(QStringLiteral("HAM")), speech(QStringLiteral("HAMLET"))}}}}}}}}};
        QStringList abbreviated;
        for (const QualityWarning &w : PlaybookQuality::warnings(playbook)) {
            if (w.kind == QualityWarning::AbbreviatedName)
                abbreviated << w.names.join(QStringLiteral(" / "));
        }
        QCOMPARE(abbreviated, QStringList{QStringLiteral("HAM / HAMLET")});
    }

    // A pool completes through completeAndClaim, which on PostgreSQL is one statement of its own.
    void batchedCompletionsStoreTheReviewFigures_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }
    void batchedCompletionsStoreTheReviewFigures()
    {
        OPEN_TEST_DATABASE(test);
        JobQueue queue(test.db());
        QStringList ids;
        for (int i = 0; i < 3; ++i) {
            EnqueueInput input;
            input.filename = QStringLiteral("test-%1.txt").arg(i);
            input.rawText = kPlay.toUtf8() + QByteArray(i, ' ');
            ids << queue.enqueue(input);
        }
        const BatchResult claimed = queue.completeAndClaim({}, {QStringLiteral("w-1"), QStringLiteral("w-2"),
                                                                QStringLiteral("w-3")});
        QCOMPARE(claimed.claimed.size(), 3);
        // Two playbooks and one job without (a no-op job) in one batch: each document goes
        // to its own job.
        const QJsonObject playbook = parse(kPlay, 200);
        QJsonObject other = playbook;
        // The separator the batch splits its documents at, inside a document.
        other.insert(QStringLiteral("title"),
                     QStringLiteral("Another ") + QChar(1) + QStringLiteral(" \"title\" é"));
        QList<Completion> completions;
        for (const Job &job : claimed.claimed)
            completions << Completion{job.id, job.workerId, {}, -1, -1};
        completions[0].playbook = StoredPlaybook::of(playbook);
        completions[2].playbook = StoredPlaybook::of(other);
        const BatchResult done = queue.completeAndClaim(completions, {});
        QCOMPARE(done.completed.size(), 3);

        QCOMPARE(queue.playbook(completions[0].jobId)->document, playbook);
        QCOMPARE(queue.playbook(completions[2].jobId)->document, other);
        QVERIFY(!queue.playbook(completions[1].jobId));
        QSqlQuery stored(test.db());
        QVERIFY(stored.exec(QStringLiteral(R"(SELECT "confidence", "warnings" FROM "CallboardPlaybook")")));
        int rows = 0;
        while (stored.next()) {
            ++rows;
            QCOMPARE(stored.value(0).toDouble(), PlaybookQuality::confidence(playbook));
            QCOMPARE(stored.value(1).toInt(),
                     PlaybookQuality::seriousCount(PlaybookQuality::warnings(playbook)));
        }
        QCOMPARE(rows, 2);
    }

    void correctionsAsRevisions_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }
    void correctionsAsRevisions()
    {
        OPEN_TEST_DATABASE(test);
        JobQueue queue(test.db());
        const QString id = completedJob(queue);
        const auto original = queue.playbook(id);
        QVERIFY(original);
        QCOMPARE(original->revision, 0);
        QCOMPARE(character(original->document, QStringLiteral("HAMLET")).value(QStringLiteral("speeches")).toInt(), 2);
        // The confidence and the warning count beside the playbook, for the window's badge.
        QSqlQuery stored(test.db());
        QVERIFY(stored.exec(QStringLiteral(R"(SELECT "confidence", "warnings" FROM "CallboardPlaybook")")));
        QVERIFY(stored.next());
        QCOMPARE(stored.value(0).toDouble(), PlaybookQuality::confidence(original->document));
        QCOMPARE(stored.value(1).toInt(), PlaybookQuality::seriousCount(PlaybookQuality::warnings(original->document)));
        stored.finish();

        // rename
        QCOMPARE(queue.correctPlaybook(id, PlaybookCorrection::rename(QStringLiteral("HAMLET"), QStringLiteral("Hamlet")),
                                       QStringLiteral("editor-anna")),
                 1);
        auto latest = queue.playbook(id);
        QCOMPARE(latest->revision, 1);
        QCOMPARE(character(latest->document, QStringLiteral("Hamlet")).value(QStringLiteral("speeches")).toInt(), 2);
        QVERIFY(character(latest->document, QStringLiteral("Hamlet")).value(QStringLiteral("aliases")).toArray()
                    .contains(QStringLiteral("HAMLET")));
        QCOMPARE(latest->document.value(QStringLiteral("meta")).toObject().value(QStringLiteral("revision")).toInt(), 1);
        // the parser's original is kept
        QCOMPARE(queue.playbook(id, true)->document, original->document);
        QCOMPARE(queue.playbook(id, true)->revision, 0);

        // merge: HORATIO into Hamlet (wrong, but it shows the counts move), then move a speech back
        QCOMPARE(queue.correctPlaybook(id, PlaybookCorrection::merge(QStringLiteral("HORATIO"), QStringLiteral("Hamlet")),
                                       QStringLiteral("editor-anna")),
                 2);
        latest = queue.playbook(id);
        QCOMPARE(character(latest->document, QStringLiteral("Hamlet")).value(QStringLiteral("speeches")).toInt(), 4);
        QVERIFY(character(latest->document, QStringLiteral("HORATIO")).isEmpty());
        QCOMPARE(latest->characterCount, original->characterCount - 1);

        // split: HORATIO leaves Hamlet again, with the speeches printed with that label
        QCOMPARE(queue.correctPlaybook(id, PlaybookCorrection::split(QStringLiteral("Hamlet"), {QStringLiteral("HORATIO")},
                                                                     QStringLiteral("Horatio")),
                                       QStringLiteral("editor-ben")),
                 3);
        latest = queue.playbook(id);
        QCOMPARE(character(latest->document, QStringLiteral("Hamlet")).value(QStringLiteral("speeches")).toInt(), 2);
        QCOMPARE(character(latest->document, QStringLiteral("Horatio")).value(QStringLiteral("speeches")).toInt(), 2);

        // move the first speech (act 0, scene 0, speech 0) to Horatio
        QCOMPARE(queue.correctPlaybook(id, PlaybookCorrection::moveSpeech(0, 0, 0, QStringLiteral("Horatio")),
                                       QStringLiteral("editor-ben")),
                 4);
        latest = queue.playbook(id);
        QCOMPARE(speechesOf(latest->document).at(0).toObject().value(QStringLiteral("speaker")).toString(),
                 QStringLiteral("Horatio"));
        QCOMPARE(character(latest->document, QStringLiteral("Horatio")).value(QStringLiteral("speeches")).toInt(), 3);
        QCOMPARE(character(latest->document, QStringLiteral("Hamlet")).value(QStringLiteral("speeches")).toInt(), 1);
        // line ranges survive corrections
        QCOMPARE(speechesOf(latest->document).at(0).toObject().value(QStringLiteral("lines")).toArray(),
                 (QJsonArray{8, 9}));

        // A correction that does not apply changes nothing and says why.
        bool refused = false;
        try {
            queue.correctPlaybook(id, PlaybookCorrection::merge(QStringLiteral("Nobody"), QStringLiteral("Hamlet")));
        } catch (const JobTransitionError &e) {
            refused = e.message().contains(QStringLiteral("Nobody"));
        }
        QVERIFY(refused);
        QCOMPARE(queue.playbook(id)->revision, 4);

        // Each correction is an event naming its actor.
        int corrections = 0;
        for (const JobEvent &event : queue.events(id)) {
            if (event.event != QLatin1String("playbook_corrected"))
                continue;
            ++corrections;
            QCOMPARE(event.details.value(QStringLiteral("revision")).toInt(), corrections);
            QCOMPARE(event.details.value(QStringLiteral("actor")).toString(),
                     corrections <= 2 ? QStringLiteral("editor-anna") : QStringLiteral("editor-ben"));
            QVERIFY(event.details.value(QStringLiteral("correction")).toObject().contains(QStringLiteral("op")));
        }
        QCOMPARE(corrections, 4);
    }

    void noPlaybookNoCorrection_data()
    {
        TestDatabase::addBackendColumn();
        TestDatabase::addBackendRows();
    }
    void noPlaybookNoCorrection()
    {
        OPEN_TEST_DATABASE(test);
        JobQueue queue(test.db());
        EnqueueInput input;
        input.filename = QStringLiteral("queued.txt");
        input.rawText = kPlay.toUtf8();
        const QString id = queue.enqueue(input);
        QVERIFY_THROWS_EXCEPTION(JobNotFoundError,
                                 queue.correctPlaybook(id, PlaybookCorrection::rename(QStringLiteral("A"), QStringLiteral("B"))));
    }
};

QTEST_GUILESS_MAIN(TestPlaybookReview)
#include "tst_playbookreview.moc"

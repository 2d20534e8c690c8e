// Tests of the parse pipeline: real plays scored by shared/plays/score.py, chunk-size and resume
// invariance, bad input, and unit tests of the pieces.
#include "engine/parse/chunker.h"
#include "engine/parse/linerecognizer.h"
#include "engine/parse/parserun.h"
#include "engine/parse/parsingcontext.h"
#include "engine/parse/playbookbuilder.h"
#include "engine/parse/sourcelines.h"
#include "engine/parse/textnormalizer.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace Engine;

namespace {

const QStringList PlaySlugs = {QStringLiteral("earnest"),   QStringLiteral("dolls-house"),
                               QStringLiteral("playboy"),   QStringLiteral("tartuffe"),
                               QStringLiteral("pygmalion"), QStringLiteral("hamlet"),
                               QStringLiteral("faust")};

QJsonObject config(int chunkSize)
{
    return QJsonObject{{QStringLiteral("chunkSize"), chunkSize}};
}

// Runs a whole parse; returns the playbook, or an empty object and the error.
QJsonObject parseAll(const QString &text, const QJsonObject &cfg, ParseError *error = nullptr)
{
    ParseError local;
    ParseError *err = error ? error : &local;
    auto run = ParseRun::begin(text, cfg, err);
    if (!run)
        return {};
    while (!run->finished()) {
        if (!run->runNextChunk(nullptr, err))
            return {};
    }
    return run->playbook();
}

// A JSON object as the database gives it back: written as text, read again.
QJsonObject throughText(const QJsonObject &object)
{
    return QJsonDocument::fromJson(QJsonDocument(object).toJson(QJsonDocument::Compact)).object();
}

int countSpeeches(const QJsonObject &playbook)
{
    int n = 0;
    for (const QJsonValue &a : playbook.value(QStringLiteral("acts")).toArray()) {
        for (const QJsonValue &s : a.toObject().value(QStringLiteral("scenes")).toArray())
            n += int(s.toObject().value(QStringLiteral("speeches")).toArray().size());
    }
    return n;
}

QHash<QString, QJsonObject> charactersByName(const QJsonObject &playbook)
{
    QHash<QString, QJsonObject> byName;
    for (const QJsonValue &c : playbook.value(QStringLiteral("characters")).toArray())
        byName.insert(c[QStringLiteral("name")].toString(), c.toObject());
    return byName;
}

QJsonArray allSpeeches(const QJsonObject &playbook)
{
    QJsonArray out;
    for (const QJsonValue &a : playbook.value(QStringLiteral("acts")).toArray()) {
        for (const QJsonValue &s : a.toObject().value(QStringLiteral("scenes")).toArray()) {
            for (const QJsonValue &sp : s.toObject().value(QStringLiteral("speeches")).toArray())
                out.append(sp);
        }
    }
    return out;
}

// The character entry whose name or one of whose aliases is `label`, or an empty object.
QJsonObject entryFor(const QJsonObject &playbook, const QString &label)
{
    for (const QJsonValue &v : playbook.value(QStringLiteral("characters")).toArray()) {
        const QJsonObject c = v.toObject();
        if (c.value(QStringLiteral("name")).toString() == label
            || c.value(QStringLiteral("aliases")).toArray().contains(label))
            return c;
    }
    return {};
}

const char *SmallPlay = "A SMALL PLAY\n"
                        "\n"
                        "ACT I.\n"
                        "\n"
                        "SCENE I. A room.\n"
                        "\n"
                        "[Enter Anna and Ben.]\n"
                        "\n"
                        "ANNA. Good morning, Ben.\n"
                        "\n"
                        "BEN. Good morning.  How are you\n"
                        "this fine day?\n"
                        "\n"
                        "ANNA. Well enough.\n"
                        "\n"
                        "SCENE II. The garden.\n"
                        "\n"
                        "BEN. Look at the roses.\n"
                        "\n"
                        "ANNA. [laughing] They are red.\n";

} // namespace

class TestParse : public QObject
{
    Q_OBJECT

private:
    QString m_playsDir;
    QHash<QString, QString> m_texts;

    QString playText(const QString &slug)
    {
        if (!m_texts.contains(slug)) {
            QFile f(m_playsDir + u'/' + slug + QStringLiteral(".txt"));
            if (!f.open(QIODevice::ReadOnly))
                return {};
            m_texts.insert(slug, QString::fromUtf8(f.readAll()));
        }
        return m_texts.value(slug);
    }

    void addPlayRows()
    {
        QTest::addColumn<QString>("slug");
        for (const QString &slug : PlaySlugs)
            QTest::newRow(qPrintable(slug)) << slug;
    }

private slots:
    void initTestCase()
    {
        m_playsDir = qEnvironmentVariable("CALLBOARD_PLAYS_DIR", QStringLiteral(CALLBOARD_PLAYS_DIR));
        QVERIFY2(QFile::exists(m_playsDir + QStringLiteral("/score.py")),
                 qPrintable(QStringLiteral("plays not found in %1 (set CALLBOARD_PLAYS_DIR)").arg(m_playsDir)));
    }

    // --- config -----------------------------------------------------------------------------

    void seedConfigKeyLlmProviderIsRead()
    {
        const QString text = QStringLiteral("HAMLET. To be.\nHORATIO. My lord.\n");
        ParseError error;
        // The seed writes "llmProvider": "openai" with no model is refused, not parsed by the
        // built-in parser as if the key were not there.
        QVERIFY(!ParseRun::begin(text, QJsonObject{{QStringLiteral("llmProvider"), QStringLiteral("openai")}},
                                 &error));
        QVERIFY2(error.message.contains(QStringLiteral("model")), qPrintable(error.message));
        QVERIFY(error.permanent);
        error = {};
        QVERIFY(ParseRun::begin(text, QJsonObject{{QStringLiteral("llmProvider"), QStringLiteral("heuristic")}},
                                &error));
        QVERIFY(!ParseRun::begin(text, QJsonObject{{QStringLiteral("llmProvider"), QStringLiteral("gpt")}},
                                 &error));
        QVERIFY2(error.message.contains(QStringLiteral("gpt")), qPrintable(error.message));
        QVERIFY(!ParseRun::begin(text,
                                 QJsonObject{{QStringLiteral("provider"), QStringLiteral("heuristic")},
                                             {QStringLiteral("llmProvider"), QStringLiteral("openai")}},
                                 &error));
        QVERIFY2(error.message.contains(QStringLiteral("disagree")), qPrintable(error.message));
    }

    void unknownConfigKeysAreNamed()
    {
        const QJsonObject config{{QStringLiteral("chunkSize"), 50},
                                 {QStringLiteral("llmProvider"), QStringLiteral("heuristic")},
                                 {QStringLiteral("chunksize"), 10},
                                 {QStringLiteral("language"), QStringLiteral("de")}};
        QCOMPARE(ParseRun::unknownConfigKeys(config),
                 (QStringList{QStringLiteral("chunksize"), QStringLiteral("language")}));
        QVERIFY(ParseRun::unknownConfigKeys({}).isEmpty());
    }

    // --- real plays ---------------------------------------------------------------------------

    void realPlayScores_data() { addPlayRows(); }
    void realPlayScores()
    {
        QFETCH(QString, slug);
        const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
        if (python.isEmpty())
            QSKIP("python3 is not installed");
        const QString text = playText(slug);
        QVERIFY(!text.isEmpty());
        ParseError error;
        const QJsonObject playbook = parseAll(text, config(200), &error);
        QVERIFY2(!playbook.isEmpty(), qPrintable(error.message));

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString out = dir.filePath(slug + QStringLiteral(".json"));
        QFile f(out);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(playbook).toJson());
        f.close();

        QProcess score;
        score.start(python, {m_playsDir + QStringLiteral("/score.py"),
                             m_playsDir + u'/' + slug + QStringLiteral(".truth.json"), out});
        QVERIFY(score.waitForFinished(120000));
        QCOMPARE(score.exitCode(), 0);
        const QStringList lines =
            QString::fromUtf8(score.readAllStandardOutput()).trimmed().split(u'\n');
        QVERIFY(!lines.isEmpty());
        const QString last = lines.last().trimmed();
        QVERIFY2(last.startsWith(u"score: "), qPrintable(last));
        bool ok = false;
        const double value = last.mid(7).toDouble(&ok);
        QVERIFY(ok);
        qInfo("%s: %s", qPrintable(slug), qPrintable(last));
        QVERIFY2(value >= 0.9, qPrintable(QStringLiteral("%1 scored %2").arg(slug).arg(value)));
    }

    void chunkSizeInvariance_data() { addPlayRows(); }
    void chunkSizeInvariance()
    {
        QFETCH(QString, slug);
        const QString text = playText(slug);
        const QJsonObject reference = parseAll(text, config(1000));
        QVERIFY(countSpeeches(reference) > 100);
        QCOMPARE(parseAll(text, config(50)), reference);
        QCOMPARE(parseAll(text, config(10)), reference);
    }

    void resumeAfterEveryChunk_data()
    {
        QTest::addColumn<QString>("slug");
        QTest::newRow("hamlet") << QStringLiteral("hamlet");
        QTest::newRow("playboy") << QStringLiteral("playboy");
        QTest::newRow("faust") << QStringLiteral("faust");
    }
    void resumeAfterEveryChunk()
    {
        QFETCH(QString, slug);
        const QString text = playText(slug);
        const QJsonObject cfg = config(150);
        const QJsonObject reference = parseAll(text, cfg);
        QVERIFY(countSpeeches(reference) > 100);

        ParseError error;
        auto run = ParseRun::begin(text, cfg, &error);
        QVERIFY2(run, qPrintable(error.message));
        QVERIFY(run->totalChunks() > 10);
        QList<QJsonObject> storedResults;
        while (!run->finished()) {
            ChunkReport report;
            QVERIFY2(run->runNextChunk(&report, &error), qPrintable(error.message));
            QCOMPARE(report.index, run->completedChunks() - 1);
            // the checkpoint as the worker stores it: JSON text, results appended once
            storedResults << throughText(run->takeChunkResults());
            QCOMPARE(storedResults.constLast().value(QStringLiteral("chunkCount")).toInt(), 1);
            const QJsonObject state = throughText(run->currentState());
            auto resumed = ParseRun::resume(text, cfg, state, storedResults, &error);
            QVERIFY2(resumed, qPrintable(error.message));
            QCOMPARE(resumed->completedChunks(), run->completedChunks());
            QCOMPARE(resumed->totalChunks(), run->totalChunks());
            while (!resumed->finished())
                QVERIFY2(resumed->runNextChunk(nullptr, &error), qPrintable(error.message));
            QCOMPARE(resumed->playbook(), reference);
        }
        QCOMPARE(run->playbook(), reference);
    }

    // Inputs on which the fuzzer once found a broken promise (tests/fuzz/regressions), checked
    // as fuzz_parse checks them: the first byte picks the chunk size and the chunk to resume
    // from, and neither may change the playbook. untitled-play-resumed-before-first-chunk: the
    // checkpoint stored "no title" as "", so the resumed playbook had the title "".
    void fuzzRegressionsKeepTheirPromises_data()
    {
        QTest::addColumn<QByteArray>("input");
        const QDir dir(QStringLiteral(CALLBOARD_FUZZ_REGRESSIONS_DIR));
        const QStringList names = dir.entryList(QDir::Files, QDir::Name);
        QVERIFY(!names.isEmpty());
        for (const QString &name : names) {
            QFile file(dir.filePath(name));
            QVERIFY(file.open(QIODevice::ReadOnly));
            QTest::newRow(qPrintable(name)) << file.readAll();
        }
    }
    void fuzzRegressionsKeepTheirPromises()
    {
        QFETCH(QByteArray, input);
        const auto first = static_cast<unsigned char>(input.at(0));
        const QString text = QString::fromUtf8(input.mid(1));
        const QJsonObject cfg = config(1 + first % 16);
        const int resumeAfter = first / 16;
        const QJsonObject whole = parseAll(text, config(100000));

        ParseError error;
        auto run = ParseRun::begin(text, cfg, &error);
        QVERIFY2(run, qPrintable(error.message));
        while (!run->finished()) {
            if (run->completedChunks() == resumeAfter) {
                const QJsonObject results = throughText(run->takeChunkResults());
                run = ParseRun::resume(text, cfg, throughText(run->currentState()), {results}, &error);
                QVERIFY2(run, qPrintable(error.message));
            }
            QVERIFY2(run->runNextChunk(nullptr, &error), qPrintable(error.message));
        }
        QCOMPARE(run->playbook(), whole);
    }

    void speechReportsAddUp()
    {
        const QString text = playText(QStringLiteral("earnest"));
        ParseError error;
        auto run = ParseRun::begin(text, config(100), &error);
        QVERIFY(run);
        int reported = 0;
        while (!run->finished()) {
            ChunkReport report;
            QVERIFY(run->runNextChunk(&report, &error));
            QVERIFY(report.speeches >= 0);
            QVERIFY(report.usage.isEmpty());
            reported += report.speeches;
        }
        QCOMPARE(reported, countSpeeches(run->playbook()));
        QVERIFY(!run->runNextChunk(nullptr, &error));
        QVERIFY(error.permanent);
    }

    // --- the small play: exact structure -----------------------------------------------------

    void smallPlayStructure()
    {
        const QJsonObject pb = parseAll(QString::fromUtf8(SmallPlay), config(3));
        QCOMPARE(pb.value(QStringLiteral("title")).toString(), QStringLiteral("A SMALL PLAY"));
        const QJsonArray acts = pb.value(QStringLiteral("acts")).toArray();
        QCOMPARE(acts.size(), 1);
        QCOMPARE(acts.at(0).toObject().value(QStringLiteral("title")).toString(), QStringLiteral("ACT I."));
        const QJsonArray scenes = acts.at(0).toObject().value(QStringLiteral("scenes")).toArray();
        QCOMPARE(scenes.size(), 2);
        QCOMPARE(scenes.at(1).toObject().value(QStringLiteral("title")).toString(),
                 QStringLiteral("SCENE II. The garden."));
        const QJsonArray speeches = allSpeeches(pb);
        QCOMPARE(speeches.size(), 5);
        QCOMPARE(speeches.at(1).toObject().value(QStringLiteral("speaker")).toString(), QStringLiteral("BEN"));
        QCOMPARE(speeches.at(1).toObject().value(QStringLiteral("text")).toString(),
                 QStringLiteral("Good morning.  How are you\nthis fine day?"));
        QCOMPARE(scenes.at(0).toObject().value(QStringLiteral("stage_directions")).toArray().at(0).toString(),
                 QStringLiteral("[Enter Anna and Ben.]"));
        const QJsonArray characters = pb.value(QStringLiteral("characters")).toArray();
        QCOMPARE(characters.size(), 2);
        QCOMPARE(characters.at(0).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("ANNA"));
    }

    void abbreviatedLabelsResolveThroughPersonae()
    {
        const QString text = QStringLiteral(
            "THE TRAGEDY\n\nDramatis Personae\n\nHamlet, a prince.\nHoratio, his friend.\n\n\n"
            "ACT I.\n\nHam.\nWho is there?\n\nHor.\nA friend.\n\nHam.\nWelcome.\n\nHor.\nThanks.\n");
        const QJsonObject pb = parseAll(text, config(200));
        const QJsonArray speeches = allSpeeches(pb);
        QCOMPARE(speeches.size(), 4);
        QCOMPARE(speeches.at(0).toObject().value(QStringLiteral("speaker")).toString(), QStringLiteral("Ham"));
        const QJsonArray characters = pb.value(QStringLiteral("characters")).toArray();
        QCOMPARE(characters.size(), 2);
        QCOMPARE(characters.at(0).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("Hamlet"));
        QCOMPARE(characters.at(0).toObject().value(QStringLiteral("aliases")).toArray(),
                 QJsonArray{QStringLiteral("Ham")});
    }

    void titledLabelsResolveThroughPersonae()
    {
        // `KING.` is the cast list's `Claudius, King of Denmark`; two dukes leave `DUKE.` alone.
        const QString text = QStringLiteral(
            "THE TRAGEDY\n\nDramatis Personae\n\nClaudius, King of Denmark.\n"
            "Gertrude, Queen of Denmark, and Mother of Hamlet.\nOrsino, Duke of Illyria.\n"
            "Frederick, Duke of Milan.\n\n\n"
            "ACT I.\n\nKING.\nWho is there?\n\nQUEEN.\nA friend.\n\nDUKE.\nWelcome.\n\n"
            "KING.\nThanks.\n");
        const QJsonObject pb = parseAll(text, config(60));
        QCOMPARE(allSpeeches(pb).size(), 4);
        const QHash<QString, QJsonObject> byName = charactersByName(pb);
        QCOMPARE(byName.value(QStringLiteral("Claudius")).value(QStringLiteral("speeches")).toInt(), 2);
        QCOMPARE(byName.value(QStringLiteral("Claudius")).value(QStringLiteral("aliases")).toArray(),
                 QJsonArray{QStringLiteral("KING")});
        QCOMPARE(byName.value(QStringLiteral("Gertrude")).value(QStringLiteral("speeches")).toInt(), 1);
        QCOMPARE(byName.value(QStringLiteral("DUKE")).value(QStringLiteral("speeches")).toInt(), 1);
        QVERIFY(!byName.contains(QStringLiteral("KING")));
        QCOMPARE(byName.value(QStringLiteral("Orsino")).value(QStringLiteral("speeches")).toInt(), 0);
    }

    void jointCastEntryIsTwoPeople()
    {
        // One cast entry for two men: `JIMMY.` is Jimmy Farrell, not the pair.
        const QString text = QStringLiteral(
            "THE PLAY\n\nPERSONS IN THE PLAY\n\nPEGEEN MIKE, a girl\n"
            "PHILLY CULLEN AND JIMMY FARRELL, small farmers\nMR. AND MRS. QUIN, neighbours\n\n\n"
            "ACT I\n\nJIMMY. Good day.\n\nPHILLY. Good day to you.\n\nPEGEEN. Come in.\n\n"
            "JIMMY. I will.\n");
        const QJsonObject pb = parseAll(text, config(60));
        QCOMPARE(allSpeeches(pb).size(), 4);
        const QHash<QString, QJsonObject> byName = charactersByName(pb);
        QCOMPARE(byName.value(QStringLiteral("JIMMY FARRELL")).value(QStringLiteral("speeches")).toInt(), 2);
        QCOMPARE(byName.value(QStringLiteral("PHILLY CULLEN")).value(QStringLiteral("speeches")).toInt(), 1);
        QVERIFY(!byName.contains(QStringLiteral("PHILLY CULLEN AND JIMMY FARRELL")));
        QVERIFY(byName.contains(QStringLiteral("MRS. QUIN"))); // listed, silent
        QVERIFY(!byName.contains(QStringLiteral("MR"))); // a bare title names nobody
    }

    void speechesWithoutBlankLines()
    {
        // the layout of many Shakespeare etexts: every speech starts a line, verse indented below
        const QString text = QStringLiteral(
            "ACT I\n\nSCENE I. A desert place.\n\n  Thunder. Enter three Witches.\n\n"
            "  FIRST WITCH. When shall we three meet again\n    In thunder, lightning, or in rain?\n"
            "  SECOND WITCH. When the hurlyburly's done,\n    When the battle's lost and won.\n"
            "  THIRD WITCH. That will be ere the set of sun.\n  FIRST WITCH. Where the place?\n"
            "  SECOND WITCH. Upon the heath.\n  THIRD WITCH. There to meet with Macbeth.\n");
        const QJsonArray speeches = allSpeeches(parseAll(text, config(200)));
        QCOMPARE(speeches.size(), 6);
        QCOMPARE(speeches.at(1).toObject().value(QStringLiteral("speaker")).toString(), QStringLiteral("SECOND WITCH"));
        QCOMPARE(speeches.at(0).toObject().value(QStringLiteral("text")).toString(),
                 QStringLiteral("When shall we three meet again\nIn thunder, lightning, or in rain?"));
    }

    void labelWithCommaDirection()
    {
        const QString text = QStringLiteral(
            "ACTE PREMIER\n\nSCÈNE PREMIÈRE\n\nPHILINTE.\nQu'est-ce donc?\n\nALCESTE, assis.\n"
            "Laissez-moi, je vous prie.\n\nPHILINTE.\nMais encor...\n");
        const QJsonObject pb = parseAll(text, config(200));
        const QJsonArray speeches = allSpeeches(pb);
        QCOMPARE(speeches.size(), 3);
        QCOMPARE(speeches.at(1).toObject().value(QStringLiteral("speaker")).toString(), QStringLiteral("ALCESTE"));
        QCOMPARE(pb.value(QStringLiteral("acts"))[0][QStringLiteral("scenes")][0][QStringLiteral("title")].toString(),
                 QStringLiteral("SCÈNE PREMIÈRE"));
    }

    void playWithoutActsIsOneUntitledAct()
    {
        const QString text = QStringLiteral(
            "FAUST:\nHabe nun, ach!\nPhilosophie.\n\nWAGNER:\nVerzeiht!\n\nFAUST:\nO Tod!\n");
        const QJsonObject pb = parseAll(text, config(200));
        const QJsonArray acts = pb.value(QStringLiteral("acts")).toArray();
        QCOMPARE(acts.size(), 1);
        QVERIFY(acts.at(0).toObject().value(QStringLiteral("title")).isNull());
        QCOMPARE(countSpeeches(pb), 3);
        QCOMPARE(allSpeeches(pb).at(0).toObject().value(QStringLiteral("text")).toString(),
                 QStringLiteral("Habe nun, ach!\nPhilosophie."));
    }

    // --- described labels joined with the name the text gives ---------------------------------

    void describedSpeakerJoinsTheNameTheyGive()
    {
        // Described labels replaced by names once the people are introduced: one says who he is,
        // one answers the question, one is called by her name in reply (twice), and her mother
        // later introduces her.
        const QString text = QStringLiteral(
            "ACT I\n\n"
            "THE STRANGER. Good evening. Is this the inn?\n\n"
            "THE DAUGHTER. It is, sir. Mother, a traveller.\n\n"
            "THE MOTHER. Stand up straight, Alice.\n\n"
            "THE DAUGHTER. I am standing straight.\n\n"
            "THE MOTHER. Then fetch the lamp, Alice.\n\n"
            "THE STRANGER. I am Captain Robert Hale. And who are you?\n\n"
            "THE KEEPER. Thomas Webb, keeper of this house.\n\n"
            "ACT II\n\n"
            "HALE. Good morning, Webb.\n\n"
            "WEBB. Good morning, Captain.\n\n"
            "ALICE. The coach is here.\n\n"
            "MRS. WEBB. My daughter Alice, Captain.\n\n"
            "HALE. Delighted.\n\n"
            "WEBB. Your bags are ready.\n");
        const QJsonObject pb = parseAll(text, config(200));
        QCOMPARE(countSpeeches(pb), 13);
        const QJsonObject hale = entryFor(pb, QStringLiteral("HALE"));
        QCOMPARE(hale.value(QStringLiteral("aliases")).toArray(), QJsonArray{QStringLiteral("THE STRANGER")});
        QCOMPARE(hale.value(QStringLiteral("speeches")).toInt(), 4);
        QCOMPARE(entryFor(pb, QStringLiteral("THE KEEPER")).value(QStringLiteral("name")).toString(),
                 QStringLiteral("WEBB"));
        QCOMPARE(entryFor(pb, QStringLiteral("THE DAUGHTER")).value(QStringLiteral("name")).toString(),
                 QStringLiteral("ALICE"));
        QCOMPARE(entryFor(pb, QStringLiteral("THE MOTHER")).value(QStringLiteral("name")).toString(),
                 QStringLiteral("MRS. WEBB"));
        QCOMPARE(pb.value(QStringLiteral("characters")).toArray().size(), 4);
        // the playbook does not depend on where the chunks end
        QCOMPARE(parseAll(text, config(3)), pb);
    }

    void differentPeopleStayApart()
    {
        // An impostor claims JOHN's name while JOHN answers him: two people taking turns. THE NURSE's
        // `I am Mary's sister` is a possessive. `Tom` is said after THE GUARD, but as often after
        // JOHN: the text does not tell whose name it is.
        const QString text = QStringLiteral(
            "ACT I\n\n"
            "THE STRANGER. Good evening.\n\n"
            "JOHN. Who are you?\n\n"
            "THE STRANGER. I am John Hale.\n\n"
            "JOHN. You lie. I am John Hale.\n\n"
            "THE STRANGER. Prove it.\n\n"
            "JOHN. Ask anyone.\n\n"
            "THE NURSE. I am Mary's sister.\n\n"
            "THE GUARD. Halt.\n\n"
            "THE NURSE. Yes, Tom.\n\n"
            "JOHN. Let me pass.\n\n"
            "THE NURSE. Hush, Tom.\n\n"
            "THE GUARD. Who goes there?\n\n"
            "THE NURSE. Only us, Tom.\n\n"
            "JOHN. Friends.\n\n"
            "THE NURSE. Go on, Tom.\n\n"
            "ACT II\n\n"
            "MARY. Where did they go?\n\n"
            "TOM. Home.\n");
        const QJsonObject pb = parseAll(text, config(200));
        QCOMPARE(countSpeeches(pb), 17);
        for (const QString &label : {QStringLiteral("THE STRANGER"), QStringLiteral("JOHN"),
                                     QStringLiteral("THE NURSE"), QStringLiteral("THE GUARD"),
                                     QStringLiteral("MARY"), QStringLiteral("TOM")}) {
            const QJsonObject entry = entryFor(pb, label);
            QCOMPARE(entry.value(QStringLiteral("name")).toString(), label);
            QVERIFY2(entry.value(QStringLiteral("aliases")).toArray().isEmpty(), qPrintable(label));
        }
    }

    // --- bad input ----------------------------------------------------------------------------

    void badInput_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << QString() << QStringLiteral("empty");
        QTest::newRow("whitespace") << QStringLiteral("  \n\r\n\t \n") << QStringLiteral("empty");
        QByteArray junk;
        quint32 seed = 12345;
        for (int i = 0; i < 200000; ++i) {
            seed = seed * 1103515245u + 12345u;
            junk.append(char(seed >> 24));
        }
        QTest::newRow("binary") << QString::fromUtf8(junk) << QStringLiteral("not a text");
        QString prose;
        for (int i = 0; i < 300; ++i)
            prose += QStringLiteral("It was a dark and stormy night; the rain fell in torrents, "
                                    "except at occasional intervals.\nThe wind swept up the streets.\n\n");
        QTest::newRow("prose") << prose << QStringLiteral("no speeches found");
        QTest::newRow("only gutenberg header")
            << QStringLiteral("Title: Nothing\r\n\r\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\r\n\r\n"
                              "*** END OF THE PROJECT GUTENBERG EBOOK X ***\r\nlicence\r\n")
            << QStringLiteral("Project Gutenberg");
    }
    void badInput()
    {
        QFETCH(QString, text);
        QFETCH(QString, message);
        ParseError error;
        const QJsonObject pb = parseAll(text, config(50), &error);
        QVERIFY(pb.isEmpty());
        QVERIFY(error.permanent);
        QVERIFY2(error.message.contains(message), qPrintable(error.message));
    }

    void badConfig()
    {
        const QString text = QString::fromUtf8(SmallPlay);
        ParseError error;
        QVERIFY(!ParseRun::begin(text, QJsonObject{{QStringLiteral("chunkSize"), 0}}, &error));
        QVERIFY(error.permanent);
        QVERIFY(error.message.contains(QStringLiteral("chunkSize")));
        error = {};
        QVERIFY(!ParseRun::begin(text, QJsonObject{{QStringLiteral("chunkSize"), QStringLiteral("big")}}, &error));
        QVERIFY(error.permanent);
        error = {};
        // openai needs a model (config or CALLBOARD_LLM_MODEL); its own tests are tst_openaiprovider
        qunsetenv("CALLBOARD_LLM_MODEL");
        QVERIFY(!ParseRun::begin(text, QJsonObject{{QStringLiteral("provider"), QStringLiteral("openai")}}, &error));
        QVERIFY(error.permanent);
        QVERIFY2(error.message.contains(QStringLiteral("model")), qPrintable(error.message));
        error = {};
        QVERIFY(!ParseRun::begin(text, QJsonObject{{QStringLiteral("provider"), QStringLiteral("magic")}}, &error));
        QVERIFY(error.message.contains(QStringLiteral("magic")));
        QVERIFY(ParseRun::begin(text, QJsonObject{{QStringLiteral("provider"), QStringLiteral("heuristic")}}, &error));
        QVERIFY(ParseRun::begin(text, QJsonObject(), &error)); // defaults
    }

    void lineEndsAndBomDoNotMatter()
    {
        const QString lf = QString::fromUtf8(SmallPlay);
        QString crlf = lf;
        crlf.replace(u'\n', QStringLiteral("\r\n"));
        QString cr = lf;
        cr.replace(u'\n', u'\r');
        QString mixed = QChar(0xFEFF) + lf;
        mixed.replace(QStringLiteral("Ben.\n"), QStringLiteral("Ben.\r\n"));
        mixed.replace(QStringLiteral("roses.\n\n"), QStringLiteral("roses.\r\r"));
        const QJsonObject reference = parseAll(lf, config(200));
        QCOMPARE(countSpeeches(reference), 5);
        QCOMPARE(parseAll(crlf, config(200)), reference);
        QCOMPARE(parseAll(cr, config(200)), reference);
        QCOMPARE(parseAll(mixed, config(200)), reference);
    }

    void noHeadingsAtAll()
    {
        const QString text = QStringLiteral("ANNA. Hello.\n\nBEN. Hi.\n\nANNA. Bye.\n");
        const QJsonObject pb = parseAll(text, config(200));
        QCOMPARE(countSpeeches(pb), 3);
        const QJsonArray acts = pb.value(QStringLiteral("acts")).toArray();
        QCOMPARE(acts.size(), 1);
        QVERIFY(acts.at(0).toObject().value(QStringLiteral("title")).isNull());
    }

    void resumeRejectsForeignCheckpoints()
    {
        const QString text = QString::fromUtf8(SmallPlay);
        ParseError error;
        auto run = ParseRun::begin(text, config(4), &error);
        QVERIFY(run);
        QVERIFY(run->runNextChunk(nullptr, &error));
        const QJsonObject state = run->currentState();
        const QList<QJsonObject> results{run->takeChunkResults()};

        QVERIFY(!ParseRun::resume(text + QStringLiteral("\nANNA. More.\n"), config(4), state, results, &error));
        QVERIFY(error.permanent);
        QVERIFY(error.message.contains(QStringLiteral("different text")));
        QVERIFY(!ParseRun::resume(text, config(5), state, results, &error));
        QVERIFY(error.message.contains(QStringLiteral("chunk size")));
        QJsonObject damaged = state;
        damaged.insert(QStringLiteral("context"), QStringLiteral("garbage"));
        QVERIFY(!ParseRun::resume(text, config(4), damaged, results, &error));
        QVERIFY(error.message.contains(QStringLiteral("damaged")));
        QVERIFY(!ParseRun::resume(text, config(4), QJsonObject(), results, &error));
        // the results of the chunks before the checkpoint are part of it: missing or malformed,
        // the checkpoint is unusable rather than silently short of speeches
        QVERIFY(!ParseRun::resume(text, config(4), state, {}, &error));
        QVERIFY(error.message.contains(QStringLiteral("damaged")));
        QJsonObject badOps = results.constFirst();
        badOps.insert(QStringLiteral("ops"), QJsonArray{QJsonArray{QStringLiteral("x")}});
        QVERIFY(!ParseRun::resume(text, config(4), state, {badOps}, &error));
        QVERIFY(ParseRun::resume(text, config(4), state, results, &error));
    }

    // The checkpoint is the parser's carry-over state, not the partial playbook: its size must
    // not grow with the play (a checkpoint per chunk that held everything made a long play
    // quadratic in bytes written). Results taken for several chunks at once resume the same.
    void checkpointStaysSmallAndResultsCoalesce()
    {
        const QString text = playText(QStringLiteral("hamlet"));
        const QJsonObject cfg = config(100);
        const QJsonObject reference = parseAll(text, cfg);
        ParseError error;
        auto run = ParseRun::begin(text, cfg, &error);
        QVERIFY(run);
        QVERIFY(run->totalChunks() > 30);
        QList<QJsonObject> stored;
        qsizetype largestState = 0;
        qsizetype resultBytes = 0;
        while (!run->finished()) {
            QVERIFY(run->runNextChunk(nullptr, &error));
            largestState = qMax(largestState, QJsonDocument(run->currentState()).toJson(QJsonDocument::Compact).size());
            QVERIFY(!run->currentState().contains(QStringLiteral("playbook")));
            if (run->completedChunks() % 7 == 0 || run->finished()) {
                stored << throughText(run->takeChunkResults());
                resultBytes += QJsonDocument(stored.constLast()).toJson(QJsonDocument::Compact).size();
            }
        }
        // Hamlet is ~180 kB of text; the state holds the cast and one open speech
        QVERIFY2(largestState < 16 * 1024, qPrintable(QString::number(largestState)));
        // every result written once: together about the size of the text, not chunks × text
        QVERIFY2(resultBytes < 2 * text.toUtf8().size(), qPrintable(QString::number(resultBytes)));
        // the last take covers what is left; an empty take after it covers nothing
        QCOMPARE(run->takeChunkResults().value(QStringLiteral("chunkCount")).toInt(), 0);

        auto resumed = ParseRun::resume(text, cfg, throughText(run->currentState()), stored, &error);
        QVERIFY2(resumed, qPrintable(error.message));
        QVERIFY(resumed->finished());
        QCOMPARE(resumed->playbook(), reference);
    }

    void hugeInputIsLinear()
    {
        // ~50 MB: a play repeated, plus one enormous line of junk; must finish quickly and with a
        // playbook (the chunker bounds each chunk, the recognisers look at line heads only).
        // (a play without a Gutenberg footer: the first footer would end the text)
        const QString play = playText(QStringLiteral("dolls-house"));
        QVERIFY(!play.isEmpty());
        QString big;
        big.reserve(52 * 1024 * 1024);
#ifdef CALLBOARD_SANITIZED
        const qsizetype target = 8 * 1024 * 1024; // the sanitizers make 50 MB take minutes
#else
        const qsizetype target = 48 * 1024 * 1024;
#endif
        int copies = 0;
        while (big.size() < target) {
            big += play;
            ++copies;
        }
        big += QString(2 * 1024 * 1024, u'x');
        QElapsedTimer timer;
        timer.start();
        ParseError error;
        auto run = ParseRun::begin(big, config(1000), &error);
        QVERIFY2(run, qPrintable(error.message));
        while (!run->finished())
            QVERIFY2(run->runNextChunk(nullptr, &error), qPrintable(error.message));
        const int speeches = countSpeeches(run->playbook());
        qInfo("%lld MB parsed in %lld ms, %d speeches", qint64(big.size() >> 20), timer.elapsed(),
              speeches);
        // Every copy of the play is found (a speech may merge where two copies meet).
        const int perCopy = countSpeeches(parseAll(play, config(1000), &error));
        QVERIFY(perCopy > 1000);
        QVERIFY2(speeches >= copies * (perCopy - 1),
                 qPrintable(QStringLiteral("%1 speeches for %2 copies of %3").arg(speeches).arg(copies).arg(perCopy)));
    }

    void manyDistinctLabelsStayLinear()
    {
        // junk with a new "speaker" on every line must not make character matching quadratic
        QString text;
        for (int i = 0; i < 100000; ++i) {
            QString name;
            for (int n = i; n > 0 || name.isEmpty(); n /= 26)
                name.append(QChar(u'A' + n % 26));
            text += QStringLiteral("Q%1. Some words here.\n\n").arg(name);
        }
        QElapsedTimer timer;
        timer.start();
        ParseError error;
        const QJsonObject pb = parseAll(text, config(500), &error);
        QVERIFY2(!pb.isEmpty(), qPrintable(error.message));
        QCOMPARE(countSpeeches(pb), 100000);
        QVERIFY(pb.value(QStringLiteral("characters")).toArray().size() <= 1000);
    }

    // --- units --------------------------------------------------------------------------------

    void chunker()
    {
        QString text;
        for (int i = 0; i < 100; ++i)
            text += (i % 7 == 6) ? QStringLiteral("\n") : QStringLiteral("line %1\n").arg(i);
        const SourceLines lines(text);
        QCOMPARE(lines.count(), 100);
        const QList<int> starts = Chunker::chunkStarts(lines, 10);
        QCOMPARE(starts.first(), 0);
        for (int i = 1; i < starts.size(); ++i) {
            QVERIFY(starts.at(i) > starts.at(i - 1));
            QVERIFY(starts.at(i) - starts.at(i - 1) >= 10);
            QVERIFY(starts.at(i) - starts.at(i - 1) <= 20);
            // every cut is just after a blank line
            QVERIFY(lines.line(starts.at(i) - 1).isEmpty());
        }
        QCOMPARE(starts, (QList<int>{0, 14, 28, 42, 56, 70, 84, 98}));

        // no blank lines at all: forced cuts at twice the size
        QString verse;
        for (int i = 0; i < 50; ++i)
            verse += QStringLiteral("verse\n");
        QCOMPARE(Chunker::chunkStarts(SourceLines(verse), 10), (QList<int>{0, 20, 40}));
        QCOMPARE(Chunker::chunkStarts(SourceLines(QString()), 10), QList<int>());
        QCOMPARE(Chunker::chunkStarts(SourceLines(verse), 1000), QList<int>{0});
    }

    void headings_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<bool>("act");
        QTest::addColumn<bool>("scene");
        QTest::newRow("ACT I.") << QStringLiteral("ACT I.") << true << false;
        QTest::newRow("Act II.") << QStringLiteral("Act II.") << true << false;
        QTest::newRow("FIRST ACT") << QStringLiteral("FIRST ACT") << true << false;
        QTest::newRow("ACT 3") << QStringLiteral("ACT 3") << true << false;
        QTest::newRow("act with place") << QStringLiteral("ACT I.  A room in the house.") << true << false;
        QTest::newRow("Erster Akt") << QStringLiteral("Erster Akt") << true << false;
        QTest::newRow("Akt II") << QStringLiteral("Akt II") << true << false;
        QTest::newRow("Acte III") << QStringLiteral("Acte III") << true << false;
        QTest::newRow("SCENE I") << QStringLiteral("SCENE I") << false << true;
        QTest::newRow("Scene II. place") << QStringLiteral("Scene II. Elsinore. A room.") << false << true;
        QTest::newRow("Zweite Szene") << QStringLiteral("Zweite Szene") << false << true;
        QTest::newRow("Erster Auftritt") << QStringLiteral("Erster Auftritt") << false << true;
        QTest::newRow("Scène 4") << QStringLiteral("Scène 4") << false << true;
        QTest::newRow("ACTE PREMIER") << QStringLiteral("ACTE PREMIER") << true << false;
        QTest::newRow("SCÈNE PREMIÈRE") << QStringLiteral("SCÈNE PREMIÈRE") << false << true;
        QTest::newRow("Erster Aufzug") << QStringLiteral("Erster Aufzug") << true << false;
        QTest::newRow("SCENE alone") << QStringLiteral("SCENE") << false << false;
        QTest::newRow("SCENE: setting") << QStringLiteral("SCENE: [A public house.]") << false << false;
        QTest::newRow("Acts little") << QStringLiteral("Acts little of his will.--Tell me,") << false << false;
        QTest::newRow("ACT DROP") << QStringLiteral("ACT DROP") << false << false;
        QTest::newRow("lower-case prose") << QStringLiteral("act one of the plan") << false << false;
    }
    void headings()
    {
        QFETCH(QString, line);
        QFETCH(bool, act);
        QFETCH(bool, scene);
        QCOMPARE(LineRecognizer::isActHeading(line), act);
        QCOMPARE(LineRecognizer::isSceneHeading(line), scene);
    }

    void labels_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<int>("style");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("rest");
        QTest::newRow("caps alone") << QStringLiteral("NORA.") << int(LabelMatch::AloneCaps)
                                    << QStringLiteral("NORA") << QString();
        QTest::newRow("caps alone two words") << QStringLiteral("MADAME PERNELLE") << int(LabelMatch::AloneCaps)
                                              << QStringLiteral("MADAME PERNELLE") << QString();
        QTest::newRow("caps + dir") << QStringLiteral("ORGON (to Dorine)") << int(LabelMatch::AloneCaps)
                                    << QStringLiteral("ORGON") << QString();
        QTest::newRow("colon + dir") << QStringLiteral("MEPHISTOPHELES (zu Faust):")
                                     << int(LabelMatch::AloneColon) << QStringLiteral("MEPHISTOPHELES") << QString();
        QTest::newRow("abbrev") << QStringLiteral("Ham.") << int(LabelMatch::AloneAbbrev)
                                << QStringLiteral("Ham") << QString();
        QTest::newRow("abbrev two") << QStringLiteral("P. King.") << int(LabelMatch::AloneAbbrev)
                                    << QStringLiteral("P. King") << QString();
        QTest::newRow("numbered") << QStringLiteral("1 Clown.") << int(LabelMatch::AloneAbbrev)
                                  << QStringLiteral("1 Clown") << QString();
        QTest::newRow("joint") << QStringLiteral("Mar. and Ber.") << int(LabelMatch::AloneAbbrev)
                               << QStringLiteral("Mar. and Ber") << QString();
        QTest::newRow("inline caps") << QStringLiteral("CHRISTY. I am not.") << int(LabelMatch::InlineCaps)
                                     << QStringLiteral("CHRISTY") << QStringLiteral("I am not.");
        QTest::newRow("inline title") << QStringLiteral("MRS. HIGGINS. Henry!") << int(LabelMatch::InlineCaps)
                                      << QStringLiteral("MRS. HIGGINS") << QStringLiteral("Henry!");
        QTest::newRow("inline bracket") << QStringLiteral("THE MOTHER [on her right] Not so long.")
                                        << int(LabelMatch::InlineCaps) << QStringLiteral("THE MOTHER")
                                        << QStringLiteral("[on her right] Not so long.");
        QTest::newRow("inline dashes") << QStringLiteral("PEGEEN -- [slowly.] -- Six yards.")
                                       << int(LabelMatch::InlineCaps) << QStringLiteral("PEGEEN")
                                       << QStringLiteral("[slowly.] -- Six yards.");
        QTest::newRow("inline colon") << QStringLiteral("NORA: Yes, Torvald.") << int(LabelMatch::InlineCaps)
                                      << QStringLiteral("NORA") << QStringLiteral("Yes, Torvald.");
        QTest::newRow("inline mixed") << QStringLiteral("Lady Bracknell.  That's not quite the same.")
                                      << int(LabelMatch::InlineMixed) << QStringLiteral("Lady Bracknell")
                                      << QStringLiteral("That's not quite the same.");
        QTest::newRow("prose") << QStringLiteral("Freddy rushes in out of the rain.") << int(LabelMatch::None)
                               << QString() << QString();
        QTest::newRow("interjection") << QStringLiteral("Yes.  I will.") << int(LabelMatch::None) << QString()
                                      << QString();
        QTest::newRow("roman") << QStringLiteral("II.") << int(LabelMatch::None) << QString() << QString();
        QTest::newRow("list") << QStringLiteral("MADAME PERNELLE and FLIPOTTE, her servant; ELMIRE")
                              << int(LabelMatch::None) << QString() << QString();
    }
    void labels()
    {
        QFETCH(QString, line);
        QFETCH(int, style);
        QFETCH(QString, name);
        QFETCH(QString, rest);
        const LabelMatch m = LineRecognizer::matchLabel(line);
        QCOMPARE(int(m.style), style);
        QCOMPARE(m.name, name);
        QCOMPARE(m.rest, rest);
    }

    void otherRecognizers()
    {
        QVERIFY(LineRecognizer::isPersonaeHeading(QStringLiteral("DRAMATIS PERSONAE")));
        QVERIFY(LineRecognizer::isPersonaeHeading(QStringLiteral("Persons of the Play")));
        QVERIFY(LineRecognizer::isPersonaeHeading(QStringLiteral("PERSONS REPRESENTED.")));
        QVERIFY(LineRecognizer::isPersonaeHeading(QStringLiteral("Personen:")));
        QVERIFY(LineRecognizer::isPersonaeHeading(QStringLiteral("THE PERSONS")));
        QVERIFY(!LineRecognizer::isPersonaeHeading(QStringLiteral("Persons unknown came in")));
        QVERIFY(LineRecognizer::isDirectionStart(QStringLiteral("[Exit Ghost.]")));
        QVERIFY(LineRecognizer::isDirectionStart(QStringLiteral("_[SCENE.--A room]_")));
        QVERIFY(LineRecognizer::isDirectionStart(QStringLiteral("Exeunt all but Hamlet.")));
        QVERIFY(!LineRecognizer::isDirectionStart(QStringLiteral("Exitus is Latin")));
        QVERIFY(LineRecognizer::abbreviates(QStringLiteral("ham"), QStringLiteral("hamlet")));
        QVERIFY(LineRecognizer::abbreviates(QStringLiteral("p king"), QStringLiteral("player king")));
        QVERIFY(LineRecognizer::abbreviates(QStringLiteral("helmer"), QStringLiteral("torvald helmer")));
        QVERIFY(!LineRecognizer::abbreviates(QStringLiteral("ha"), QStringLiteral("hamlet")));
        QVERIFY(!LineRecognizer::abbreviates(QStringLiteral("king"), QStringLiteral("claudius")));
        QCOMPARE(LineRecognizer::foldName(QStringLiteral("MRS.  HIGGINS")), QStringLiteral("mrs higgins"));
    }

    void textNormalizer()
    {
        const QString raw = QChar(0xFEFF)
                            + QStringLiteral("The Project Gutenberg EBook of X\r\n\r\nTitle: The Play\r\n\r\n"
                                             "*** START OF THIS PROJECT GUTENBERG EBOOK X ***\r\n"
                                             "ACT I.\r\rANNA. Hi.\r\n"
                                             "End of the Project Gutenberg EBook of X\r\n"
                                             "*** END OF THIS PROJECT GUTENBERG EBOOK X ***\r\nlicence\r\n");
        const TextNormalizer::Result r = TextNormalizer::normalize(raw);
        QCOMPARE(r.metaTitle, QStringLiteral("The Play"));
        QCOMPARE(r.text, QStringLiteral("ACT I.\n\nANNA. Hi.\n"));

        const QString old = QStringLiteral("header\n***START**THE SMALL PRINT!**FOR PUBLIC DOMAIN ETEXTS**START***\n"
                                           "licence ACT I.\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*\n"
                                           "PLAY\nThe End of Project Gutenberg Etext of Play\n");
        QCOMPARE(TextNormalizer::normalize(old).text, QStringLiteral("PLAY\n"));
        // a header marker on the very last line leaves nothing
        QCOMPARE(TextNormalizer::normalize(QStringLiteral("x\n*** START OF THE PROJECT GUTENBERG EBOOK X ***")).text,
                 QString());
        // no markers: everything is kept, a "Title:" line is text
        QCOMPARE(TextNormalizer::normalize(QStringLiteral("Title: x\nA\n")).text, QStringLiteral("Title: x\nA\n"));
        QCOMPARE(TextNormalizer::normalize(QStringLiteral("Title: x\nA\n")).metaTitle, QString());
    }

    void contextJsonRoundTrip()
    {
        ParsingContext c;
        c.setTitle(QStringLiteral("Hamlet"));
        c.setPersonae({QStringLiteral("Hamlet"), QStringLiteral("Horatio")});
        c.enterAct(QStringLiteral("ACT I."));
        c.enterScene(QStringLiteral("Scene I."));
        c.registerSpeaker(QStringLiteral("Ham"));
        c.registerSpeaker(QStringLiteral("HAMLET"));
        c.registerSpeaker(QStringLiteral("Ber"));
        c.registerSpeaker(QStringLiteral("Bernardo"));
        QCOMPARE(c.characters().size(), 2);
        QCOMPARE(c.characters().at(0).name, QStringLiteral("Hamlet"));
        QCOMPARE(c.characters().at(0).aliases, (QStringList{QStringLiteral("Ham"), QStringLiteral("HAMLET")}));
        QCOMPARE(c.characters().at(1).name, QStringLiteral("Bernardo")); // the fullest form
        c.speech().open = true;
        c.speech().speaker = QStringLiteral("Ham");
        c.speech().text = QStringLiteral("To be,\nor not");
        c.reader().pending = ParsingContext::ReaderState::Pending::Label;
        c.reader().pendingName = QStringLiteral("Hor");
        c.reader().blankRun = 2;
        c.reader().direction = QStringLiteral("[Exit.]");

        const QJsonObject json = c.toJson();
        const QByteArray text = QJsonDocument(json).toJson();
        const auto back = ParsingContext::fromJson(QJsonDocument::fromJson(text).object());
        QVERIFY(back);
        QCOMPARE(back->toJson(), json);
        QCOMPARE(back->speech().text, QStringLiteral("To be,\nor not"));
        QCOMPARE(back->reader().pending, ParsingContext::ReaderState::Pending::Label);
        QCOMPARE(back->actTitle(), QStringLiteral("ACT I."));
        // aliases still resolve after the round trip
        ParsingContext copy = *back;
        copy.registerSpeaker(QStringLiteral("HAM"));
        QCOMPARE(copy.characters().size(), 2);
        QVERIFY(!ParsingContext::fromJson(QJsonObject{{QStringLiteral("title"), 1}}));
    }

    void builderJsonRoundTripAndRollback()
    {
        PlaybookBuilder b;
        b.addDirection(QStringLiteral("front matter is dropped"));
        b.startAct(QStringLiteral("ACT I"));
        b.addSpeech(QStringLiteral("A"), QStringLiteral("one"));
        const PlaybookBuilder::Mark mark = b.mark();
        b.addSpeech(QStringLiteral("B"), QStringLiteral("two"));
        b.startAct(QStringLiteral("ACT II"));
        b.startScene(QStringLiteral("SCENE I"));
        b.addSpeech(QStringLiteral("A"), QStringLiteral("three"));
        QCOMPARE(b.speechCount(), 3);
        const auto back = PlaybookBuilder::fromJson(b.toJson());
        QVERIFY(back);
        QCOMPARE(back->toJson(), b.toJson());
        QCOMPARE(back->speechCount(), 3);
        b.rollback(mark);
        QCOMPARE(b.speechCount(), 1);
        QCOMPARE(b.acts().size(), 1);
        const QJsonObject pb = b.playbook(QStringLiteral("T"), {});
        QCOMPARE(pb.value(QStringLiteral("acts")).toArray().size(), 1);
        QVERIFY(pb.value(QStringLiteral("acts"))[0][QStringLiteral("scenes")][0][QStringLiteral("title")].isNull());
        QVERIFY(pb.value(QStringLiteral("acts"))[0][QStringLiteral("scenes")][0][QStringLiteral("stage_directions")]
                    .toArray()
                    .isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestParse)
#include "tst_parse.moc"

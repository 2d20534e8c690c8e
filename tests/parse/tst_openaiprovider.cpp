// Tests of the `openai` provider against a fake OpenAI-compatible server started by the test:
// a QTcpServer on 127.0.0.1:0 in its own thread, serving /v1/chat/completions from a per-test
// handler. The "model" behind it is a tiny line reader of the test play, so whole runs work.
#include "engine/parse/llmchunkreply.h"
#include "engine/parse/llmclient.h"
#include "engine/parse/llmconfig.h"
#include "engine/parse/parserun.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QtTest>

#include <functional>

using namespace Engine;

namespace {

const QByteArray ApiKey = "test-key-5f3e9a";

struct FakeRequest
{
    QByteArray method;
    QByteArray path;
    QHash<QByteArray, QByteArray> headers; ///< lower-case names
    QJsonObject json;
    qint64 atMs = 0; ///< since the server started
};

struct FakeResponse
{
    int status = 200;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    bool hang = false; ///< read the request, never answer
};

using Handler = std::function<FakeResponse(const FakeRequest &, int index)>;

/// A minimal HTTP/1.1 server: one request per connection, answered with Connection: close.
class FakeLlmServer final
{
public:
    FakeLlmServer()
    {
        m_clock.start();
        m_context = new QObject;
        m_context->moveToThread(&m_thread);
        m_thread.start();
        QMetaObject::invokeMethod(
            m_context,
            [this] {
                m_server = new QTcpServer(m_context);
                QObject::connect(m_server, &QTcpServer::newConnection, m_server, [this] { accept(); });
                m_server->listen(QHostAddress::LocalHost, 0);
                m_port = m_server->serverPort();
            },
            Qt::BlockingQueuedConnection);
    }

    ~FakeLlmServer()
    {
        QMetaObject::invokeMethod(m_context, [this] { delete m_server; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        delete m_context;
    }

    quint16 port() const { return m_port; }
    QString endpoint() const { return QStringLiteral("http://127.0.0.1:%1/v1").arg(m_port); }

    void setHandler(Handler handler)
    {
        QMutexLocker lock(&m_mutex);
        m_handler = std::move(handler);
        m_requests.clear();
    }

    QList<FakeRequest> requests() const
    {
        QMutexLocker lock(&m_mutex);
        return m_requests;
    }

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket] { read(socket); });
            QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    }

    void read(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return;
        FakeRequest request;
        const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
        const QList<QByteArray> start = lines.value(0).trimmed().split(' ');
        request.method = start.value(0);
        request.path = start.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            if (colon > 0)
                request.headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                                       lines.at(i).mid(colon + 1).trimmed());
        }
        const qsizetype length = request.headers.value("content-length").toLongLong();
        if (buffer.size() < headerEnd + 4 + length)
            return;
        request.json = QJsonDocument::fromJson(buffer.mid(headerEnd + 4, length)).object();
        request.atMs = m_clock.elapsed();
        m_buffers.remove(socket);

        Handler handler;
        int index = 0;
        {
            QMutexLocker lock(&m_mutex);
            index = int(m_requests.size());
            m_requests.append(request);
            handler = m_handler;
        }
        FakeResponse response;
        if (request.method != "POST" || request.path != "/v1/chat/completions")
            response = FakeResponse{404, R"({"error":{"message":"no such route"}})", {}, false};
        else if (handler)
            response = handler(request, index);
        else
            response.status = 500;
        if (response.hang)
            return;
        QByteArray out = "HTTP/1.1 " + QByteArray::number(response.status) + " Fake\r\n"
                         "Content-Type: application/json\r\n"
                         "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n"
                         "Connection: close\r\n";
        for (const auto &h : response.headers)
            out += h.first + ": " + h.second + "\r\n";
        out += "\r\n" + response.body;
        socket->write(out);
        socket->disconnectFromHost();
    }

    QThread m_thread;
    QObject *m_context = nullptr;
    QTcpServer *m_server = nullptr; ///< lives in m_thread
    QHash<QTcpSocket *, QByteArray> m_buffers; ///< used in m_thread only
    quint16 m_port = 0;
    QElapsedTimer m_clock;
    mutable QMutex m_mutex;
    Handler m_handler;
    QList<FakeRequest> m_requests;
};

const char *Play = "A SMALL PLAY\n"
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
                   "I slept, and dreamt of roses.\n"
                   "\n"
                   "And then I woke.\n"
                   "\n"
                   "SCENE II. The garden.\n"
                   "\n"
                   "BEN. Look at the roses.\n"
                   "\n"
                   "ACT II.\n"
                   "\n"
                   "SCENE I. Night.\n"
                   "\n"
                   "ANNA. Goodnight.\n";

// The playbook without what the parser adds about itself (meta, each character's kind and
// speech count): the structure the provider's answers must give.
// The LLM provider's line ranges are where a speech's text is found in its chunk, else the
// chunk's (the model does not say which lines), so they depend on the chunk size: the structure
// leaves them out, and goodRun checks them.
QJsonObject withoutLines(QJsonObject playbook, int lineCount = 0, bool *inRange = nullptr)
{
    QJsonArray acts = playbook.value(QStringLiteral("acts")).toArray();
    const auto check = [&](const QJsonValue &range) {
        const QJsonArray r = range.toArray();
        if (inRange && (r.size() != 2 || r.at(0).toInt() < 1 || r.at(1).toInt() < r.at(0).toInt()
                        || r.at(1).toInt() > lineCount))
            *inRange = false;
    };
    for (int a = 0; a < acts.size(); ++a) {
        QJsonObject act = acts.at(a).toObject();
        QJsonArray scenes = act.value(QStringLiteral("scenes")).toArray();
        for (int s = 0; s < scenes.size(); ++s) {
            QJsonObject scene = scenes.at(s).toObject();
            QJsonArray speeches = scene.value(QStringLiteral("speeches")).toArray();
            for (int k = 0; k < speeches.size(); ++k) {
                QJsonObject speech = speeches.at(k).toObject();
                check(speech.take(QStringLiteral("lines")));
                speeches[k] = speech;
            }
            for (const QJsonValue &range : scene.take(QStringLiteral("stage_direction_lines")).toArray())
                check(range);
            scene.insert(QStringLiteral("speeches"), speeches);
            scenes[s] = scene;
        }
        act.insert(QStringLiteral("scenes"), scenes);
        acts[a] = act;
    }
    playbook.insert(QStringLiteral("acts"), acts);
    return playbook;
}

QJsonObject structure(QJsonObject playbook)
{
    playbook = withoutLines(playbook);
    playbook.remove(QStringLiteral("meta"));
    QJsonArray characters;
    for (const QJsonValue &value : playbook.value(QStringLiteral("characters")).toArray()) {
        const QJsonObject character = value.toObject();
        characters.append(QJsonObject{{QStringLiteral("name"), character.value(QStringLiteral("name"))},
                                      {QStringLiteral("aliases"), character.value(QStringLiteral("aliases"))}});
    }
    playbook.insert(QStringLiteral("characters"), characters);
    return playbook;
}

const char *ExpectedPlaybook = R"({
  "title": "A SMALL PLAY",
  "characters": [{"name": "ANNA", "aliases": []}, {"name": "BEN", "aliases": []}],
  "acts": [
    {"title": "ACT I.", "scenes": [
      {"title": "SCENE I. A room.",
       "speeches": [{"speaker": "ANNA", "text": "Good morning, Ben."},
                    {"speaker": "BEN", "text": "Good morning.  How are you\nthis fine day?"},
                    {"speaker": "ANNA", "text": "Well enough.\nI slept, and dreamt of roses.\nAnd then I woke."}],
       "stage_directions": ["[Enter Anna and Ben.]"]},
      {"title": "SCENE II. The garden.",
       "speeches": [{"speaker": "BEN", "text": "Look at the roses."}],
       "stage_directions": []}]},
    {"title": "ACT II.", "scenes": [
      {"title": "SCENE I. Night.",
       "speeches": [{"speaker": "ANNA", "text": "Goodnight."}],
       "stage_directions": []}]}
  ]
})";

// The chunk text inside the first user message of a request.
QString chunkOf(const FakeRequest &request)
{
    for (const QJsonValue &m : request.json.value(QStringLiteral("messages")).toArray()) {
        const QString content = m.toObject().value(QStringLiteral("content")).toString();
        const qsizetype begin = content.indexOf(QStringLiteral("-----BEGIN CHUNK-----\n"));
        const qsizetype end = content.indexOf(QStringLiteral("-----END CHUNK-----"));
        if (m.toObject().value(QStringLiteral("role")).toString() == u"user" && begin >= 0 && end > begin)
            return content.mid(begin + 22, end - begin - 22);
    }
    return {};
}

// The fake model: reads the test play's layout line by line, as an LLM would answer.
QJsonObject readChunk(const QString &chunk)
{
    static const QRegularExpression label(QStringLiteral("^([A-Z][A-Z ]*[A-Z])\\.\\s+(.*)$"));
    QJsonValue title = QJsonValue::Null;
    QString continuation;
    QJsonArray acts;
    QJsonObject act{{QStringLiteral("title"), QJsonValue::Null}, {QStringLiteral("scenes"), QJsonArray()}};
    QJsonObject scene;
    QJsonArray speeches;
    QJsonArray directions;
    QJsonObject speech;
    bool inScene = false;
    bool inSpeech = false;
    auto endSpeech = [&] {
        if (inSpeech)
            speeches.append(speech);
        inSpeech = false;
    };
    auto endScene = [&] {
        endSpeech();
        if (inScene || !speeches.isEmpty() || !directions.isEmpty()) {
            if (!inScene)
                scene.insert(QStringLiteral("title"), QJsonValue::Null);
            scene.insert(QStringLiteral("speeches"), speeches);
            scene.insert(QStringLiteral("stage_directions"), directions);
            QJsonArray scenes = act.value(QStringLiteral("scenes")).toArray();
            scenes.append(scene);
            act.insert(QStringLiteral("scenes"), scenes);
        }
        scene = QJsonObject();
        speeches = QJsonArray();
        directions = QJsonArray();
        inScene = false;
    };
    bool started = false;
    for (const QString &raw : chunk.split(u'\n')) {
        const QString line = raw.trimmed();
        if (line.isEmpty())
            continue;
        if (line == u"A SMALL PLAY") {
            title = line;
        } else if (line.startsWith(QStringLiteral("ACT "))) {
            endScene();
            if (started || !act.value(QStringLiteral("scenes")).toArray().isEmpty())
                acts.append(act);
            act = QJsonObject{{QStringLiteral("title"), line}, {QStringLiteral("scenes"), QJsonArray()}};
            started = true;
        } else if (line.startsWith(QStringLiteral("SCENE "))) {
            endScene();
            scene = QJsonObject{{QStringLiteral("title"), line}};
            inScene = true;
            started = true;
        } else if (line.startsWith(u'[')) {
            endSpeech();
            directions.append(line);
            started = true;
        } else if (const QRegularExpressionMatch m = label.match(line); m.hasMatch()) {
            endSpeech();
            speech = QJsonObject{{QStringLiteral("speaker"), m.captured(1)},
                                 {QStringLiteral("text"), m.captured(2)}};
            inSpeech = true;
            started = true;
        } else if (inSpeech) {
            speech.insert(QStringLiteral("text"),
                          speech.value(QStringLiteral("text")).toString() + u'\n' + line);
        } else if (!started) {
            continuation += (continuation.isEmpty() ? QString() : QStringLiteral("\n")) + line;
        }
    }
    endScene();
    acts.append(act);
    return QJsonObject{{QStringLiteral("title"), title},
                       {QStringLiteral("continuation"),
                        continuation.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(continuation)},
                       {QStringLiteral("characters"), QJsonArray()},
                       {QStringLiteral("acts"), acts}};
}

QByteArray completion(const QString &content, const QString &finishReason = QStringLiteral("stop"))
{
    const QJsonObject o{
        {QStringLiteral("id"), QStringLiteral("chatcmpl-fake")},
        {QStringLiteral("object"), QStringLiteral("chat.completion")},
        {QStringLiteral("model"), QStringLiteral("fake-model")},
        {QStringLiteral("choices"),
         QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                {QStringLiteral("message"),
                                 QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")},
                                             {QStringLiteral("content"), content}}},
                                {QStringLiteral("finish_reason"), finishReason}}}},
        {QStringLiteral("usage"), QJsonObject{{QStringLiteral("prompt_tokens"), 100},
                                              {QStringLiteral("completion_tokens"), 20},
                                              {QStringLiteral("total_tokens"), 120}}}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

FakeResponse goodAnswer(const FakeRequest &request)
{
    return FakeResponse{200,
                        completion(QString::fromUtf8(
                            QJsonDocument(readChunk(chunkOf(request))).toJson(QJsonDocument::Compact))),
                        {},
                        false};
}

FakeResponse errorAnswer(int status, const QByteArray &message,
                         QList<QPair<QByteArray, QByteArray>> headers = {})
{
    return FakeResponse{status, R"({"error":{"message":")" + message + R"(","type":"fake"}})",
                        std::move(headers), false};
}

struct RunResult
{
    bool ok = false;
    ParseError error;
    QJsonObject playbook;
    QList<ChunkReport> reports;
};

RunResult runAll(const QJsonObject &config, const QString &text = QString::fromUtf8(Play))
{
    RunResult r;
    auto run = ParseRun::begin(text, config, &r.error);
    if (!run)
        return r;
    while (!run->finished()) {
        ChunkReport report;
        if (!run->runNextChunk(&report, &r.error))
            return r;
        r.reports.append(report);
    }
    r.ok = true;
    r.playbook = run->playbook();
    return r;
}

} // namespace

class TestOpenAiProvider : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeLlmServer> m_server;

    QJsonObject config(int chunkSize = 1000) const
    {
        return QJsonObject{{QStringLiteral("provider"), QStringLiteral("openai")},
                           {QStringLiteral("endpoint"), m_server->endpoint()},
                           {QStringLiteral("model"), QStringLiteral("fake-model")},
                           {QStringLiteral("chunkSize"), chunkSize},
                           {QStringLiteral("timeoutMs"), 2000},
                           {QStringLiteral("maxAttempts"), 3},
                           {QStringLiteral("backoffMs"), 10},
                           {QStringLiteral("maxBackoffMs"), 2000},
                           {QStringLiteral("maxMalformed"), 2}};
    }

    static void verifyNoKey(const ParseError &error)
    {
        QVERIFY2(!error.message.contains(QString::fromLatin1(ApiKey)), qPrintable(error.message));
        QVERIFY2(!error.message.contains(QStringLiteral("5f3e9a")), qPrintable(error.message));
    }

private slots:
    void initTestCase()
    {
        qputenv("CALLBOARD_LLM_API_KEY", ApiKey);
        qunsetenv("OPENAI_API_KEY");
        qunsetenv("CALLBOARD_LLM_ENDPOINT");
        qunsetenv("CALLBOARD_LLM_MODEL");
        qputenv("no_proxy", "127.0.0.1,localhost");
        m_server = std::make_unique<FakeLlmServer>();
        QVERIFY(m_server->port() != 0);
    }

    void cleanupTestCase() { m_server.reset(); }

    void goodRun_data()
    {
        QTest::addColumn<int>("chunkSize");
        QTest::newRow("one chunk") << 1000;
        QTest::newRow("small chunks") << 3;
    }

    void goodRun()
    {
        QFETCH(int, chunkSize);
        m_server->setHandler([](const FakeRequest &r, int) { return goodAnswer(r); });
        const RunResult r = runAll(config(chunkSize));
        QVERIFY2(r.ok, qPrintable(r.error.message));
        const QJsonObject expected = QJsonDocument::fromJson(ExpectedPlaybook).object();
        QVERIFY(!expected.isEmpty());
        if (structure(r.playbook) != expected)
            qWarning().noquote() << QJsonDocument(r.playbook).toJson();
        QCOMPARE(structure(r.playbook), expected);
        // Every speech and direction carries lines of the text.
        bool inRange = true;
        withoutLines(r.playbook, int(QString::fromUtf8(Play).count(u'\n')) + 1, &inRange);
        QVERIFY(inRange);
        QVERIFY(r.playbook.value(QStringLiteral("acts")).toArray().at(0).toObject()
                    .value(QStringLiteral("scenes")).toArray().at(0).toObject()
                    .value(QStringLiteral("speeches")).toArray().at(0).toObject().contains(QStringLiteral("lines")));
        if (chunkSize == 1000) {
            // In one chunk every speech is found where it is printed: its label to its last line.
            QList<QPair<int, int>> ranges;
            for (const QJsonValue &act : r.playbook.value(QStringLiteral("acts")).toArray()) {
                for (const QJsonValue &scene : act.toObject().value(QStringLiteral("scenes")).toArray()) {
                    for (const QJsonValue &speech : scene.toObject().value(QStringLiteral("speeches")).toArray()) {
                        const QJsonArray lines = speech.toObject().value(QStringLiteral("lines")).toArray();
                        ranges.append({lines.at(0).toInt(), lines.at(1).toInt()});
                    }
                }
            }
            const QList<QPair<int, int>> printed{{9, 9}, {11, 12}, {14, 17}, {21, 21}, {27, 27}};
            QCOMPARE(ranges, printed);
        }
        // what the parse says about itself, beside the structure
        QCOMPARE(r.playbook.value(QStringLiteral("meta")).toObject().value(QStringLiteral("provider")).toString(),
                 QStringLiteral("openai"));

        const QList<FakeRequest> requests = m_server->requests();
        QCOMPARE(requests.size(), r.reports.size());
        if (chunkSize == 3) {
            QVERIFY(r.reports.size() > 3);
            // a speech crossed a chunk boundary and was handed on in the context
            bool handedOn = false;
            for (const FakeRequest &req : requests)
                handedOn = handedOn || req.json.value(QStringLiteral("messages")).toArray().at(1).toObject()
                                           .value(QStringLiteral("content")).toString()
                                           .contains(QStringLiteral("\"unfinished_speech\":{\"speaker\":\"ANNA\""));
            QVERIFY(handedOn);
        }
        for (const FakeRequest &req : requests) {
            QCOMPARE(req.headers.value("authorization"), "Bearer " + ApiKey);
            QCOMPARE(req.json.value(QStringLiteral("model")).toString(), QStringLiteral("fake-model"));
            QCOMPARE(req.json.value(QStringLiteral("temperature")).toDouble(), 0.0);
            QCOMPARE(req.json.value(QStringLiteral("response_format")).toObject().value(QStringLiteral("type")).toString(),
                     QStringLiteral("json_schema"));
        }
        for (const ChunkReport &report : r.reports) {
            QCOMPARE(report.usage.value(QStringLiteral("prompt_tokens")).toInt(), 100);
            QCOMPARE(report.usage.value(QStringLiteral("completion_tokens")).toInt(), 20);
            QCOMPARE(report.usage.value(QStringLiteral("total_tokens")).toInt(), 120);
            QCOMPARE(report.usage.value(QStringLiteral("requests")).toInt(), 1);
            QCOMPARE(report.usage.value(QStringLiteral("model")).toString(), QStringLiteral("fake-model"));
        }
    }

    // Checkpoints work as with the heuristic parser: resuming after any chunk gives the same book.
    void resumeAfterEveryChunk()
    {
        m_server->setHandler([](const FakeRequest &r, int) { return goodAnswer(r); });
        const QString text = QString::fromUtf8(Play);
        const QJsonObject cfg = config(3);
        const RunResult whole = runAll(cfg);
        QVERIFY2(whole.ok, qPrintable(whole.error.message));
        for (int stopAfter = 1; stopAfter < whole.reports.size(); ++stopAfter) {
            ParseError error;
            auto run = ParseRun::begin(text, cfg, &error);
            QVERIFY(run);
            for (int i = 0; i < stopAfter; ++i)
                QVERIFY(run->runNextChunk(nullptr, &error));
            const QJsonObject state = QJsonDocument::fromJson(QJsonDocument(run->currentState()).toJson()).object();
            const QJsonObject results = QJsonDocument::fromJson(QJsonDocument(run->takeChunkResults()).toJson()).object();
            run.reset();
            auto resumed = ParseRun::resume(text, cfg, state, {results}, &error);
            QVERIFY2(resumed, qPrintable(error.message));
            while (!resumed->finished())
                QVERIFY2(resumed->runNextChunk(nullptr, &error), qPrintable(error.message));
            QCOMPARE(resumed->playbook(), whole.playbook);
        }
    }

    // Worker threads have no event loop: the provider must work there all the same.
    void runsOnThreadWithoutEventLoop()
    {
        m_server->setHandler([](const FakeRequest &r, int) { return goodAnswer(r); });
        RunResult r;
        const QJsonObject cfg = config(3);
        std::unique_ptr<QThread> thread(QThread::create([&r, cfg] { r = runAll(cfg); }));
        thread->start();
        QVERIFY(thread->wait(30000));
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QCOMPARE(structure(r.playbook), QJsonDocument::fromJson(ExpectedPlaybook).object());
    }

    void rateLimitHonoursRetryAfter()
    {
        m_server->setHandler([](const FakeRequest &r, int index) {
            if (index == 0)
                return errorAnswer(429, "slow down", {{"Retry-After", "1"}});
            return goodAnswer(r);
        });
        const RunResult r = runAll(config());
        QVERIFY2(r.ok, qPrintable(r.error.message));
        const QList<FakeRequest> requests = m_server->requests();
        QCOMPARE(requests.size(), 2);
        // backoffMs is 10: only Retry-After explains a wait of a second
        QVERIFY2(requests.at(1).atMs - requests.at(0).atMs >= 950,
                 qPrintable(QString::number(requests.at(1).atMs - requests.at(0).atMs)));
        QCOMPARE(structure(r.playbook), QJsonDocument::fromJson(ExpectedPlaybook).object());
    }

    void retryAfterLongerThanAllowedGivesUp()
    {
        m_server->setHandler([](const FakeRequest &, int) {
            return errorAnswer(429, "quota", {{"Retry-After", "3600"}});
        });
        QElapsedTimer timer;
        timer.start();
        const RunResult r = runAll(config());
        QVERIFY(!r.ok);
        QVERIFY(!r.error.permanent);
        QVERIFY2(r.error.message.contains(QStringLiteral("429")), qPrintable(r.error.message));
        QCOMPARE(m_server->requests().size(), 1);
        QVERIFY(timer.elapsed() < 2000);
    }

    void parseRetryAfter()
    {
        const QDateTime now(QDate(2015, 10, 21), QTime(7, 27, 0), QTimeZone::utc());
        QCOMPARE(LlmClient::parseRetryAfter("2", now), qint64(2000));
        QCOMPARE(LlmClient::parseRetryAfter(" 0 ", now), qint64(0));
        QCOMPARE(LlmClient::parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now), qint64(60000));
        QCOMPARE(LlmClient::parseRetryAfter("Wed, 21 Oct 2015 07:26:00 GMT", now), qint64(0));
        QCOMPARE(LlmClient::parseRetryAfter("soon", now), qint64(-1));
        QCOMPARE(LlmClient::parseRetryAfter("-5", now), qint64(-1));
    }

    void serverErrorThenSuccess()
    {
        m_server->setHandler([](const FakeRequest &r, int index) {
            if (index == 0)
                return errorAnswer(500, "internal error");
            if (index == 1)
                return errorAnswer(503, "overloaded");
            return goodAnswer(r);
        });
        const RunResult r = runAll(config());
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QCOMPARE(m_server->requests().size(), 3);
        QCOMPARE(structure(r.playbook), QJsonDocument::fromJson(ExpectedPlaybook).object());
    }

    void serverErrorsExhaustRetries()
    {
        m_server->setHandler([](const FakeRequest &, int) { return errorAnswer(502, "bad gateway"); });
        const RunResult r = runAll(config());
        QVERIFY(!r.ok);
        QVERIFY(!r.error.permanent); // the job's own retry policy applies
        QVERIFY2(r.error.message.contains(QStringLiteral("502")), qPrintable(r.error.message));
        QVERIFY2(r.error.message.contains(QStringLiteral("3 attempts")), qPrintable(r.error.message));
        QCOMPARE(m_server->requests().size(), 3);
        verifyNoKey(r.error);
    }

    void timeout()
    {
        m_server->setHandler([](const FakeRequest &, int) { return FakeResponse{200, {}, {}, true}; });
        QJsonObject cfg = config();
        cfg.insert(QStringLiteral("timeoutMs"), 300);
        QElapsedTimer timer;
        timer.start();
        const RunResult r = runAll(cfg);
        QVERIFY(!r.ok);
        QVERIFY(!r.error.permanent);
        QVERIFY2(r.error.message.contains(QStringLiteral("did not answer within 300 ms")),
                 qPrintable(r.error.message));
        QCOMPARE(m_server->requests().size(), 3);
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
        verifyNoKey(r.error);
    }

    // Issue #13: a pause, cancel or shutdown does not wait for an answer that may take minutes.
    // The stop token aborts the request; the chunk fails as "stopped" (not as an error) and the
    // run is unchanged, so the same chunk is asked again later.
    void stopTokenAbortsAHangingRequest()
    {
        m_server->setHandler([](const FakeRequest &, int) { return FakeResponse{200, {}, {}, true}; });
        QJsonObject cfg = config();
        cfg.insert(QStringLiteral("timeoutMs"), 60000);
        ParseError error;
        auto run = ParseRun::begin(QString::fromUtf8(Play), cfg, &error);
        QVERIFY2(run, qPrintable(error.message));
        QElapsedTimer timer;
        timer.start();
        run->setStopToken([&timer] { return timer.elapsed() > 300; });
        QVERIFY(!run->runNextChunk(nullptr, &error));
        QVERIFY(error.stopped);
        QVERIFY(!error.permanent);
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(run->completedChunks(), 0);
        QCOMPARE(m_server->requests().size(), 1);
        // the token no longer fires: the same chunk is asked again, and an answer is taken
        m_server->setHandler([](const FakeRequest &r, int) { return goodAnswer(r); });
        run->setStopToken({});
        QVERIFY2(run->runNextChunk(nullptr, &error), qPrintable(error.message));
        QVERIFY(!error.stopped);
        QCOMPARE(run->completedChunks(), 1);
    }

    void connectionRefused()
    {
        quint16 closedPort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            closedPort = probe.serverPort();
        }
        QJsonObject cfg = config();
        cfg.insert(QStringLiteral("endpoint"), QStringLiteral("http://127.0.0.1:%1/v1").arg(closedPort));
        const RunResult r = runAll(cfg);
        QVERIFY(!r.ok);
        QVERIFY(!r.error.permanent);
        QVERIFY2(r.error.message.contains(QStringLiteral("cannot reach")), qPrintable(r.error.message));
    }

    void malformedThenGood_data()
    {
        QTest::addColumn<QString>("bad");
        QTest::newRow("not json") << QStringLiteral("Sure! Here is the play: {acts: [");
        QTest::newRow("array") << QStringLiteral("[1, 2]");
        QTest::newRow("no acts") << QStringLiteral(R"({"title": null})");
        QTest::newRow("acts wrong type") << QStringLiteral(R"({"acts": "ACT I"})");
        QTest::newRow("speaker number") << QStringLiteral(
            R"({"acts": [{"title": null, "scenes": [{"title": null, "speeches": [{"speaker": 7, "text": "x"}]}]}]})");
        QTest::newRow("empty speaker") << QStringLiteral(
            R"({"acts": [{"title": null, "scenes": [{"title": null, "speeches": [{"speaker": " ", "text": "x"}]}]}]})");
        QTest::newRow("scene without title key") << QStringLiteral(
            R"({"acts": [{"title": null, "scenes": [{"speeches": []}]}]})");
    }

    void malformedThenGood()
    {
        QFETCH(QString, bad);
        m_server->setHandler([bad](const FakeRequest &r, int index) {
            if (index == 0)
                return FakeResponse{200, completion(bad), {}, false};
            return goodAnswer(r);
        });
        const RunResult r = runAll(config());
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QCOMPARE(structure(r.playbook), QJsonDocument::fromJson(ExpectedPlaybook).object());
        const QList<FakeRequest> requests = m_server->requests();
        QCOMPARE(requests.size(), 2);
        // asked again: the bad reply and what is wrong with it are part of the second request
        const QJsonArray messages = requests.at(1).json.value(QStringLiteral("messages")).toArray();
        QCOMPARE(messages.size(), 4);
        QCOMPARE(messages.at(2).toObject().value(QStringLiteral("role")).toString(), QStringLiteral("assistant"));
        QCOMPARE(messages.at(2).toObject().value(QStringLiteral("content")).toString(), bad);
        QVERIFY(messages.at(3).toObject().value(QStringLiteral("content")).toString().contains(QStringLiteral("cannot be used")));
        QCOMPARE(r.reports.size(), 1);
        QCOMPARE(r.reports.at(0).usage.value(QStringLiteral("requests")).toInt(), 2);
        QCOMPARE(r.reports.at(0).usage.value(QStringLiteral("total_tokens")).toInt(), 240);
        QCOMPARE(r.reports.at(0).usage.value(QStringLiteral("malformedReplies")).toInt(), 1);
    }

    void codeFencedReplyIsAccepted()
    {
        m_server->setHandler([](const FakeRequest &r, int) {
            const QString json = QString::fromUtf8(QJsonDocument(readChunk(chunkOf(r))).toJson());
            return FakeResponse{200, completion(QStringLiteral("```json\n") + json + QStringLiteral("\n```")), {}, false};
        });
        const RunResult r = runAll(config());
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QCOMPARE(m_server->requests().size(), 1);
        QCOMPARE(structure(r.playbook), QJsonDocument::fromJson(ExpectedPlaybook).object());
    }

    void persistentlyMalformed()
    {
        m_server->setHandler([](const FakeRequest &, int) {
            return FakeResponse{200, completion(QStringLiteral("I cannot do that.")), {}, false};
        });
        const RunResult r = runAll(config());
        QVERIFY(!r.ok);
        QVERIFY(!r.error.permanent);
        QVERIFY2(r.error.message.contains(QStringLiteral("not valid playbook JSON after 3 attempts")),
                 qPrintable(r.error.message));
        QCOMPARE(m_server->requests().size(), 3); // maxMalformed 2: asked again twice
    }

    void unauthorized()
    {
        m_server->setHandler([](const FakeRequest &, int) {
            return errorAnswer(401, "Incorrect API key provided: " + ApiKey + ".");
        });
        QElapsedTimer timer;
        timer.start();
        const RunResult r = runAll(config());
        QVERIFY(!r.ok);
        QVERIFY(r.error.permanent);
        QVERIFY2(r.error.message.startsWith(QStringLiteral("LLM server refused the API key (401)")),
                 qPrintable(r.error.message));
        QCOMPARE(m_server->requests().size(), 1); // no retries
        QCOMPARE(m_server->requests().at(0).headers.value("authorization"), "Bearer " + ApiKey);
        verifyNoKey(r.error);
    }

    void permanentErrors_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("expected");
        QTest::newRow("403") << 403 << QStringLiteral("LLM server denied access (403)");
        QTest::newRow("404") << 404 << QStringLiteral("does not know model 'fake-model'");
        QTest::newRow("400") << 400 << QStringLiteral("LLM server rejected the request (400)");
    }

    void permanentErrors()
    {
        QFETCH(int, status);
        QFETCH(QString, expected);
        m_server->setHandler([status](const FakeRequest &, int) {
            return errorAnswer(status, "nope, key was Bearer " + ApiKey);
        });
        QJsonObject cfg = config();
        cfg.insert(QStringLiteral("responseFormat"), QStringLiteral("json_schema")); // no step-down
        const RunResult r = runAll(cfg);
        QVERIFY(!r.ok);
        QVERIFY(r.error.permanent);
        QVERIFY2(r.error.message.contains(expected), qPrintable(r.error.message));
        QCOMPARE(m_server->requests().size(), 1);
        verifyNoKey(r.error);
    }

    // A server without structured output refuses response_format: json_schema, then
    // json_object, then plain prompting (with the schema in the prompt).
    void responseFormatStepsDown()
    {
        m_server->setHandler([](const FakeRequest &r, int) {
            if (r.json.contains(QStringLiteral("response_format")))
                return errorAnswer(400, "response_format is not supported");
            return goodAnswer(r);
        });
        const RunResult r = runAll(config(3));
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QCOMPARE(structure(r.playbook), QJsonDocument::fromJson(ExpectedPlaybook).object());
        const QList<FakeRequest> requests = m_server->requests();
        QVERIFY(requests.size() == r.reports.size() + 2); // the step-down happens once per run
        QCOMPARE(requests.at(0).json.value(QStringLiteral("response_format")).toObject().value(QStringLiteral("type")).toString(),
                 QStringLiteral("json_schema"));
        QCOMPARE(requests.at(1).json.value(QStringLiteral("response_format")).toObject().value(QStringLiteral("type")).toString(),
                 QStringLiteral("json_object"));
        QVERIFY(!requests.at(2).json.contains(QStringLiteral("response_format")));
        QVERIFY(requests.at(2).json.value(QStringLiteral("messages")).toArray().at(0).toObject()
                    .value(QStringLiteral("content")).toString().contains(QStringLiteral("JSON schema")));
    }

    void noKeyMeansNoAuthorizationHeader()
    {
        qunsetenv("CALLBOARD_LLM_API_KEY");
        m_server->setHandler([](const FakeRequest &r, int) { return goodAnswer(r); });
        const RunResult r = runAll(config());
        qputenv("CALLBOARD_LLM_API_KEY", ApiKey);
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QVERIFY(!m_server->requests().at(0).headers.contains("authorization"));
    }

    void openAiKeyFallback()
    {
        qunsetenv("CALLBOARD_LLM_API_KEY");
        qputenv("OPENAI_API_KEY", "other-key-77");
        m_server->setHandler([](const FakeRequest &r, int) { return goodAnswer(r); });
        const RunResult r = runAll(config());
        qunsetenv("OPENAI_API_KEY");
        qputenv("CALLBOARD_LLM_API_KEY", ApiKey);
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QCOMPARE(m_server->requests().at(0).headers.value("authorization"), QByteArray("Bearer other-key-77"));
    }

    void environmentDefaults()
    {
        qputenv("CALLBOARD_LLM_ENDPOINT", m_server->endpoint().toUtf8() + '/');
        qputenv("CALLBOARD_LLM_MODEL", "env-model");
        m_server->setHandler([](const FakeRequest &r, int) { return goodAnswer(r); });
        QJsonObject cfg = config();
        cfg.remove(QStringLiteral("endpoint"));
        cfg.remove(QStringLiteral("model"));
        const RunResult r = runAll(cfg);
        cfg.insert(QStringLiteral("model"), QStringLiteral("config-model"));
        const RunResult r2 = runAll(cfg);
        qunsetenv("CALLBOARD_LLM_ENDPOINT");
        qunsetenv("CALLBOARD_LLM_MODEL");
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QVERIFY2(r2.ok, qPrintable(r2.error.message));
        const QList<FakeRequest> requests = m_server->requests();
        QCOMPARE(requests.size(), 2);
        QCOMPARE(requests.at(0).json.value(QStringLiteral("model")).toString(), QStringLiteral("env-model"));
        QCOMPARE(requests.at(1).json.value(QStringLiteral("model")).toString(), QStringLiteral("config-model"));
    }

    void badConfig_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("key in config") << QStringLiteral("apiKey") << QJsonValue(QString::fromLatin1(ApiKey))
                                       << QStringLiteral("must not hold the API key");
        QTest::newRow("endpoint scheme") << QStringLiteral("endpoint") << QJsonValue(QStringLiteral("ftp://x/v1"))
                                         << QStringLiteral("not an http(s) URL");
        QTest::newRow("no model") << QStringLiteral("model") << QJsonValue(QStringLiteral(""))
                                  << QStringLiteral("no model set");
        QTest::newRow("temperature") << QStringLiteral("temperature") << QJsonValue(5)
                                     << QStringLiteral("temperature");
        QTest::newRow("timeout") << QStringLiteral("timeoutMs") << QJsonValue(QStringLiteral("soon"))
                                 << QStringLiteral("timeoutMs");
        QTest::newRow("attempts") << QStringLiteral("maxAttempts") << QJsonValue(0)
                                  << QStringLiteral("maxAttempts");
        QTest::newRow("format") << QStringLiteral("responseFormat") << QJsonValue(QStringLiteral("xml"))
                                << QStringLiteral("responseFormat");
    }

    void badConfig()
    {
        QFETCH(QString, key);
        QFETCH(QJsonValue, value);
        QFETCH(QString, expected);
        m_server->setHandler([](const FakeRequest &r, int) { return goodAnswer(r); });
        QJsonObject cfg = config();
        cfg.insert(key, value);
        ParseError error;
        QVERIFY(!ParseRun::begin(QString::fromUtf8(Play), cfg, &error));
        QVERIFY(error.permanent);
        QVERIFY2(error.message.contains(expected), qPrintable(error.message));
        verifyNoKey(error);
        QCOMPARE(m_server->requests().size(), 0);
    }

    void maskSecretsHidesKeys()
    {
        const QString masked = maskSecrets(QStringLiteral("key abc12345 and Bearer xyz and sk-proj-AbCdEf123456"),
                                           "abc12345");
        QVERIFY(!masked.contains(QStringLiteral("abc12345")));
        QVERIFY(!masked.contains(QStringLiteral("xyz")));
        QVERIFY(!masked.contains(QStringLiteral("AbCdEf123456")));
    }

    void replySchemaIsStrict()
    {
        const QJsonObject schema = LlmChunkReply::schema();
        QCOMPARE(schema.value(QStringLiteral("additionalProperties")).toBool(true), false);
        QCOMPARE(schema.value(QStringLiteral("required")).toArray().size(),
                 schema.value(QStringLiteral("properties")).toObject().size());
        QString problem;
        QVERIFY(!LlmChunkReply::parse(QStringLiteral(R"({"acts": [{"title": null, "scenes": [{"title": null, "speeches": [{"speaker": "A", "text": "%1"}]}]}]})")
                                          .arg(QString(500, u'x')),
                                      100, &problem));
        QVERIFY2(problem.contains(QStringLiteral("more text")), qPrintable(problem));
    }
};

QTEST_GUILESS_MAIN(TestOpenAiProvider)
#include "tst_openaiprovider.moc"

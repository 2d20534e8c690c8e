// libFuzzer target for the parse pipeline. Besides "no crash, no leak, no overflow" it checks the
// pipeline's promises on every input: the playbook does not depend on the chunk size, and a run
// resumed from a JSON-text checkpoint ends with the same playbook.
#include "engine/parse/parserun.h"

#include <QJsonDocument>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

bool parseAll(const QString &text, int chunkSize, int resumeAfter, QJsonObject *playbook,
              QString *error)
{
    const QJsonObject config{{QStringLiteral("chunkSize"), chunkSize}};
    Engine::ParseError err;
    auto run = Engine::ParseRun::begin(text, config, &err);
    if (!run) {
        *error = err.message;
        return false;
    }
    while (!run->finished()) {
        if (run->completedChunks() == resumeAfter) {
            const QByteArray stored = QJsonDocument(run->currentState()).toJson(QJsonDocument::Compact);
            const QByteArray results = QJsonDocument(run->takeChunkResults()).toJson(QJsonDocument::Compact);
            run = Engine::ParseRun::resume(text, config, QJsonDocument::fromJson(stored).object(),
                                           {QJsonDocument::fromJson(results).object()}, &err);
            if (!run)
                abort(); // a fresh checkpoint must always be resumable
        }
        if (!run->runNextChunk(nullptr, &err)) {
            if (!err.permanent || err.message.isEmpty())
                abort(); // the heuristic parser only fails for good reasons
            *error = err.message;
            return false;
        }
    }
    *playbook = run->playbook();
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 256 * 1024)
        return 0;
    // first byte: chunk size and resume point, so the fuzzer explores both
    const int chunkSize = 1 + data[0] % 16;
    const int resumeAfter = data[0] / 16;
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    QJsonObject small, big;
    QString smallError, bigError;
    const bool okSmall = parseAll(text, chunkSize, resumeAfter, &small, &smallError);
    const bool okBig = parseAll(text, 100000, -1, &big, &bigError);
    if (okSmall != okBig || (okSmall && small != big) || (!okSmall && smallError != bigError))
        abort(); // chunk size or resuming changed the result
    return 0;
}

#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace Engine {

/// Why a chunk could not be parsed, and whether a retry can fix it.
struct ParseError
{
    QString message;
    bool permanent = false; ///< bad input or a refused request (401, unknown model): no retry
    bool stopped = false;   ///< the stop token fired mid-chunk: nothing failed, the chunk waits

    static ParseError stoppedMidChunk();
};

/// Asked often while a chunk is parsed (between lines, while an LLM answer is awaited); true
/// makes the chunk stop within about a second, unchanged, with ParseError::stopped.
using StopToken = std::function<bool()>;

/// What one chunk did, for the job's event timeline.
struct ChunkReport
{
    int index = 0;
    qint64 elapsedMs = 0;
    int speeches = 0;  ///< speeches finished in this chunk
    QJsonObject usage; ///< provider details (LLM token usage); empty for the heuristic parser
};

class ParseRunPrivate;

/// One play being parsed chunk by chunk into a playbook.
///
/// The worker drives it: begin() or resume() from a checkpoint, runNextChunk() until finished().
/// A checkpoint has two parts: currentState(), the parser's carry-over state (the ParsingContext
/// snapshot: position, act and scene, character table, a speech still open), small and bounded,
/// rewritten at each checkpoint; and takeChunkResults(), what the chunks since the last call added
/// to the playbook, stored once and never rewritten. resume() takes the state and every stored
/// result in order. A run resumed from any checkpoint yields the same playbook as an
/// uninterrupted one, and the playbook does not depend on the chunk size (except the LLM
/// provider's line ranges, which are those of the chunk a speech came in).
/// Not thread-safe; one run belongs to one worker at a time.
class ParseRun final
{
public:
    /// jobConfig is ParseJob.config: "chunkSize" (lines, default 200), "provider" ("heuristic"
    /// default, or "openai" with its own keys). Bad config or unusable text gives a permanent error.
    static std::unique_ptr<ParseRun> begin(const QString &rawText, const QJsonObject &jobConfig,
                                           ParseError *error);
    /// Continues from a checkpoint: currentState() and the results taken with
    /// takeChunkResults() up to it, in order. Falling back to begin() is the caller's choice when
    /// the checkpoint is unusable (returns nullptr + error).
    static std::unique_ptr<ParseRun> resume(const QString &rawText, const QJsonObject &jobConfig,
                                            const QJsonObject &currentState,
                                            const QList<QJsonObject> &chunkResults,
                                            ParseError *error);
    /// Whether a checkpoint needs stored chunk results to resume (format 2), or holds the
    /// partial playbook itself (format 1, written by earlier versions).
    static bool stateNeedsChunkResults(const QJsonObject &currentState);
    ~ParseRun();

    /// The keys of jobConfig that no part of the pipeline reads (a misspelt "chunksize", a key
    /// meant for another tool): reported in the job's events rather than silently ignored.
    static QStringList unknownConfigKeys(const QJsonObject &jobConfig);

    int totalChunks() const;
    int completedChunks() const;
    bool finished() const;

    /// Parses the next chunk. On failure the run is unchanged (the same chunk can be tried again).
    bool runNextChunk(ChunkReport *report, ParseError *error);
    /// Lets pause, cancel and shutdown reach inside a chunk (an LLM request is aborted).
    void setStopToken(StopToken token);

    /// The checkpoint's carry-over state (stored in ParseJob.currentState): bounded by the cast
    /// and one open speech, not by the length of the play.
    QJsonObject currentState() const;
    /// What the chunks completed since the last call added to the playbook:
    /// {"firstChunk", "chunkCount", "ops"}; chunkCount 0 when nothing was completed since.
    QJsonObject takeChunkResults();
    /// The playbook JSON of shared/plays/README.md; complete once finished().
    QJsonObject playbook() const;

private:
    ParseRun();
    std::unique_ptr<ParseRunPrivate> d;
};

} // namespace Engine

#pragma once

#include "engine/parse/parserun.h"

#include <QJsonObject>
#include <QString>

#include <memory>

namespace Engine {

class ParsingContext;
class PlaybookBuilder;
class SourceLines;

/// A parser provider: turns one chunk of lines into playbook entries, carrying its state between
/// chunks in the ParsingContext only (so a run can resume from any checkpoint).
///
/// The heuristic parser is the built-in provider; OpenAiChunkParser ("openai") implements the same
/// interface: its prepare() is trivial, parseChunk() sends the chunk plus the context (act,
/// scene, characters, unfinished speech) and applies the answer to the builder. parseChunk() must
/// leave the context untouched when it fails; ParseRun undoes builder changes itself.
class ChunkParser
{
public:
    virtual ~ChunkParser() = default;

    /// The provider name as used in the job config ("heuristic", "openai").
    virtual QString name() const = 0;

    /// One look at the whole text before the first chunk; global decisions go into the context.
    /// Returns false with a permanent error when the text cannot be a play.
    virtual bool prepare(const SourceLines &lines, const QString &metaTitle, ParsingContext &context,
                         ParseError *error) = 0;

    /// Parses lines [firstLine, endLine). lastChunk: also close whatever is still open.
    virtual bool parseChunk(const SourceLines &lines, int firstLine, int endLine, bool lastChunk,
                            ParsingContext &context, PlaybookBuilder &builder, ChunkReport *report,
                            ParseError *error) = 0;

    /// The provider for a job config, or nullptr + a permanent error for an unknown/unavailable one.
    static std::unique_ptr<ChunkParser> create(const QJsonObject &jobConfig, ParseError *error);

    virtual void setStopToken(StopToken token) { m_stop = std::move(token); }

protected:
    bool stopRequested() const { return m_stop && m_stop(); }

    StopToken m_stop;
};

} // namespace Engine

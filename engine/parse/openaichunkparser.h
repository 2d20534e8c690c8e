#pragma once

#include "engine/parse/chunkparser.h"
#include "engine/parse/llmconfig.h"
#include "engine/parse/playbookbuilder.h"

#include <memory>

namespace Engine {

class LlmClient;
struct LlmChunkReply;

/// The `openai` provider: asks an OpenAI-compatible chat-completions server (OpenAI, Ollama,
/// llama.cpp server, vLLM) to read each chunk.
///
/// Each request carries the chunk and the context (title, current act and scene, the characters
/// and aliases seen so far, the unfinished speech) and asks for an LlmChunkReply as JSON (a JSON
/// schema where the server supports it, else json_object, else plain prompting). A malformed reply
/// is answered with what is wrong and asked again, up to LlmConfig::maxMalformed times. The reply
/// is merged through the same ParsingContext / PlaybookBuilder calls as the heuristic parser's
/// (the last speech of a chunk stays open in the context until the next chunk shows it ended), so
/// checkpoints and resume work the same way.
class OpenAiChunkParser final : public ChunkParser
{
public:
    explicit OpenAiChunkParser(const LlmConfig &config);
    ~OpenAiChunkParser() override;

    QString name() const override;
    bool prepare(const SourceLines &lines, const QString &metaTitle, ParsingContext &context,
                 ParseError *error) override;
    bool parseChunk(const SourceLines &lines, int firstLine, int endLine, bool lastChunk,
                    ParsingContext &context, PlaybookBuilder &builder, ChunkReport *report,
                    ParseError *error) override;
    void setStopToken(StopToken token) override;

    /// Applies a validated reply to the context and the builder. With the chunk's lines, each
    /// speech's line range is narrowed to where its text is found in them (the reply does not say).
    static void merge(const LlmChunkReply &reply, bool lastChunk, PlaybookBuilder::LineRange chunkLines,
                      ParsingContext &context, PlaybookBuilder &builder,
                      const SourceLines *lines = nullptr);

private:
    QJsonObject requestBody(const QJsonArray &messages) const;

    LlmConfig m_config;
    LlmConfig::ResponseFormat m_format; ///< Auto is resolved here and stepped down on 400
    std::unique_ptr<LlmClient> m_client;
};

} // namespace Engine

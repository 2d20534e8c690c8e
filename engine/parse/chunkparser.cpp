#include "engine/parse/chunkparser.h"

#include "engine/parse/heuristicchunkparser.h"
#include "engine/parse/llmconfig.h"
#include "engine/parse/openaichunkparser.h"
#include "engine/parse/parsetr.h"

namespace Engine {

std::unique_ptr<ChunkParser> ChunkParser::create(const QJsonObject &jobConfig, ParseError *error)
{
    // The web application's seed writes "llmProvider"; Callboard's own tools write "provider".
    QJsonValue provider = jobConfig.value(QStringLiteral("provider"));
    const QJsonValue seedProvider = jobConfig.value(QStringLiteral("llmProvider"));
    if (provider.isUndefined() || provider.isNull()) {
        provider = seedProvider;
    } else if (!seedProvider.isUndefined() && !seedProvider.isNull() && seedProvider != provider) {
        if (error) {
            error->permanent = true;
            error->message = ParseTr::english("config \"provider\" (%1) and \"llmProvider\" (%2) disagree")
                                 .arg(provider.toString(), seedProvider.toString());
        }
        return nullptr;
    }
    if (provider.isUndefined() || provider.isNull() || provider.toString() == u"heuristic")
        return std::make_unique<HeuristicChunkParser>();
    if (provider.toString() == u"openai") {
        const std::optional<LlmConfig> config = LlmConfig::fromJob(jobConfig, error);
        if (!config)
            return nullptr;
        return std::make_unique<OpenAiChunkParser>(*config);
    }
    if (error) {
        error->permanent = true;
        if (!provider.isString())
            error->message = ParseTr::english("config \"provider\" must be a string");
        else
            error->message = ParseTr::english("unknown provider '%1'").arg(provider.toString());
    }
    return nullptr;
}

} // namespace Engine

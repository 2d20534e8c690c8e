#include "engine/parse/chunkparser.h"

#include "engine/parse/heuristicchunkparser.h"

namespace Engine {

std::unique_ptr<ChunkParser> ChunkParser::create(const QJsonObject &jobConfig, ParseError *error)
{
    const QJsonValue provider = jobConfig.value(QStringLiteral("provider"));
    if (provider.isUndefined() || provider.isNull() || provider.toString() == u"heuristic")
        return std::make_unique<HeuristicChunkParser>();
    if (error) {
        error->permanent = true;
        if (!provider.isString())
            error->message = QStringLiteral("config \"provider\" must be a string");
        else if (provider.toString() == u"openai")
            error->message = QStringLiteral("provider 'openai' is not available in this build");
        else
            error->message = QStringLiteral("unknown provider '%1'").arg(provider.toString());
    }
    return nullptr;
}

} // namespace Engine

#include "engine/parse/chunkparser.h"

#include "engine/parse/heuristicchunkparser.h"
#include "engine/parse/parsetr.h"

namespace Engine {

std::unique_ptr<ChunkParser> ChunkParser::create(const QJsonObject &jobConfig, ParseError *error)
{
    const QJsonValue provider = jobConfig.value(QStringLiteral("provider"));
    if (provider.isUndefined() || provider.isNull() || provider.toString() == u"heuristic")
        return std::make_unique<HeuristicChunkParser>();
    if (error) {
        error->permanent = true;
        if (!provider.isString())
            error->message = ParseTr::tr("config \"provider\" must be a string");
        else if (provider.toString() == u"openai")
            error->message = ParseTr::tr("provider 'openai' is not available in this build");
        else
            error->message = ParseTr::tr("unknown provider '%1'").arg(provider.toString());
    }
    return nullptr;
}

} // namespace Engine

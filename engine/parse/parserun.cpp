#include "engine/parse/parserun.h"

#include "engine/parse/chunker.h"
#include "engine/parse/chunkparser.h"
#include "engine/parse/parsetr.h"
#include "engine/parse/parsingcontext.h"
#include "engine/parse/playbookbuilder.h"
#include "engine/parse/selfintroductions.h"
#include "engine/parse/sourcelines.h"
#include "engine/parse/textnormalizer.h"

#include <QCryptographicHash>
#include <QElapsedTimer>

namespace Engine {

namespace {

constexpr int DefaultChunkSize = 200;
constexpr int MaxChunkSize = 1000000;
const QString StateFormatWithPlaybook = QStringLiteral("callboard-parse-state/1");
const QString StateFormat = QStringLiteral("callboard-parse-state/2");

void fail(ParseError *error, const QString &message, bool permanent = true)
{
    if (error) {
        error->message = message;
        error->permanent = permanent;
    }
}

QString textDigest(const QString &text)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(text.constData()),
                               text.size() * qsizetype(sizeof(QChar)));
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha1).toHex());
}

// Binary files decode to replacement and control characters; a play has next to none.
bool looksLikeText(const QString &text)
{
    qsizetype bad = 0;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u == QChar::ReplacementCharacter || (u < 0x20 && u != u'\n' && u != u'\r' && u != u'\t'
                                                 && u != u'\f'))
            ++bad;
    }
    return bad * 20 < text.size(); // under 5 %
}

} // namespace

ParseError ParseError::stoppedMidChunk()
{
    return ParseError{ParseTr::english("stopped in the middle of a chunk"), false, true};
}

class ParseRunPrivate
{
public:
    SourceLines lines;
    QString metaTitle;
    QString digest;
    QString provider;
    int chunkSize = DefaultChunkSize;
    QList<int> chunkStarts;
    std::unique_ptr<ChunkParser> parser;
    ParsingContext context;
    PlaybookBuilder builder;
    int completed = 0;
    int taken = 0; ///< chunks whose results takeChunkResults() has handed out

    /// Config, provider and text checks shared by begin() and resume().
    bool setUp(const QString &rawText, const QJsonObject &jobConfig, ParseError *error);
};

QStringList ParseRun::unknownConfigKeys(const QJsonObject &jobConfig)
{
    // chunkSize and the provider here; the OpenAI-compatible provider's own in LlmConfig.
    static const QStringList known{
        QStringLiteral("chunkSize"),   QStringLiteral("provider"),     QStringLiteral("llmProvider"),
        QStringLiteral("model"),       QStringLiteral("endpoint"),     QStringLiteral("temperature"),
        QStringLiteral("maxTokens"),   QStringLiteral("timeoutMs"),    QStringLiteral("maxAttempts"),
        QStringLiteral("backoffMs"),   QStringLiteral("maxBackoffMs"), QStringLiteral("maxMalformed"),
        QStringLiteral("responseFormat")};
    QStringList unknown;
    for (auto it = jobConfig.constBegin(); it != jobConfig.constEnd(); ++it) {
        if (!known.contains(it.key()))
            unknown << it.key();
    }
    return unknown;
}

bool ParseRunPrivate::setUp(const QString &rawText, const QJsonObject &jobConfig, ParseError *error)
{
    const QJsonValue size = jobConfig.value(QStringLiteral("chunkSize"));
    if (!size.isUndefined() && !size.isNull()) {
        const double v = size.toDouble(-1);
        if (!size.isDouble() || v != double(qint64(v)) || v < 1 || v > MaxChunkSize) {
            fail(error, ParseTr::english("config \"chunkSize\" must be a whole number of lines between 1 and %1")
                            .arg(MaxChunkSize));
            return false;
        }
        chunkSize = int(v);
    }
    parser = ChunkParser::create(jobConfig, error);
    if (!parser)
        return false;
    provider = parser->name();

    if (rawText.trimmed().isEmpty()) {
        fail(error, ParseTr::english("the text is empty"));
        return false;
    }
    if (!looksLikeText(rawText)) {
        fail(error, ParseTr::english("this is not a text file (binary data or an unknown encoding)"));
        return false;
    }
    TextNormalizer::Result normalized = TextNormalizer::normalize(rawText);
    if (normalized.text.trimmed().isEmpty()) {
        fail(error, ParseTr::english("the text has nothing besides its Project Gutenberg header and footer"));
        return false;
    }
    digest = textDigest(rawText);
    metaTitle = normalized.metaTitle;
    builder.setLineBase(normalized.firstLine + 1);
    lines = SourceLines(std::move(normalized.text));
    chunkStarts = Chunker::chunkStarts(lines, chunkSize);
    return true;
}

ParseRun::ParseRun()
    : d(std::make_unique<ParseRunPrivate>())
{
}

ParseRun::~ParseRun() = default;

std::unique_ptr<ParseRun> ParseRun::begin(const QString &rawText, const QJsonObject &jobConfig,
                                          ParseError *error)
{
    std::unique_ptr<ParseRun> run(new ParseRun);
    if (!run->d->setUp(rawText, jobConfig, error))
        return nullptr;
    if (!run->d->parser->prepare(run->d->lines, run->d->metaTitle, run->d->context, error))
        return nullptr;
    return run;
}

bool ParseRun::stateNeedsChunkResults(const QJsonObject &currentState)
{
    return currentState.value(QStringLiteral("format")).toString() == StateFormat;
}

std::unique_ptr<ParseRun> ParseRun::resume(const QString &rawText, const QJsonObject &jobConfig,
                                           const QJsonObject &currentState,
                                           const QList<QJsonObject> &chunkResults,
                                           ParseError *error)
{
    std::unique_ptr<ParseRun> run(new ParseRun);
    ParseRunPrivate *d = run->d.get();
    if (!d->setUp(rawText, jobConfig, error))
        return nullptr;
    const QString format = currentState.value(QStringLiteral("format")).toString();
    if (format != StateFormat && format != StateFormatWithPlaybook) {
        fail(error, ParseTr::english("checkpoint has an unknown format"));
        return nullptr;
    }
    if (currentState.value(QStringLiteral("textSha1")).toString() != d->digest) {
        fail(error, ParseTr::english("checkpoint belongs to a different text"));
        return nullptr;
    }
    if (currentState.value(QStringLiteral("chunkSize")).toInt() != d->chunkSize
        || currentState.value(QStringLiteral("provider")).toString() != d->provider
        || currentState.value(QStringLiteral("totalChunks")).toInt() != int(d->chunkStarts.size())) {
        fail(error, ParseTr::english("checkpoint was written with a different chunk size or provider"));
        return nullptr;
    }
    const int completed = currentState.value(QStringLiteral("completedChunks")).toInt(-1);
    if (completed < 0 || completed > d->chunkStarts.size()) {
        fail(error, ParseTr::english("checkpoint has an invalid chunk count"));
        return nullptr;
    }
    auto context = ParsingContext::fromJson(currentState.value(QStringLiteral("context")).toObject());
    std::optional<PlaybookBuilder> builder;
    if (format == StateFormatWithPlaybook) {
        builder = PlaybookBuilder::fromJson(currentState.value(QStringLiteral("playbook")).toObject());
    } else {
        // The stored results must cover chunks 0 … completed-1, each once, in order.
        builder.emplace();
        int next = 0;
        for (const QJsonObject &result : chunkResults) {
            const int first = result.value(QStringLiteral("firstChunk")).toInt(-1);
            const int count = result.value(QStringLiteral("chunkCount")).toInt(-1);
            if (first != next || count < 0 || !builder->replay(result.value(QStringLiteral("ops")).toArray())) {
                builder.reset();
                break;
            }
            next += count;
        }
        if (builder && next != completed)
            builder.reset();
    }
    if (!context || !builder) {
        fail(error, ParseTr::english("checkpoint is damaged (context or partial playbook unreadable)"));
        return nullptr;
    }
    d->context = std::move(*context);
    builder->setLineBase(d->builder.lineBase());
    d->builder = std::move(*builder);
    d->completed = completed;
    d->taken = completed;
    return run;
}

int ParseRun::totalChunks() const
{
    return int(d->chunkStarts.size());
}

int ParseRun::completedChunks() const
{
    return d->completed;
}

bool ParseRun::finished() const
{
    return d->completed >= d->chunkStarts.size();
}

bool ParseRun::runNextChunk(ChunkReport *report, ParseError *error)
{
    if (finished()) {
        fail(error, ParseTr::english("the run is already finished"));
        return false;
    }
    if (error)
        error->stopped = false;
    QElapsedTimer timer;
    timer.start();
    const int index = d->completed;
    const int first = d->chunkStarts.at(index);
    const bool last = index + 1 == d->chunkStarts.size();
    const int end = last ? d->lines.count() : d->chunkStarts.at(index + 1);

    // Work on a copy of the context and undo builder changes on failure, so a failed chunk
    // can simply be tried again.
    ParsingContext context = d->context;
    const PlaybookBuilder::Mark mark = d->builder.mark();
    ChunkReport chunkReport;
    chunkReport.index = index;
    if (!d->parser->parseChunk(d->lines, first, end, last, context, d->builder, &chunkReport, error)) {
        d->builder.rollback(mark);
        return false;
    }
    if (last && d->builder.speechCount() == 0) {
        d->builder.rollback(mark);
        fail(error, ParseTr::english("no speeches found: this does not look like a play"));
        return false;
    }
    d->context = std::move(context);
    ++d->completed;
    chunkReport.speeches = d->builder.speechCount() - mark.totalSpeeches;
    chunkReport.elapsedMs = timer.elapsed();
    if (report)
        *report = chunkReport;
    return true;
}

void ParseRun::setStopToken(StopToken token)
{
    d->parser->setStopToken(std::move(token));
}

QJsonObject ParseRun::currentState() const
{
    return QJsonObject{{QStringLiteral("format"), StateFormat},
                       {QStringLiteral("provider"), d->provider},
                       {QStringLiteral("chunkSize"), d->chunkSize},
                       {QStringLiteral("textSha1"), d->digest},
                       {QStringLiteral("completedChunks"), d->completed},
                       {QStringLiteral("totalChunks"), totalChunks()},
                       {QStringLiteral("context"), d->context.toJson()}};
}

QJsonObject ParseRun::takeChunkResults()
{
    const int first = d->taken;
    d->taken = d->completed;
    return QJsonObject{{QStringLiteral("firstChunk"), first},
                       {QStringLiteral("chunkCount"), d->completed - first},
                       {QStringLiteral("ops"), d->builder.takeJournal()}};
}

QJsonObject ParseRun::playbook() const
{
    QJsonObject meta{{QStringLiteral("provider"), d->provider}};
    if (d->context.profile().styles() != 0) {
        const PlayProfile &profile = d->context.profile();
        meta.insert(QStringLiteral("layout"), profile.layout());
        // Prose the pre-scan could not explain lowers the confidence, up to a half.
        meta.insert(QStringLiteral("layoutConfidence"), qMin(1.0, 0.5 + profile.explainedShare()));
    }
    // Joined only here, over the whole play: an introduction can come long after the described
    // label was first read, and the context must not depend on where chunks end.
    const QList<ParsingContext::Character> characters =
        SelfIntroductions::join(d->builder.acts(), d->context.characters());
    return d->builder.playbook(d->context.title(), characters, meta, d->context.personae());
}

} // namespace Engine

#include "engine/parse/openaichunkparser.h"

#include "engine/parse/jsonnull.h"
#include "engine/parse/linerecognizer.h"
#include "engine/parse/llmchunkreply.h"
#include "engine/parse/llmclient.h"
#include "engine/parse/parsetr.h"
#include "engine/parse/parsingcontext.h"
#include "engine/parse/playbookbuilder.h"
#include "engine/parse/sourcelines.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

namespace Engine {

namespace {

constexpr qsizetype MaxContextCharacters = 200;
constexpr qsizetype SpeechTailChars = 600;
constexpr qsizetype MaxEchoedReply = 8000;

const QString ChunkBegin = QStringLiteral("-----BEGIN CHUNK-----");
const QString ChunkEnd = QStringLiteral("-----END CHUNK-----");

QString systemPrompt(bool withSchema)
{
    QString prompt = QStringLiteral(
        "You read plays. You are given one chunk of a play's plain text and what is known from "
        "the chunks before it. Return the structure of this chunk as one JSON object and nothing "
        "else:\n"
        "- \"title\": the play's title if this chunk shows it (title page), else null.\n"
        "- \"continuation\": text at the start of the chunk that continues the unfinished speech "
        "given in the context (before any new speaker label, heading or stage direction), else "
        "null.\n"
        "- \"characters\": characters named in a cast list (dramatis personae) in this chunk, and "
        "speakers first met in this chunk, each with \"name\" (the full name) and \"aliases\" (the "
        "other labels used for them, e.g. abbreviations); [] if none.\n"
        "- \"acts\": the acts of this chunk in order, each with \"title\" and \"scenes\"; each "
        "scene has \"title\", \"speeches\" and \"stage_directions\". The first act and the first "
        "scene continue the current act and scene of the context when their \"title\" is null; "
        "give a title (the heading exactly as printed, e.g. \"ACT II.\", \"SCENE 3. A street.\") "
        "only where this chunk has that heading. A play without act headings has one act with "
        "title null.\n"
        "- Each speech: \"speaker\" is the speaker label as printed (e.g. \"Ham.\", \"NORA\"), "
        "\"text\" the spoken words with the original line breaks, without the label. Stage "
        "directions standing apart from speeches go into \"stage_directions\" as printed.\n"
        "Copy text exactly; do not summarise, translate, invent or repeat text from the context. "
        "Leave out front matter, licence text and notes.");
    if (withSchema) {
        prompt += QStringLiteral("\nThe JSON schema of the reply:\n")
                  + QString::fromUtf8(QJsonDocument(LlmChunkReply::schema()).toJson(QJsonDocument::Compact));
    }
    return prompt;
}

QJsonObject message(const QString &role, const QString &content)
{
    return QJsonObject{{QStringLiteral("role"), role}, {QStringLiteral("content"), content}};
}

QString userPrompt(const ParsingContext &context, const QString &chunk, int firstLine, int endLine,
                   int totalLines, bool lastChunk)
{
    QJsonArray characters;
    const QList<ParsingContext::Character> &known = context.characters();
    for (qsizetype i = 0; i < known.size() && i < MaxContextCharacters; ++i) {
        characters.append(QJsonObject{{QStringLiteral("name"), known.at(i).name},
                                      {QStringLiteral("aliases"),
                                       QJsonArray::fromStringList(known.at(i).aliases)}});
    }
    QJsonValue speech = QJsonValue::Null;
    if (context.speech().open) {
        const QString &text = context.speech().text;
        speech = QJsonObject{{QStringLiteral("speaker"), context.speech().speaker},
                             {QStringLiteral("text_so_far_tail"),
                              text.size() > SpeechTailChars ? text.right(SpeechTailChars) : text}};
    }
    const QJsonObject ctx{{QStringLiteral("title"), nullable(context.title())},
                          {QStringLiteral("current_act"), nullable(context.actTitle())},
                          {QStringLiteral("current_scene"), nullable(context.sceneTitle())},
                          {QStringLiteral("cast_list"), QJsonArray::fromStringList(context.personae())},
                          {QStringLiteral("characters"), characters},
                          {QStringLiteral("unfinished_speech"), speech}};
    QString prompt = QStringLiteral("Context from the chunks before (JSON):\n")
                     + QString::fromUtf8(QJsonDocument(ctx).toJson(QJsonDocument::Compact))
                     + QStringLiteral("\n\nLines %1 to %2 of %3").arg(firstLine + 1).arg(endLine).arg(totalLines);
    prompt += lastChunk ? QStringLiteral(" (the end of the play).") : QStringLiteral(".");
    prompt += QStringLiteral(" Reply with the JSON object for this chunk:\n") + ChunkBegin + u'\n'
              + chunk + u'\n' + ChunkEnd + u'\n';
    return prompt;
}

LlmConfig::ResponseFormat stepDown(LlmConfig::ResponseFormat f)
{
    switch (f) {
    case LlmConfig::ResponseFormat::Auto:
    case LlmConfig::ResponseFormat::JsonSchema:
        return LlmConfig::ResponseFormat::JsonObject;
    case LlmConfig::ResponseFormat::JsonObject:
    case LlmConfig::ResponseFormat::None:
        return LlmConfig::ResponseFormat::None;
    }
    return LlmConfig::ResponseFormat::None;
}

} // namespace

OpenAiChunkParser::OpenAiChunkParser(const LlmConfig &config)
    : m_config(config)
    , m_format(config.responseFormat == LlmConfig::ResponseFormat::Auto
                   ? LlmConfig::ResponseFormat::JsonSchema
                   : config.responseFormat)
    , m_client(std::make_unique<LlmClient>(config))
{
}

OpenAiChunkParser::~OpenAiChunkParser() = default;

void OpenAiChunkParser::setStopToken(StopToken token)
{
    m_client->setStopToken(token);
    ChunkParser::setStopToken(std::move(token));
}

QString OpenAiChunkParser::name() const
{
    return QStringLiteral("openai");
}

bool OpenAiChunkParser::prepare(const SourceLines &, const QString &metaTitle, ParsingContext &context,
                                ParseError *)
{
    // No request here: the first chunk already tells whether the server works, and a run that
    // fails in prepare() could not be resumed.
    if (!metaTitle.isEmpty())
        context.setTitle(metaTitle);
    return true;
}

QJsonObject OpenAiChunkParser::requestBody(const QJsonArray &messages) const
{
    QJsonObject body{{QStringLiteral("model"), m_config.model},
                     {QStringLiteral("messages"), messages},
                     {QStringLiteral("temperature"), m_config.temperature},
                     {QStringLiteral("stream"), false}};
    if (m_config.maxTokens > 0)
        body.insert(QStringLiteral("max_tokens"), m_config.maxTokens);
    switch (m_format) {
    case LlmConfig::ResponseFormat::Auto:
    case LlmConfig::ResponseFormat::JsonSchema:
        body.insert(QStringLiteral("response_format"),
                    QJsonObject{{QStringLiteral("type"), QStringLiteral("json_schema")},
                                {QStringLiteral("json_schema"),
                                 QJsonObject{{QStringLiteral("name"), QStringLiteral("playbook_chunk")},
                                             {QStringLiteral("strict"), true},
                                             {QStringLiteral("schema"), LlmChunkReply::schema()}}}});
        break;
    case LlmConfig::ResponseFormat::JsonObject:
        body.insert(QStringLiteral("response_format"),
                    QJsonObject{{QStringLiteral("type"), QStringLiteral("json_object")}});
        break;
    case LlmConfig::ResponseFormat::None:
        break;
    }
    return body;
}

bool OpenAiChunkParser::parseChunk(const SourceLines &lines, int firstLine, int endLine, bool lastChunk,
                                   ParsingContext &context, PlaybookBuilder &builder,
                                   ChunkReport *report, ParseError *error)
{
    QString chunk;
    for (int i = firstLine; i < endLine; ++i) {
        chunk += lines.line(i);
        chunk += u'\n';
    }
    // The reply holds the chunk's text once, in JSON: allow for escapes and the context's names.
    const qsizetype maxTextChars = 2 * chunk.size() + 4000;

    QJsonArray messages{message(QStringLiteral("system"),
                                systemPrompt(m_format != LlmConfig::ResponseFormat::JsonSchema)),
                        message(QStringLiteral("user"),
                                userPrompt(context, chunk, firstLine, endLine, lines.count(), lastChunk))};
    QJsonObject usage;
    QString problem;
    int asks = 0;
    while (asks <= m_config.maxMalformed) {
        LlmClient::Reply reply;
        int status = 0;
        if (!m_client->complete(requestBody(messages), &reply, &usage, &status, error)) {
            // Servers without structured output refuse response_format with 400: step down.
            if (status == 400 && m_config.responseFormat == LlmConfig::ResponseFormat::Auto
                && m_format != LlmConfig::ResponseFormat::None) {
                m_format = stepDown(m_format);
                messages[0] = message(QStringLiteral("system"), systemPrompt(true));
                continue;
            }
            if (report)
                report->usage = usage;
            return false;
        }
        ++asks;
        const std::optional<LlmChunkReply> parsed = LlmChunkReply::parse(reply.content, maxTextChars, &problem);
        if (parsed) {
            merge(*parsed, lastChunk, {firstLine, endLine - 1}, context, builder, &lines);
            if (asks > 1)
                usage.insert(QStringLiteral("malformedReplies"), asks - 1);
            if (report)
                report->usage = usage;
            return true;
        }
        if (reply.finishReason == u"length")
            problem += QStringLiteral(" (the reply was cut off at the token limit)");
        messages.append(message(QStringLiteral("assistant"), reply.content.left(MaxEchoedReply)));
        messages.append(message(QStringLiteral("user"),
                                QStringLiteral("That reply cannot be used: %1. Answer again for the same "
                                               "chunk with only the JSON object described.")
                                    .arg(problem)));
    }
    if (error) {
        error->permanent = false;
        const QString why = maskSecrets(problem, m_config.apiKey);
        error->message = asks == 1
                             ? ParseTr::english("LLM reply was not valid playbook JSON: %1").arg(why)
                             : ParseTr::english("LLM reply was not valid playbook JSON after %1 attempts: %2")
                                   .arg(asks)
                                   .arg(why);
    }
    if (report)
        report->usage = usage;
    return false;
}

namespace {

// The line, from `from` to the chunk's end, where a speech's text begins: its first words found
// in the source (the model may rewrap, so only the start of its first line is looked for), moved
// up to a label printed alone above it. -1: not found (the model reworded it).
int speechStart(const SourceLines &lines, int from, int last, const QString &speaker, const QString &text)
{
    QString needle = text.section(u'\n', 0, 0).trimmed();
    if (needle.startsWith(u'[') || needle.startsWith(u'('))
        needle = needle.mid(needle.indexOf(needle.front() == u'[' ? u']' : u')') + 1).trimmed();
    needle.truncate(24);
    if (needle.size() < 4)
        return -1;
    for (int i = qMax(0, from); i <= last && i < lines.count(); ++i) {
        if (!lines.line(i).contains(needle))
            continue;
        if (lines.line(i).contains(speaker, Qt::CaseInsensitive))
            return i;
        int label = i - 1;
        while (label >= from && lines.line(label).trimmed().isEmpty())
            --label;
        return label >= from && lines.line(label).contains(speaker, Qt::CaseInsensitive) ? label : i;
    }
    return -1;
}

int lastWritten(const SourceLines &lines, int first, int last)
{
    while (last > first && lines.line(last).trimmed().isEmpty())
        --last;
    return last;
}

} // namespace

void OpenAiChunkParser::merge(const LlmChunkReply &reply, bool lastChunk,
                              PlaybookBuilder::LineRange chunkLines, ParsingContext &context,
                              PlaybookBuilder &builder, const SourceLines *lines)
{
    // The model's reply says which chunk a speech is in, not which lines: the chunk's range, or
    // with the chunk's lines the place its text is found, is what the review can show.
    if (context.title().isEmpty() && !reply.title.trimmed().isEmpty())
        context.setTitle(reply.title.trimmed());

    // Cast-list names resolve abbreviated labels (`Ham.`) the same way the heuristic's personae do.
    QStringList personae = context.personae();
    QSet<QString> folded;
    for (const QString &p : personae)
        folded.insert(LineRecognizer::foldName(p));
    for (const LlmChunkReply::Character &c : reply.characters) {
        const QString key = LineRecognizer::foldName(c.name);
        if (!key.isEmpty() && !folded.contains(key)) {
            folded.insert(key);
            personae.append(c.name);
        }
    }
    if (personae.size() != context.personae().size())
        context.setPersonae(personae);

    ParsingContext::OpenSpeech &open = context.speech();
    auto flush = [&] {
        if (!open.open)
            return;
        builder.addSpeech(open.speaker, open.text, {open.firstLine, open.lastLine});
        open = ParsingContext::OpenSpeech();
    };

    const QString continuation = reply.continuation.trimmed();
    if (!continuation.isEmpty()) {
        if (open.open) {
            if (!open.text.isEmpty())
                open.text += u'\n';
            open.text += continuation;
            open.lastLine = chunkLines.last;
        } else {
            builder.addDirection(continuation, chunkLines); // unlabelled text, as in the heuristic
        }
    }

    int cursor = chunkLines.first;
    // A heading ends the speech before it where it is printed.
    const auto headingAt = [&](const QString &title) {
        for (int i = cursor; lines && i <= chunkLines.last && i < lines->count(); ++i) {
            if (lines->line(i).trimmed() != title)
                continue;
            if (open.open && i > open.firstLine)
                open.lastLine = lastWritten(*lines, open.firstLine, i - 1);
            cursor = i + 1;
            return;
        }
    };
    for (const LlmChunkReply::Act &act : reply.acts) {
        if (!act.title.isNull() && !act.title.trimmed().isEmpty()) {
            headingAt(act.title.trimmed());
            flush();
            builder.startAct(act.title.trimmed());
            context.enterAct(act.title.trimmed());
        }
        for (const LlmChunkReply::Scene &scene : act.scenes) {
            if (!scene.title.isNull() && !scene.title.trimmed().isEmpty()) {
                headingAt(scene.title.trimmed());
                flush();
                builder.startScene(scene.title.trimmed());
                context.enterScene(scene.title.trimmed());
            }
            for (const QString &d : scene.directions)
                builder.addDirection(d.trimmed(), chunkLines);
            for (const LlmChunkReply::Speech &s : scene.speeches) {
                const QString text = s.text.trimmed();
                const int start = lines ? speechStart(*lines, cursor, chunkLines.last, s.speaker, text) : -1;
                if (start >= 0) {
                    if (open.open && start > open.firstLine)
                        open.lastLine = lastWritten(*lines, open.firstLine, start - 1);
                    cursor = start + 1;
                }
                flush();
                open.open = true;
                open.speaker = s.speaker;
                open.text = text;
                open.column = false;
                open.firstLine = start >= 0 ? start : chunkLines.first;
                open.lastLine = start >= 0 ? lastWritten(*lines, start, chunkLines.last) : chunkLines.last;
                context.registerSpeaker(s.speaker);
            }
        }
    }
    // The last speech may go on in the next chunk: it stays open, as in the heuristic parser.
    if (lastChunk)
        flush();
}

} // namespace Engine

#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QUrl>

#include <optional>

namespace Engine {

struct ParseError;

/// Settings of the `openai` provider for one job: the job config's keys, with defaults from the
/// environment. The API key comes from the environment only (CALLBOARD_LLM_API_KEY, else
/// OPENAI_API_KEY): a job config is stored in the database, so a key there is refused.
struct LlmConfig
{
    /// How the reply's JSON shape is requested; Auto starts with JsonSchema and steps down when
    /// the server rejects the request (400), ending with plain prompting.
    enum class ResponseFormat { Auto, JsonSchema, JsonObject, None };

    QUrl endpoint;               ///< base URL ("https://api.openai.com/v1"); /chat/completions is appended
    QString model;
    double temperature = 0.0;
    int maxTokens = 0;           ///< 0: let the server decide
    int timeoutMs = 120000;      ///< per request
    int maxAttempts = 4;         ///< per request, for 429 / 5xx / timeouts / connection failures
    int backoffMs = 1000;        ///< first wait between attempts, doubled each time
    int maxBackoffMs = 30000;    ///< cap of a wait; a longer Retry-After ends the retries
    int maxMalformed = 2;        ///< extra asks after a reply that is not valid playbook JSON
    ResponseFormat responseFormat = ResponseFormat::Auto;
    QByteArray apiKey;           ///< from the environment only; never logged or stored

    /// Reads "endpoint", "model", "temperature", "maxTokens", "timeoutMs", "maxAttempts",
    /// "backoffMs", "maxBackoffMs", "maxMalformed", "responseFormat" (auto, json_schema,
    /// json_object, none). Invalid values give a permanent error.
    static std::optional<LlmConfig> fromJob(const QJsonObject &jobConfig, ParseError *error);

    /// The chat-completions URL derived from the endpoint.
    QUrl completionsUrl() const;
    /// The endpoint for messages: without user info, query or fragment.
    QString displayEndpoint() const;
};

/// Replaces the API key (and anything shaped like a bearer token or an OpenAI key) in text meant
/// for messages and logs.
QString maskSecrets(QString text, const QByteArray &apiKey);

} // namespace Engine

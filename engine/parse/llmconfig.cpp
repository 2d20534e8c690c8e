#include "engine/parse/llmconfig.h"

#include "engine/parse/parserun.h"
#include "engine/parse/parsetr.h"

#include <QRegularExpression>

namespace Engine {

namespace {

const QString DefaultEndpoint = QStringLiteral("https://api.openai.com/v1");

void fail(ParseError *error, const QString &message)
{
    if (error) {
        error->message = message;
        error->permanent = true;
    }
}

// An optional whole number in [min, max]; false (and an error) when present but invalid.
bool readInt(const QJsonObject &config, const QString &key, int min, int max, int *out,
             ParseError *error)
{
    const QJsonValue v = config.value(key);
    if (v.isUndefined() || v.isNull())
        return true;
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d != double(qint64(d)) || d < min || d > max) {
        fail(error, ParseTr::english("config \"%1\" must be a whole number between %2 and %3")
                        .arg(key).arg(min).arg(max));
        return false;
    }
    *out = int(d);
    return true;
}

bool readString(const QJsonObject &config, const QString &key, QString *out, ParseError *error)
{
    const QJsonValue v = config.value(key);
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isString()) {
        fail(error, ParseTr::english("config \"%1\" must be a string").arg(key));
        return false;
    }
    *out = v.toString().trimmed();
    return true;
}

} // namespace

std::optional<LlmConfig> LlmConfig::fromJob(const QJsonObject &jobConfig, ParseError *error)
{
    static const QStringList secretKeys = {QStringLiteral("apiKey"), QStringLiteral("api_key"),
                                           QStringLiteral("apikey"), QStringLiteral("key"),
                                           QStringLiteral("token")};
    for (const QString &key : secretKeys) {
        if (jobConfig.contains(key)) {
            fail(error, ParseTr::english("config must not hold the API key (\"%1\"): job configs are stored "
                                         "in the database; set CALLBOARD_LLM_API_KEY in the worker's "
                                         "environment instead")
                            .arg(key));
            return std::nullopt;
        }
    }

    LlmConfig c;
    QString endpoint = qEnvironmentVariable("CALLBOARD_LLM_ENDPOINT").trimmed();
    c.model = qEnvironmentVariable("CALLBOARD_LLM_MODEL").trimmed();
    if (!readString(jobConfig, QStringLiteral("endpoint"), &endpoint, error)
        || !readString(jobConfig, QStringLiteral("model"), &c.model, error))
        return std::nullopt;
    if (endpoint.isEmpty())
        endpoint = DefaultEndpoint;
    c.endpoint = QUrl(endpoint, QUrl::StrictMode);
    if (!c.endpoint.isValid() || c.endpoint.host().isEmpty()
        || (c.endpoint.scheme() != u"http" && c.endpoint.scheme() != u"https")) {
        fail(error, ParseTr::english("LLM endpoint '%1' is not an http(s) URL")
                        .arg(QUrl(endpoint).toDisplayString(QUrl::RemoveUserInfo)));
        return std::nullopt;
    }
    if (c.model.isEmpty()) {
        fail(error, ParseTr::english("no model set for provider 'openai': set config \"model\" or "
                                     "CALLBOARD_LLM_MODEL"));
        return std::nullopt;
    }

    const QJsonValue temperature = jobConfig.value(QStringLiteral("temperature"));
    if (!temperature.isUndefined() && !temperature.isNull()) {
        const double t = temperature.toDouble(-1);
        if (!temperature.isDouble() || t < 0 || t > 2) {
            fail(error, ParseTr::english("config \"temperature\" must be a number between 0 and 2"));
            return std::nullopt;
        }
        c.temperature = t;
    }
    if (!readInt(jobConfig, QStringLiteral("maxTokens"), 0, 1000000, &c.maxTokens, error)
        || !readInt(jobConfig, QStringLiteral("timeoutMs"), 1, 3600000, &c.timeoutMs, error)
        || !readInt(jobConfig, QStringLiteral("maxAttempts"), 1, 100, &c.maxAttempts, error)
        || !readInt(jobConfig, QStringLiteral("backoffMs"), 0, 3600000, &c.backoffMs, error)
        || !readInt(jobConfig, QStringLiteral("maxBackoffMs"), 0, 3600000, &c.maxBackoffMs, error)
        || !readInt(jobConfig, QStringLiteral("maxMalformed"), 0, 20, &c.maxMalformed, error))
        return std::nullopt;

    QString format;
    if (!readString(jobConfig, QStringLiteral("responseFormat"), &format, error))
        return std::nullopt;
    if (format.isEmpty() || format == u"auto")
        c.responseFormat = ResponseFormat::Auto;
    else if (format == u"json_schema")
        c.responseFormat = ResponseFormat::JsonSchema;
    else if (format == u"json_object")
        c.responseFormat = ResponseFormat::JsonObject;
    else if (format == u"none")
        c.responseFormat = ResponseFormat::None;
    else {
        fail(error, ParseTr::english("config \"responseFormat\" must be auto, json_schema, json_object "
                                     "or none"));
        return std::nullopt;
    }

    c.apiKey = qgetenv("CALLBOARD_LLM_API_KEY").trimmed();
    if (c.apiKey.isEmpty())
        c.apiKey = qgetenv("OPENAI_API_KEY").trimmed();
    return c;
}

QUrl LlmConfig::completionsUrl() const
{
    QUrl url = endpoint;
    QString path = url.path();
    if (path.endsWith(u"/chat/completions"))
        return url;
    while (path.endsWith(u'/'))
        path.chop(1);
    url.setPath(path + QStringLiteral("/chat/completions"));
    return url;
}

QString LlmConfig::displayEndpoint() const
{
    return endpoint.toDisplayString(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment);
}

QString maskSecrets(QString text, const QByteArray &apiKey)
{
    if (apiKey.size() >= 4)
        text.replace(QString::fromUtf8(apiKey), QStringLiteral("***"));
    static const QRegularExpression bearer(QStringLiteral("(Bearer\\s+)\\S+"),
                                           QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression openAiKey(QStringLiteral("\\bsk-[A-Za-z0-9_\\-]{6,}"));
    text.replace(bearer, QStringLiteral("\\1***"));
    text.replace(openAiKey, QStringLiteral("sk-***"));
    return text;
}

} // namespace Engine

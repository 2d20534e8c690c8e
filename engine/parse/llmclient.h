#pragma once

#include "engine/parse/llmconfig.h"

#include <QJsonObject>
#include <QPointer>
#include <QString>

#include <functional>

class QDateTime;
class QNetworkAccessManager;

namespace Engine {

struct ParseError;

/// A synchronous client of an OpenAI-compatible chat-completions server.
///
/// Worker threads run no event loop, so each request waits in a local QEventLoop in the calling
/// thread. The QNetworkAccessManager is created lazily in the thread that first sends a request
/// and belongs to this client, i.e. to one parse run on one worker thread; it is never shared
/// across threads. Transient failures (timeouts, connection errors, 408, 429, 5xx) are retried
/// with exponential backoff, honouring Retry-After (seconds or HTTP date), up to
/// LlmConfig::maxAttempts; anything a retry cannot fix fails at once with a permanent error.
class LlmClient final
{
public:
    struct Reply
    {
        QString content;      ///< choices[0].message.content
        QString finishReason; ///< "stop", "length", …
    };

    explicit LlmClient(const LlmConfig &config);
    ~LlmClient();
    LlmClient(const LlmClient &) = delete;
    LlmClient &operator=(const LlmClient &) = delete;

    /// Posts one request body. usage accumulates prompt_tokens, completion_tokens, total_tokens
    /// and requests over every request this call (and earlier calls with the same object) made.
    /// httpStatus: the status of the last answer (0 without one), so a caller can react to 400.
    /// Error messages never contain the API key.
    bool complete(const QJsonObject &body, Reply *reply, QJsonObject *usage, int *httpStatus,
                  ParseError *error);

    /// Asked every 100 ms while a request is under way or a retry waits: true aborts the request
    /// and complete() fails with ParseError::stopped.
    void setStopToken(std::function<bool()> token) { m_stop = std::move(token); }

    /// Milliseconds to wait for a Retry-After value (delta seconds or an HTTP date); -1 if unusable.
    static qint64 parseRetryAfter(const QByteArray &value, const QDateTime &now);

private:
    struct Answer;
    Answer post(const QByteArray &payload);
    QString serverMessage(const QByteArray &body) const;

    bool stopRequested() const { return m_stop && m_stop(); }
    /// Sleeps ms, or less when the stop token fires; false if it did.
    bool waitUnlessStopped(qint64 ms) const;

    LlmConfig m_config;
    QPointer<QNetworkAccessManager> m_manager;
    std::function<bool()> m_stop;
};

} // namespace Engine

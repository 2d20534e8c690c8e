#include "engine/parse/llmclient.h"

#include "engine/parse/parserun.h"
#include "engine/parse/parsetr.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>
#include <QTimeZone>
#include <QTimer>

namespace Engine {

namespace {

constexpr int MaxServerMessage = 300;

void fail(ParseError *error, const QString &message, bool permanent)
{
    if (error) {
        error->message = message;
        error->permanent = permanent;
    }
}

void addUsage(QJsonObject *usage, const QJsonObject &answer)
{
    if (!usage)
        return;
    usage->insert(QStringLiteral("requests"), usage->value(QStringLiteral("requests")).toInt() + 1);
    const QJsonObject u = answer.value(QStringLiteral("usage")).toObject();
    for (const QString &key : {QStringLiteral("prompt_tokens"), QStringLiteral("completion_tokens"),
                               QStringLiteral("total_tokens")}) {
        if (u.value(key).isDouble())
            usage->insert(key, usage->value(key).toInteger() + u.value(key).toInteger());
    }
    const QString model = answer.value(QStringLiteral("model")).toString();
    if (!model.isEmpty())
        usage->insert(QStringLiteral("model"), model);
}

} // namespace

struct LlmClient::Answer
{
    int status = 0;             ///< 0: no HTTP answer
    QByteArray body;
    qint64 retryAfterMs = -1;
    bool timedOut = false;
    bool stopped = false;       ///< aborted by the stop token
    QString networkError;       ///< set when there is no HTTP answer
    bool networkPermanent = false;
};

LlmClient::LlmClient(const LlmConfig &config)
    : m_config(config)
{
}

LlmClient::~LlmClient()
{
    if (!m_manager)
        return;
    if (m_manager->thread() == QThread::currentThread())
        delete m_manager.data();
    else
        m_manager->deleteLater();
}

qint64 LlmClient::parseRetryAfter(const QByteArray &value, const QDateTime &now)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty())
        return -1;
    bool ok = false;
    const double seconds = v.toDouble(&ok);
    if (ok)
        return seconds < 0 ? -1 : qint64(seconds * 1000);
    // HTTP date (RFC 9110 IMF-fixdate, "Wed, 21 Oct 2015 07:28:00 GMT")
    const QString text = QString::fromLatin1(v);
    QDateTime when = QLocale::c().toDateTime(text, QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (when.isValid())
        when.setTimeZone(QTimeZone::utc());
    else
        when = QDateTime::fromString(text, Qt::RFC2822Date);
    if (!when.isValid())
        return -1;
    return qMax<qint64>(0, now.msecsTo(when));
}

LlmClient::Answer LlmClient::post(const QByteArray &payload)
{
    if (!m_manager || m_manager->thread() != QThread::currentThread()) {
        if (m_manager)
            m_manager->deleteLater();
        m_manager = new QNetworkAccessManager;
    }
    QNetworkRequest request(m_config.completionsUrl());
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json"));
    if (!m_config.apiKey.isEmpty())
        request.setRawHeader(QByteArrayLiteral("Authorization"), "Bearer " + m_config.apiKey);
    request.setTransferTimeout(m_config.timeoutMs);
    // The bearer token must not follow a redirect to another host.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::SameOriginRedirectPolicy);

    Answer answer;
    QNetworkReply *reply = m_manager->post(request, payload);
    QEventLoop loop;
    // setTransferTimeout() only measures silence; this caps the whole request.
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, reply, [&answer, reply] {
        answer.timedOut = true;
        reply->abort();
    });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    // Pause, cancel and shutdown do not wait for an answer that may take minutes.
    QTimer stopCheck;
    QObject::connect(&stopCheck, &QTimer::timeout, reply, [this, &answer, reply] {
        if (stopRequested()) {
            answer.stopped = true;
            reply->abort();
        }
    });
    if (m_stop)
        stopCheck.start(100);
    deadline.start(m_config.timeoutMs);
    if (!reply->isFinished())
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    deadline.stop();
    stopCheck.stop();

    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    answer.status = status.isValid() ? status.toInt() : 0;
    if (reply->isOpen()) // an aborted reply is closed
        answer.body = reply->readAll();
    if (reply->hasRawHeader(QByteArrayLiteral("Retry-After")))
        answer.retryAfterMs = parseRetryAfter(reply->rawHeader(QByteArrayLiteral("Retry-After")),
                                              QDateTime::currentDateTimeUtc());
    const QNetworkReply::NetworkError error = reply->error();
    if (error == QNetworkReply::OperationCanceledError || error == QNetworkReply::TimeoutError)
        answer.timedOut = true; // the transfer timeout aborts with OperationCanceledError
    if (answer.status == 0) {
        answer.networkError = maskSecrets(reply->errorString(), m_config.apiKey);
        answer.networkPermanent = error == QNetworkReply::ProtocolUnknownError
                                  || error == QNetworkReply::ProtocolInvalidOperationError;
    }
    delete reply;
    return answer;
}

QString LlmClient::serverMessage(const QByteArray &body) const
{
    QString message;
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    if (doc.isObject()) {
        const QJsonValue error = doc.object().value(QStringLiteral("error"));
        if (error.isObject())
            message = error.toObject().value(QStringLiteral("message")).toString();
        else if (error.isString())
            message = error.toString();
        if (message.isEmpty())
            message = doc.object().value(QStringLiteral("message")).toString();
    } else if (!body.trimmed().startsWith('<')) {
        message = QString::fromUtf8(body);
    }
    message = message.simplified();
    if (message.size() > MaxServerMessage)
        message = message.left(MaxServerMessage) + u'…';
    return maskSecrets(message, m_config.apiKey);
}

bool LlmClient::waitUnlessStopped(qint64 ms) const
{
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < ms) {
        if (stopRequested())
            return false;
        QThread::msleep(static_cast<unsigned long>(qMin<qint64>(100, ms - waited.elapsed())));
    }
    return !stopRequested();
}

bool LlmClient::complete(const QJsonObject &body, Reply *reply, QJsonObject *usage, int *httpStatus,
                         ParseError *error)
{
    const QByteArray payload = QJsonDocument(body).toJson(QJsonDocument::Compact);
    const QString where = m_config.displayEndpoint();
    QString problem;
    int attempt = 0;
    while (true) {
        ++attempt;
        const Answer a = post(payload);
        if (a.stopped) {
            if (error)
                *error = ParseError::stoppedMidChunk();
            return false;
        }
        if (httpStatus)
            *httpStatus = a.status;
        qint64 waitMs = -1;
        if (a.status >= 200 && a.status < 300) {
            const QJsonDocument doc = QJsonDocument::fromJson(a.body);
            const QJsonObject root = doc.object();
            const QJsonObject choice = root.value(QStringLiteral("choices")).toArray().at(0).toObject();
            const QJsonValue content = choice.value(QStringLiteral("message")).toObject().value(
                QStringLiteral("content"));
            if (content.isString()) {
                addUsage(usage, root);
                if (reply) {
                    reply->content = content.toString();
                    reply->finishReason = choice.value(QStringLiteral("finish_reason")).toString();
                }
                return true;
            }
            // A proxy's page or a half-written answer: worth another try.
            if (doc.isObject())
                addUsage(usage, root);
            problem = ParseTr::english("LLM server at %1 sent an answer without a chat completion").arg(where);
        } else if (a.status == 0) {
            if (a.timedOut)
                problem = ParseTr::english("LLM server at %1 did not answer within %2 ms")
                              .arg(where).arg(m_config.timeoutMs);
            else
                problem = ParseTr::english("cannot reach the LLM server at %1: %2").arg(where, a.networkError);
            if (a.networkPermanent && !a.timedOut) {
                fail(error, problem, true);
                return false;
            }
        } else if (a.status == 408 || a.status == 429 || a.status >= 500) {
            const QString detail = serverMessage(a.body);
            problem = a.status == 429
                          ? ParseTr::english("LLM server at %1 is rate limiting (429)").arg(where)
                          : ParseTr::english("LLM server at %1 failed (%2)").arg(where).arg(a.status);
            if (!detail.isEmpty())
                problem += QStringLiteral(": ") + detail;
            waitMs = a.retryAfterMs;
        } else {
            const QString detail = serverMessage(a.body);
            QString message;
            switch (a.status) {
            case 401:
                message = m_config.apiKey.isEmpty()
                              ? ParseTr::english("LLM server requires an API key (401): set "
                                                 "CALLBOARD_LLM_API_KEY or OPENAI_API_KEY")
                              : ParseTr::english("LLM server refused the API key (401)");
                break;
            case 403:
                message = ParseTr::english("LLM server denied access (403)");
                break;
            case 404:
                message = ParseTr::english("LLM server at %1 does not know model '%2' or the endpoint URL "
                                           "is wrong (404)")
                              .arg(where, m_config.model);
                break;
            case 400:
                message = ParseTr::english("LLM server rejected the request (400)");
                break;
            case 413:
                message = ParseTr::english("LLM server refused a request this large (413): use a smaller "
                                           "chunkSize");
                break;
            default:
                message = ParseTr::english("LLM server at %1 refused the request (%2)").arg(where).arg(a.status);
                break;
            }
            if (!detail.isEmpty())
                message += QStringLiteral(": ") + detail;
            fail(error, message, true);
            return false;
        }

        if (attempt >= m_config.maxAttempts)
            break;
        if (waitMs > m_config.maxBackoffMs) {
            problem += ParseTr::english(" (asked to wait %1 s)").arg((waitMs + 999) / 1000);
            break;
        }
        if (waitMs < 0) {
            const qint64 exp = qint64(m_config.backoffMs) << qMin(attempt - 1, 20);
            waitMs = qMin<qint64>(exp, m_config.maxBackoffMs);
        }
        if (waitMs > 0 && !waitUnlessStopped(waitMs)) {
            if (error)
                *error = ParseError::stoppedMidChunk();
            return false;
        }
    }
    fail(error,
         attempt == 1 ? ParseTr::english("%1; gave up after 1 attempt").arg(problem)
                      : ParseTr::english("%1; gave up after %2 attempts").arg(problem).arg(attempt),
         false);
    return false;
}

} // namespace Engine

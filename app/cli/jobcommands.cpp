// The reading and controlling commands: list, show, pause/resume/cancel/retry, priority, stats.
#include "app/cli/clierror.h"
#include "app/cli/clisession.h"
#include "app/cli/commandcontext.h"
#include "app/cli/commands.h"
#include "app/cli/tablewriter.h"
#include "engine/joberrors.h"
#include "engine/playbookquality.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Cli {

namespace {

QString shortTime(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                          : QStringLiteral("-");
}

QString progressText(const Engine::Job &job)
{
    QString text = QString::number(job.progress, 'f', 0) + QLatin1Char('%');
    if (job.totalChunks)
        text += QStringLiteral(" %1/%2").arg(job.completedChunks).arg(*job.totalChunks);
    return text;
}

QString orDash(const QString &text)
{
    return text.isEmpty() ? QStringLiteral("-") : text;
}

QString warningKind(Engine::QualityWarning::Kind kind)
{
    using W = Engine::QualityWarning;
    switch (kind) {
    case W::SilentCastMember: return QStringLiteral("silent-cast-member");
    case W::UnknownSpeaker: return QStringLiteral("speaker-not-in-cast");
    case W::CaseVariant: return QStringLiteral("case-variant");
    case W::AbbreviatedName: return QStringLiteral("abbreviated-name");
    case W::SpellingVariant: return QStringLiteral("spelling-variant");
    case W::LowConfidenceScene: return QStringLiteral("low-confidence-scene");
    case W::SpeechWithoutSpeaker: return QStringLiteral("speeches-without-speaker");
    }
    return QString();
}

/// A serious warning in the words of the window's review pane (the CLI speaks English).
QString warningText(const Engine::QualityWarning &warning)
{
    using W = Engine::QualityWarning;
    const QString first = warning.names.value(0);
    const QString second = warning.names.value(1);
    switch (warning.kind) {
    case W::CaseVariant: return QStringLiteral("names differing only in case: %1 / %2").arg(first, second);
    case W::AbbreviatedName: return QStringLiteral("abbreviated name: %1 (for %2?)").arg(first, second);
    case W::SpellingVariant: return QStringLiteral("spelling variants: %1").arg(warning.names.join(QStringLiteral(" / ")));
    case W::SpeechWithoutSpeaker: return QStringLiteral("speeches without a speaker: %1").arg(first);
    default: return warningKind(warning.kind) + QStringLiteral(": ") + warning.names.join(QStringLiteral(", "));
    }
}

/// What the window's Needs review badge and review pane say of a playbook.
struct Review
{
    double confidence = -1;
    QList<Engine::QualityWarning> warnings;

    int serious() const { return Engine::PlaybookQuality::seriousCount(warnings); }
    bool needed() const { return Engine::PlaybookQuality::needsReview(confidence, serious()); }

    QString summary() const
    {
        const QString figure = confidence < 0 ? QStringLiteral("confidence unknown")
                                              : QStringLiteral("confidence %1 %").arg(qRound(confidence * 100));
        const int n = serious();
        return QStringLiteral("%1 (%2, %3 serious warning%4)")
            .arg(needed() ? QStringLiteral("needs review") : QStringLiteral("ok"), figure)
            .arg(n)
            .arg(n == 1 ? QString() : QStringLiteral("s"));
    }

    QJsonObject toJson() const
    {
        QJsonArray list;
        for (const Engine::QualityWarning &w : warnings)
            list.append(QJsonObject{{QStringLiteral("kind"), warningKind(w.kind)},
                                    {QStringLiteral("names"), QJsonArray::fromStringList(w.names)},
                                    {QStringLiteral("serious"), w.serious()}});
        return QJsonObject{{QStringLiteral("needsReview"), needed()},
                           {QStringLiteral("confidence"),
                            confidence < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(confidence)},
                           {QStringLiteral("seriousWarnings"), serious()},
                           {QStringLiteral("warnings"), list}};
    }
};

std::optional<Review> reviewOf(CliSession &session, const Engine::Job &job)
{
    if (job.playbookId.isEmpty())
        return std::nullopt;
    // The latest revision: an editor's corrections may have answered the warnings.
    const std::optional<Engine::PlaybookRecord> playbook = session.queue().playbook(job.id);
    if (!playbook)
        return std::nullopt;
    return Review{Engine::PlaybookQuality::confidence(playbook->document),
                  Engine::PlaybookQuality::warnings(playbook->document)};
}

} // namespace

int runList(CommandContext &context)
{
    Engine::JobFilter filter;
    if (context.isSet(QStringLiteral("status"))) {
        for (const QString &name : context.value(QStringLiteral("status")).split(QLatin1Char(','))) {
            const auto status = Engine::jobStatusFromString(name.trimmed());
            if (!status) {
                QStringList known;
                for (Engine::JobStatus s : Engine::allJobStatuses())
                    known << Engine::statusName(s);
                throw CliError::usage(QStringLiteral("Unknown status '%1' (use %2)")
                                          .arg(name.trimmed(), known.join(QStringLiteral(", "))));
            }
            filter.statuses << *status;
        }
    }
    CliSession session(context.url());
    session.open();
    const QList<Engine::Job> jobs = session.queue().jobs(filter);
    if (context.json()) {
        QJsonArray array;
        for (const Engine::Job &job : jobs)
            array.append(job.toJson());
        context.printJson(array);
        return 0;
    }
    // Ids are shortened like git's: any unique prefix works as a JOB argument.
    TableWriter table({QStringLiteral("ID"), QStringLiteral("STATUS"), QStringLiteral("PRI"),
                       QStringLiteral("PROGRESS"), QStringLiteral("RETRIES"),
                       QStringLiteral("CREATED (UTC)"), QStringLiteral("FILE")});
    table.setRightAligned(2);
    table.setRightAligned(3);
    table.setRightAligned(4);
    for (const Engine::Job &job : jobs)
        table.addRow({job.id.left(8), Engine::statusName(job.status), QString::number(job.priority),
                      progressText(job),
                      QStringLiteral("%1/%2").arg(job.retryCount).arg(job.maxRetries),
                      shortTime(job.createdAt), job.filename});
    if (jobs.isEmpty())
        context.out() << "no jobs\n";
    else
        table.write(context.out());
    return 0;
}

int runShow(CommandContext &context)
{
    CliSession session(context.url());
    session.open();
    const QString id = session.resolveJobId(context.arguments().constFirst());
    const std::optional<Engine::Job> job = session.queue().job(id, false);
    if (!job)
        throw Engine::JobNotFoundError(id);
    const bool withEvents = context.isSet(QStringLiteral("events"));
    const QList<Engine::JobEvent> events = withEvents ? session.queue().events(id)
                                                      : QList<Engine::JobEvent>();
    const std::optional<Review> review = reviewOf(session, *job);
    if (context.json()) {
        QJsonObject object = job->toJson();
        if (review)
            object.insert(QStringLiteral("review"), review->toJson());
        if (withEvents) {
            QJsonArray array;
            for (const Engine::JobEvent &event : events)
                array.append(event.toJson());
            object.insert(QStringLiteral("events"), array);
        }
        context.printJson(object);
        return 0;
    }
    TableWriter fields({QStringLiteral("FIELD"), QStringLiteral("VALUE")});
    auto add = [&](const char *name, const QString &value) {
        fields.addRow({QString::fromLatin1(name), value});
    };
    add("id", job->id);
    add("filename", job->filename);
    add("source", orDash(job->sourcePath));
    add("status", Engine::statusName(job->status)
                      + (job->controlRequest.isEmpty()
                             ? QString()
                             : QStringLiteral(" (%1 requested)").arg(job->controlRequest)));
    add("priority", QString::number(job->priority));
    add("progress", progressText(*job));
    add("retries", QStringLiteral("%1 of %2").arg(job->retryCount).arg(job->maxRetries));
    add("config", QString::fromUtf8(QJsonDocument(job->config).toJson(QJsonDocument::Compact)));
    add("worker", orDash(job->workerId));
    add("lock expiry", shortTime(job->lockExpiry));
    add("created", shortTime(job->createdAt));
    add("started", shortTime(job->startedAt));
    add("completed", shortTime(job->completedAt));
    add("updated", shortTime(job->updatedAt));
    if (job->runAfter.isValid())
        add("run after", shortTime(job->runAfter));
    add("playbook", orDash(job->playbookId));
    if (review) {
        add("review", review->summary());
        for (const Engine::QualityWarning &warning : review->warnings) {
            if (warning.serious())
                add("", warningText(warning));
        }
    }
    if (!job->lastError.isEmpty())
        add("last error", job->lastError);
    if (!job->failureReason.isEmpty())
        add("failure", job->failureReason + (job->failurePermanent && job->status
                                                 == Engine::JobStatus::Failed
                                                 ? QStringLiteral(" (permanent: a retry cannot "
                                                                  "fix it)")
                                                 : QString()));
    fields.write(context.out());
    if (withEvents) {
        context.out() << '\n';
        TableWriter timeline({QStringLiteral("TIME (UTC)"), QStringLiteral("EVENT"),
                              QStringLiteral("DETAILS")});
        for (const Engine::JobEvent &event : events)
            timeline.addRow({event.createdAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")),
                             event.event,
                             QString::fromUtf8(
                                 QJsonDocument(event.details).toJson(QJsonDocument::Compact))});
        timeline.write(context.out());
    }
    return 0;
}

int runControl(const QString &action, CommandContext &context)
{
    CliSession session(context.url());
    session.open();
    const QStringList ids = session.resolveJobIds(context.arguments());
    Engine::JobQueue &queue = session.queue();
    const QString actor = QStringLiteral("cli");
    for (const QString &id : std::as_const(ids)) {
        Engine::JobStatus status;
        if (action == QLatin1String("pause"))
            status = queue.pause(id, actor);
        else if (action == QLatin1String("resume"))
            status = queue.resume(id, actor);
        else if (action == QLatin1String("cancel"))
            status = queue.cancel(id, actor);
        else
            status = queue.retry(id, actor);
        // A running job only takes the request; its worker applies it at the next chunk.
        const bool requested = status == Engine::JobStatus::Running
                               && (action == QLatin1String("pause")
                                   || action == QLatin1String("cancel"));
        context.out() << id << ' '
                      << (requested ? action + QStringLiteral(" requested (running)")
                                    : Engine::statusName(status))
                      << '\n';
    }
    return 0;
}

int runPriority(CommandContext &context)
{
    const int priority = CommandContext::parseInt(context.arguments().at(1),
                                                  QStringLiteral("The priority"),
                                                  Engine::JobQueue::kMinPriority,
                                                  Engine::JobQueue::kMaxPriority);
    CliSession session(context.url());
    session.open();
    const QString id = session.resolveJobId(context.arguments().constFirst());
    session.queue().setPriority(id, priority, QStringLiteral("cli"));
    context.out() << id << " priority " << priority << '\n';
    return 0;
}

} // namespace Cli

namespace Cli {

int runRemove(CommandContext &context)
{
    CliSession session(context.url());
    session.open();
    Engine::JobQueue &queue = session.queue();
    // Every id is resolved and checked first: one job in progress among them removes none.
    QStringList ids = session.resolveJobIds(context.arguments());
    ids.removeDuplicates();
    QStringList inProgress;
    for (const QString &id : std::as_const(ids)) {
        const std::optional<Engine::Job> job = queue.job(id);
        if (!job)
            throw Engine::JobNotFoundError(id);
        if (!Engine::isTerminal(job->status))
            inProgress << QStringLiteral("%1 (%2) is %3").arg(id.left(8), job->filename,
                                                             Engine::statusName(job->status));
    }
    if (!inProgress.isEmpty())
        throw CliError(QStringLiteral("Only completed, failed or cancelled jobs can be removed; "
                                      "cancel the others first: %1. Nothing was removed.")
                           .arg(inProgress.join(QStringLiteral(", "))));
    const bool withPlaybook = context.isSet(QStringLiteral("with-playbook"));
    for (const QString &id : std::as_const(ids)) {
        const Engine::RemoveResult result = queue.remove(id, withPlaybook, QStringLiteral("cli"));
        context.out() << id << " removed"
                      << (result.playbookDeleted ? " with its playbook" : "") << '\n';
    }
    return 0;
}

} // namespace Cli

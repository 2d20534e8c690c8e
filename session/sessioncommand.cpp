#include "session/sessioncommand.h"

#include "engine/joberrors.h"
#include "engine/jobqueue.h"

QString SessionCommand::pendingName() const
{
    switch (kind) {
    case Kind::Pause: return QStringLiteral("pause");
    case Kind::Resume: return QStringLiteral("resume");
    case Kind::Cancel: return QStringLiteral("cancel");
    case Kind::Retry: return QStringLiteral("retry");
    case Kind::Restart: return QStringLiteral("restart");
    case Kind::CorrectPlaybook: return QString();
    case Kind::SetPriority:
    case Kind::ChangePriority: return QStringLiteral("priority");
    case Kind::Remove: return QStringLiteral("remove");
    }
    return {};
}

SessionCommand::Outcome SessionCommand::run(Engine::JobQueue &queue) const
{
    Outcome outcome;
    for (const QString &id : jobIds) {
        try {
            switch (kind) {
            case Kind::Pause: queue.pause(id, actor); break;
            case Kind::Resume: queue.resume(id, actor); break;
            case Kind::Cancel: queue.cancel(id, actor); break;
            case Kind::Retry: queue.retry(id, actor); break;
            case Kind::Restart: queue.restart(id, actor, config); break;
            case Kind::Remove: queue.remove(id, value != 0, actor); break;
            case Kind::CorrectPlaybook: queue.correctPlaybook(id, config, actor); break;
            case Kind::SetPriority: queue.setPriority(id, value, actor); break;
            case Kind::ChangePriority: {
                const auto job = queue.job(id);
                if (!job)
                    throw Engine::JobNotFoundError(id);
                queue.setPriority(id,
                                  qBound(Engine::JobQueue::kMinPriority, job->priority + value,
                                         Engine::JobQueue::kMaxPriority),
                                  actor);
                break;
            }
            }
            outcome.done << id;
        } catch (const Engine::JobError &error) {
            outcome.refused.append({id, error.message()});
        }
    }
    return outcome;
}

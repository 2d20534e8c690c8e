#pragma once

#include "engine/engineerror.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace Engine {

/// An editor's correction of a playbook, as JSON (what the revision and its job event record):
///
/// - `{"op": "rename", "character": OLD, "to": NEW}`: the entry's name; OLD stays an alias so
///   that the speeches printed with it still resolve.
/// - `{"op": "merge", "from": A, "into": B}`: A's name and aliases become B's aliases, A goes.
/// - `{"op": "split", "character": C, "aliases": [...], "name": N}`: those aliases of C (a group
///   carrying its members as aliases, `King` holding `P. King`) leave C for a new entry N, with
///   the speeches printed with them.
/// - `{"op": "moveSpeech", "act": i, "scene": j, "speech": k, "to": NAME}`: that speech (indexes
///   into the playbook's arrays) is given to the entry NAME.
///
/// Every character's `speeches` count is taken again afterwards.
class PlaybookCorrection final
{
public:
    static QJsonObject rename(const QString &character, const QString &to);
    static QJsonObject merge(const QString &from, const QString &into);
    static QJsonObject split(const QString &character, const QStringList &aliases, const QString &name);
    static QJsonObject moveSpeech(int act, int scene, int speech, const QString &to);

    /// The corrected playbook, or an InvalidInput error saying why (an unknown character, a name
    /// taken, a speech that does not exist) in a sentence for the editor.
    static Expected<QJsonObject> apply(const QJsonObject &playbook, const QJsonObject &correction);
};

} // namespace Engine

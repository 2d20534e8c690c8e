#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Engine {

/// What an LLM says about one chunk: the playbook's shape (acts -> scenes -> speeches and stage
/// directions, plus title and characters) limited to that chunk, and the text that continues the
/// speech left unfinished by the chunk before.
///
/// An act or scene whose title is null continues the current one; a titled one starts anew.
struct LlmChunkReply
{
    struct Speech
    {
        QString speaker;
        QString text;
    };
    struct Scene
    {
        QString title; ///< null: continues the current scene
        QList<Speech> speeches;
        QStringList directions;
    };
    struct Act
    {
        QString title; ///< null: continues the current act
        QList<Scene> scenes;
    };
    struct Character
    {
        QString name;
        QStringList aliases;
    };

    QString title;        ///< the play's title when this chunk shows it
    QString continuation; ///< text before the first new speaker that belongs to the open speech
    QList<Character> characters;
    QList<Act> acts;

    /// Validates a reply's content (shape and types; code fences and text around the object are
    /// tolerated). maxTextChars bounds the text a reply may hold, so a runaway reply is refused.
    /// On failure, problem says what is wrong in words the model can act on.
    static std::optional<LlmChunkReply> parse(const QString &content, qsizetype maxTextChars,
                                              QString *problem);

    /// The JSON schema of a reply (strict: every property required, nullable where optional).
    static QJsonObject schema();
};

} // namespace Engine

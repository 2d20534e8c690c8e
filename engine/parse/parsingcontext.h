#pragma once

#include "engine/parse/playprofile.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Engine {

/// Everything a chunk needs to know about the chunks before it; saved in every checkpoint.
///
/// Holds the play-level facts (title, character list, the heuristic profile), the characters and
/// their aliases seen so far, where the reader is (act, scene), and everything that is still open
/// at a chunk boundary: an unfinished speech, a held line whose meaning depends on the next one,
/// a stage direction being read. Because nothing else survives between chunks, where the text is
/// cut cannot change the result.
class ParsingContext final
{
public:
    struct Character
    {
        QString name;       ///< the fullest form the play gives
        QStringList aliases; ///< every other label that names this entry, as printed
        bool group = false;  ///< a joint label (`A AND B`, `BOTH`, `ALL`, `TOUS`, `ALLE`)
        QStringList members; ///< a group's members, by their entries' names where known
    };

    /// A speech whose end has not been seen yet.
    struct OpenSpeech
    {
        bool open = false;
        QString speaker;
        QString text;
        bool column = false; ///< started as a line of speeches printed side by side
        int firstLine = -1;  ///< source lines it spans so far (0-based, normalised text)
        int lastLine = -1;
    };

    /// The line reader's position inside the current paragraph.
    struct ReaderState
    {
        enum class Paragraph { None, Speech, Direction, Skipped };
        enum class Pending { None, Label, Heading };

        Paragraph paragraph = Paragraph::None;
        Pending pending = Pending::None;
        QString pendingLine;      ///< a label or title held until the next line decides it
        int pendingBlanks = 0;    ///< blank lines before the held line
        QString pendingName;
        QString pendingDirection;
        bool pendingDirectionOpen = false;
        int blankRun = 1;         ///< blank lines just read (the start of the text counts as one)
        bool afterHeading = false; ///< nothing but blank lines since the last heading
        bool labelDirectionOpen = false; ///< reading the wrapped `(direction` of a speaker label
        QString direction;        ///< the stage-direction paragraph being read
        int pendingLineNo = -1;   ///< where the held line is (0-based, normalised text)
        int directionFirst = -1;  ///< the lines the direction being read spans
        int directionLast = -1;
    };

    const QString &title() const { return m_title; }
    void setTitle(const QString &title) { m_title = title; }
    const QStringList &personae() const { return m_personae; }
    void setPersonae(const QStringList &personae) { m_personae = personae; }
    const PlayProfile &profile() const { return m_profile; }
    void setProfile(const PlayProfile &profile) { m_profile = profile; }

    const QString &actTitle() const { return m_actTitle; }
    const QString &sceneTitle() const { return m_sceneTitle; }
    void enterAct(const QString &title);
    void enterScene(const QString &title);

    /// Records a speaker label; an abbreviation (`Ham.`) or a short form (`HELMER`) of a name in
    /// the character list, or an abbreviation of a speaker already seen (`Ber.` / `Bernardo`),
    /// becomes an alias of that character, whose name is the fullest form. A joint label
    /// (`A AND B`, `ALL`) becomes a group entry with its members, never an alias of one of them.
    void registerSpeaker(const QString &label);
    const QList<Character> &characters() const { return m_characters; }

    OpenSpeech &speech() { return m_speech; }
    const OpenSpeech &speech() const { return m_speech; }
    ReaderState &reader() { return m_reader; }
    const ReaderState &reader() const { return m_reader; }

    QJsonObject toJson() const;
    static std::optional<ParsingContext> fromJson(const QJsonObject &json);

private:
    int findCharacter(const QString &key) const;
    void rebuildIndex();

    QString m_title;
    QStringList m_personae;
    PlayProfile m_profile;
    QString m_actTitle;
    QString m_sceneTitle;
    QList<Character> m_characters;
    QHash<QString, int> m_characterIndex; ///< folded name or alias -> m_characters index
    OpenSpeech m_speech;
    ReaderState m_reader;
};

} // namespace Engine

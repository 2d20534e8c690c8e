#pragma once

#include "engine/parse/parsingcontext.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Engine {

/// Source lines of a speech or direction, 0-based in the normalised text; -1 when the provider
/// could not tell.
struct SourceLineRange
{
    int first = -1;
    int last = -1;
};

/// Accumulates the acts, scenes, speeches and stage directions found so far and writes the
/// playbook JSON of shared/plays/README.md.
///
/// Append-only, kept as plain structs rather than nested QJsonArrays: appending to a QJsonArray
/// nested in a QJsonObject detaches the whole tree, which would make a long play quadratic.
///
/// Every change is also recorded in a journal of small operations. A checkpoint stores what each
/// chunk added (takeJournal()) once, instead of the whole partial playbook after every chunk;
/// replaying the journals in order rebuilds the same builder.
class PlaybookBuilder final
{
public:
    using LineRange = SourceLineRange;
    struct Speech
    {
        QString speaker;
        QString text;
        LineRange lines;
    };
    struct Scene
    {
        QString title; ///< null: no heading
        QList<Speech> speeches;
        QStringList directions;
        QList<LineRange> directionLines; ///< one per direction
    };
    struct Act
    {
        QString title; ///< null: no heading (a play without acts)
        QList<Scene> scenes;
    };
    /// Sizes at one moment, to undo a chunk that failed half-way.
    struct Mark
    {
        qsizetype acts = 0;
        qsizetype scenes = 0;
        qsizetype speeches = 0;
        qsizetype directions = 0;
        int totalSpeeches = 0;
        qsizetype journal = 0;
    };

    void startAct(const QString &title);
    void startScene(const QString &title);
    void addSpeech(const QString &speaker, const QString &text, LineRange lines = {});
    /// Directions before the first act or speech are front matter and are dropped.
    void addDirection(const QString &text, LineRange lines = {});
    /// What a line index of the normalised text is in the job's own text (1-based): the lines the
    /// normaliser cut in front (a licence header) plus one. Not journaled: the run sets it.
    void setLineBase(int base) { m_lineBase = base; }
    int lineBase() const { return m_lineBase; }

    int speechCount() const { return m_speechCount; }
    const QList<Act> &acts() const { return m_acts; }

    Mark mark() const;
    void rollback(const Mark &mark);

    /// The operations since the last call, as compact JSON (["a", title], ["s", title],
    /// ["p", speaker, text, first, last], ["d", text, first, last]; journals written before line
    /// ranges lack first and last); the journal starts again empty.
    QJsonArray takeJournal();
    /// Applies journals taken from another builder, in order; false if one is malformed (the
    /// builder is then unusable).
    bool replay(const QJsonArray &journal);

    /// The whole partial state (checkpoint format 1, still read when resuming old jobs).
    QJsonObject toJson() const;
    static std::optional<PlaybookBuilder> fromJson(const QJsonObject &json);

    /// The playbook: acts and scenes without any speech (tables of contents, scene lists,
    /// title pages) are left out.
    /// Cast-list names (`personae`) no label resolved to are added with no speeches.
    /// Every character carries its kind (`person`/`group`), a group its `members`, and each the
    /// number of speeches whose label resolves to it. `meta` (layout, confidence) is added as is,
    /// with `scenes` filled in: a confidence per kept scene. A speech with known source lines
    /// carries `"lines": [first, last]` (1-based lines of the job's text, any of LF, CRLF or CR
    /// ending a line); a scene's `stage_direction_lines` gives the same per direction (null
    /// where unknown).
    QJsonObject playbook(const QString &title, const QList<ParsingContext::Character> &characters,
                         QJsonObject meta = {}, const QStringList &personae = {}) const;

private:
    Scene &currentScene();

    struct Operation
    {
        char kind; ///< 'a' act, 's' scene, 'p' speech, 'd' direction
        QString first;
        QString second;
        LineRange lines;
    };

    QList<Act> m_acts;
    int m_speechCount = 0;
    int m_lineBase = 1;
    QList<Operation> m_journal;
};

} // namespace Engine

#pragma once

#include <QString>
#include <QStringList>
#include <QStringView>

namespace Engine {

/// A line that could start a speech: the speaker label and what follows it on the line.
struct LabelMatch
{
    /// The layout of the label; a play normally uses one or two of them.
    enum Style {
        None = 0,
        AloneCaps = 1,   ///< `NORA.` / `ORGON` / `ORGON (to Dorine)` alone, speech below
        AloneColon = 2,  ///< `MEPHISTOPHELES (zu Faust):` alone, speech below
        AloneAbbrev = 4, ///< `Ham.` / `P. King.` / `1 Clown.` mixed case + period alone
        InlineCaps = 8,  ///< `CHRISTY. I am`, `PEGEEN -- [dir] -- text`, `THE MOTHER [dir] text`
        InlineMixed = 16 ///< `Algernon.  Did you hear`, `Lady Bracknell: text`
    };
    static constexpr int AllStyles = 31;

    Style style = None;
    QString name;              ///< label as printed, without the closing `.`/`:`
    QString direction;         ///< a `(...)`/`[...]` right after an alone label
    bool directionOpen = false; ///< that direction continues on the next lines
    bool mixedCase = false;    ///< an alone label in mixed case (`Dorine (withdrawing`)
    QString rest;              ///< inline speech text after the label
    bool wideGap = false;      ///< two or more spaces between label and text (column layout)
    /// For `NAME [direction that wraps`: the same line read as an inline label (rest = the
    /// direction and what follows), for plays that print labels inline.
    Style inlineAlternative = None;

    bool isAlone() const { return style == AloneCaps || style == AloneColon || style == AloneAbbrev; }
    bool isInline() const { return style == InlineCaps || style == InlineMixed; }
};

/// Recognisers for the line shapes of a printed play. Pure functions of one trimmed line, so the
/// pre-scan and every chunk classify a line the same way.
class LineRecognizer final
{
public:
    /// `ACT I.`, `Act II.`, `FIRST ACT`, `Erster Akt`, `Acte III`, `ACT 2` (optionally + title).
    static bool isActHeading(QStringView line);
    /// `SCENE I`, `Scene II. A room.`, `Zweite Szene`, `Erster Auftritt`, `Scène 3`.
    static bool isSceneHeading(QStringView line);
    /// `DRAMATIS PERSONAE`, `PERSONS OF THE PLAY`, `Personen.`, `THE PERSONS`, `CHARACTERS`.
    static bool isPersonaeHeading(QStringView line);
    /// A paragraph that is a stage direction: bracketed, italic, or `Enter`/`Exit`/`Exeunt` ...
    static bool isDirectionStart(QStringView line);
    /// A short line that could be an unnumbered scene title (`Nacht.`, `Vor dem Tor`).
    static bool isGenericHeadingShape(QStringView line);
    /// The speaker label at the start of the line, if its shape is one of LabelMatch::Style.
    static LabelMatch matchLabel(QStringView line);

    /// Case- and punctuation-insensitive key of a name (`MRS. HIGGINS` == `Mrs Higgins`).
    static QString foldName(QStringView name);
    static bool isCapsName(QStringView name);
    static bool isMixedName(QStringView name);
    /// `ham` abbreviates `hamlet`, `p king` abbreviates `player king`, `helmer` names
    /// `torvald helmer`. Both arguments are folded names.
    static bool abbreviates(const QString &shortKey, const QString &longKey);
    /// Whether a label names several people at once (`MAR. AND BER.`, `BOTH`, `ALLE`).
    static bool isJointLabel(const QString &label);
    /// The people a joint label names (`MAR. AND BER.` -> `MAR`, `BER`).
    static QStringList jointParts(const QString &label);
};

} // namespace Engine

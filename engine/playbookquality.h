#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace Engine {

/// One thing an editor should look at in a playbook.
struct QualityWarning
{
    enum Kind {
        SilentCastMember,   ///< a cast-list name no speech is given to
        UnknownSpeaker,     ///< a label not in the cast (used once, or unresolved)
        CaseVariant,        ///< two entries whose names differ only in case
        AbbreviatedName,    ///< an entry named by an abbreviation of another entry's name
        SpellingVariant,    ///< a proposed merge (`SHAWN KEOGH` / `SHAWN KEOUGH`)
        LowConfidenceScene, ///< a scene whose confidence is under the review threshold
        SpeechWithoutSpeaker,
    };
    Kind kind;
    QStringList names; ///< the characters or labels concerned
    int act = -1;      ///< for a scene: indexes into the playbook's acts and their scenes
    int scene = -1;

    /// Whether it alone puts a play under review: the character table is wrong in a way the
    /// confidence does not measure. A cast member who never speaks (mute roles, walk-ons), a
    /// label used once (a Messenger) and a doubtful scene are common in good parses, already
    /// lower the confidence, and are only shown.
    bool serious() const
    {
        return kind == CaseVariant || kind == AbbreviatedName || kind == SpellingVariant
               || kind == SpeechWithoutSpeaker;
    }
};

/// Reads a playbook's meta (confidence, unknown labels, proposed merges, scene confidences) and
/// its character table into the warnings the window marks and the *Needs review* badge counts.
class PlaybookQuality final
{
public:
    /// Under this confidence a play, or a scene, needs review. On the seven shared plays the
    /// heuristic parser's confidence is 0.95 or more; plays in layouts it does not know fall
    /// well below (front matter read as speeches, labels it could not resolve).
    static constexpr double ReviewThreshold = 0.9;

    static QList<QualityWarning> warnings(const QJsonObject &playbook);
    static int seriousCount(const QList<QualityWarning> &warnings);
    /// The count stored beside a playbook for the Needs review badge.
    static int seriousWarningCount(const QJsonObject &playbook)
    {
        return seriousCount(warnings(playbook));
    }
    /// meta.confidence; -1 when the playbook has none (an older parse).
    static double confidence(const QJsonObject &playbook);
    /// confidence < 0: not known, judged by the warnings alone.
    static bool needsReview(double confidence, int seriousWarnings)
    {
        return (confidence >= 0 && confidence < ReviewThreshold) || seriousWarnings > 0;
    }
};

} // namespace Engine

#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Engine {

class SourceLines;
struct LabelMatch;

/// What the heuristic parser decides once for the whole play, from a cheap pre-scan of the full
/// text: which label layouts this play uses, how often each label occurs, where the character
/// list is, whether headings are numbered. Stored in the checkpoint, so every chunk (and every
/// resumed run) makes the same decisions whatever the chunk size.
class PlayProfile final
{
public:
    struct LineRange
    {
        int first = 0;
        int end = 0; ///< one past the last line
    };

    static PlayProfile scan(const SourceLines &lines, const QString &metaTitle);

    /// Whether a recognised label counts as a speaker label in this play.
    bool accepts(const LabelMatch &label) const;
    bool isInPersonae(int line) const;
    /// A label of the play's own mixed-case layout printed only once (a servant's one line):
    /// accepted at the start of a paragraph when the speech after it starts like a sentence.
    bool acceptsOnce(const LabelMatch &label) const;

    int styles() const { return m_styles; }
    int dominantStyle() const { return m_dominantStyle; }
    /// Verse plays printed as `NAME` + speech below keep a speech open across blank lines
    /// (stanzas); inline layouts end a speech with its paragraph.
    bool speechesSpanParagraphs() const;
    /// No act/scene keyword anywhere: short isolated lines after a gap are scene titles.
    bool genericHeadings() const { return m_genericHeadings; }
    /// Speeches follow each other without blank lines (`FIRST WITCH. When shall we three meet`
    /// right under the previous speech's verse): an inline label can start any line.
    bool labelsWithoutGaps() const { return m_labelsWithoutGaps; }
    int acceptedLabels() const { return m_acceptedLabels; }
    const QString &title() const { return m_title; }
    const QStringList &personae() const { return m_personae; }
    /// The cast-list name whose entry gives it this title (`Claudius, King of Denmark` for the
    /// folded `king`), when exactly one entry does; empty otherwise.
    QString personaTitled(const QString &foldedTitle) const { return m_personaTitles.value(foldedTitle); }
    int labelCount(const QString &foldedName) const { return m_vocabulary.value(foldedName); }

    /// The layout recognised, for the playbook's `meta`: label styles, headings, character list.
    QJsonObject layout() const;
    /// Share of the paragraphs the pre-scan could explain (a label, a heading, a stage
    /// direction, the character list); unexplained prose lowers the confidence of the parse.
    double explainedShare() const { return m_paragraphs ? double(m_explained) / m_paragraphs : 0.0; }

    QJsonObject toJson() const;
    static std::optional<PlayProfile> fromJson(const QJsonObject &json);

private:
    int m_styles = 0;
    int m_dominantStyle = 0;
    bool m_genericHeadings = false;
    bool m_labelsWithoutGaps = false;
    int m_acceptedLabels = 0;
    int m_paragraphs = 0;
    int m_explained = 0;
    QString m_title;
    QStringList m_personae;
    QStringList m_castWords; ///< folded name-like parts of the character list entries
    QHash<QString, QString> m_personaTitles; ///< folded title -> cast-list name (unambiguous)
    QList<LineRange> m_personaeRanges;
    QHash<QString, int> m_vocabulary; ///< folded label -> occurrences (>= 2 only)
};

} // namespace Engine

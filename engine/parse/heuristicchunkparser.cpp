#include "engine/parse/heuristicchunkparser.h"

#include "engine/parse/linerecognizer.h"
#include "engine/parse/parsetr.h"
#include "engine/parse/playbookbuilder.h"
#include "engine/parse/sourcelines.h"

namespace Engine {

namespace {

int indentOf(QStringView line)
{
    int n = 0;
    while (n < line.size() && line.at(n).isSpace())
        ++n;
    return n;
}

// Where the spoken text resumes after a label's wrapped `(direction ...)`.
qsizetype closingBracket(QStringView text)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i) == u')' || text.at(i) == u']')
            return i;
    }
    return -1;
}

} // namespace

bool HeuristicChunkParser::isPlayTitle(QStringView line) const
{
    const QString title = LineRecognizer::foldName(m_context->title());
    return !title.isEmpty() && LineRecognizer::foldName(line) == title;
}

QString HeuristicChunkParser::name() const
{
    return QStringLiteral("heuristic");
}

bool HeuristicChunkParser::prepare(const SourceLines &lines, const QString &metaTitle,
                                   ParsingContext &context, ParseError *error)
{
    const PlayProfile profile = PlayProfile::scan(lines, metaTitle);
    if (profile.acceptedLabels() == 0) {
        if (error) {
            error->permanent = true;
            error->message = ParseTr::english("no speeches found: this does not look like a play "
                                            "(no speaker labels such as \"HAMLET.\" or \"Nora:\")");
        }
        return false;
    }
    context.setProfile(profile);
    context.setTitle(profile.title());
    context.setPersonae(profile.personae());
    return true;
}

bool HeuristicChunkParser::parseChunk(const SourceLines &lines, int firstLine, int endLine,
                                      bool lastChunk, ParsingContext &context,
                                      PlaybookBuilder &builder, ChunkReport *, ParseError *error)
{
    m_context = &context;
    m_builder = &builder;
    for (int i = firstLine; i < endLine; ++i) {
        // A chunk of a million lines takes about a second: a stop is looked at every few
        // thousand, and leaves the context to ParseRun, which drops this chunk's work.
        if ((i - firstLine) % 4096 == 4095 && stopRequested()) {
            m_context = nullptr;
            m_builder = nullptr;
            if (error)
                *error = ParseError::stoppedMidChunk();
            return false;
        }
        m_line = i;
        readLine(lines.line(i), context.profile().isInPersonae(i));
    }
    if (lastChunk)
        finish();
    m_context = nullptr;
    m_builder = nullptr;
    return true;
}

void HeuristicChunkParser::readLine(QStringView line, bool personae)
{
    Reader &r = m_context->reader();
    const QStringView t = line.trimmed();
    if (t.isEmpty()) {
        if (r.pending != Reader::Pending::None)
            releasePending(true);
        r.labelDirectionOpen = false;
        endParagraph();
        if (r.blankRun < 1000)
            ++r.blankRun;
        return;
    }
    const int blanks = r.blankRun;
    r.blankRun = 0;
    if (personae) {
        // The character list is read in prepare(); its lines are not part of the action.
        if (r.pending != Reader::Pending::None)
            releasePending(true);
        flushSpeech();
        r.paragraph = Reader::Paragraph::Skipped;
        return;
    }
    if (r.pending == Reader::Pending::Label) {
        releasePending(false);
        readContent(t, indentOf(line), false, 0, true);
        return;
    }
    if (r.pending == Reader::Pending::Heading) {
        // Text right below: the held line was the first line of a paragraph, not a title.
        const QString held = r.pendingLine;
        const int heldBlanks = r.pendingBlanks;
        r.pending = Reader::Pending::None;
        r.pendingLine.clear();
        readHeld(held, r.pendingLineNo, heldBlanks);
        readContent(t, indentOf(line), false, 0, true);
        return;
    }
    readContent(t, indentOf(line), blanks > 0 || r.paragraph == Reader::Paragraph::None, blanks, true);
}

void HeuristicChunkParser::readContent(QStringView t, int indent, bool paragraphStart, int blanks,
                                       bool allowHeld)
{
    Reader &r = m_context->reader();
    const PlayProfile &profile = m_context->profile();

    if (r.labelDirectionOpen) {
        const qsizetype close = closingBracket(t);
        if (close < 0)
            return;
        r.labelDirectionOpen = false;
        QStringView rest = t.mid(close + 1).trimmed();
        while (rest.startsWith(u':') || rest.startsWith(u'.'))
            rest = rest.mid(1).trimmed();
        if (!rest.isEmpty())
            appendToSpeech(rest);
        return;
    }

    if (!paragraphStart && profile.labelsWithoutGaps()
        && (r.paragraph == Reader::Paragraph::Speech || r.paragraph == Reader::Paragraph::Direction)) {
        const LabelMatch m = LineRecognizer::matchLabel(t);
        if (m.isInline() && !m.directionOpen && profile.accepts(m)) {
            endParagraph();
            flushSpeech();
            startSpeech(m.name, m.rest, false, m_line);
            return;
        }
    }

    if (!paragraphStart) {
        switch (r.paragraph) {
        case Reader::Paragraph::Speech:
            if (profile.styles() & LabelMatch::AloneColon) {
                // `NAME:` in capitals is unmistakable even without a blank line before it
                // (songs and crowd scenes are often printed without one).
                const LabelMatch m = LineRecognizer::matchLabel(t);
                if (m.style == LabelMatch::AloneColon && !m.mixedCase && profile.accepts(m)) {
                    readContent(t, indent, true, 0, true);
                    return;
                }
            }
            if (m_context->speech().column && indent > 0) {
                const LabelMatch m = LineRecognizer::matchLabel(t);
                if (m.style == LabelMatch::InlineCaps && m.wideGap && profile.accepts(m)) {
                    flushSpeech();
                    startSpeech(m.name, m.rest, true, m_line);
                    return;
                }
            }
            appendToSpeech(t);
            return;
        case Reader::Paragraph::Direction:
            r.direction.append(u'\n');
            r.direction.append(t);
            r.directionLast = m_line;
            return;
        case Reader::Paragraph::None:
        case Reader::Paragraph::Skipped:
            return;
        }
        return;
    }

    if (LineRecognizer::isActHeading(t)) {
        flushSpeech();
        m_builder->startAct(t.toString());
        m_context->enterAct(t.toString());
        r.afterHeading = true;
        r.paragraph = Reader::Paragraph::None;
        return;
    }
    if (LineRecognizer::isSceneHeading(t)) {
        flushSpeech();
        m_builder->startScene(t.toString());
        m_context->enterScene(t.toString());
        r.afterHeading = true;
        r.paragraph = Reader::Paragraph::None;
        return;
    }

    LabelMatch m = LineRecognizer::matchLabel(t);
    bool accepted = m.style != LabelMatch::None && profile.accepts(m);
    // Before the first heading and the first speech is front matter (credits such as `Lessee
    // and Manager: Mr. George Alexander`, a list of scenes): only labels used again count there.
    const bool inPlay = (profile.genericHeadings() || !m_context->actTitle().isEmpty()
                         || !m_context->sceneTitle().isEmpty())
                        && (m_builder->speechCount() > 0 || m_context->speech().open);
    if (!accepted && inPlay && m.style != LabelMatch::None && profile.acceptsOnce(m))
        accepted = true;
    if (!accepted && m.inlineAlternative != LabelMatch::None) {
        m.style = m.inlineAlternative;
        m.directionOpen = false;
        accepted = profile.accepts(m);
    }
    if (accepted && m.isAlone() && allowHeld) {
        // Only the next line tells a speaker label (speech below) from a lone name or title.
        r.pending = Reader::Pending::Label;
        r.pendingLine = t.toString();
        r.pendingBlanks = blanks;
        r.pendingLineNo = m_line;
        r.pendingName = m.name;
        r.pendingDirection = m.direction;
        r.pendingDirectionOpen = m.directionOpen;
        return;
    }
    if (accepted && m.isInline()) {
        flushSpeech();
        startSpeech(m.name, m.rest, m.wideGap && indent > 0, m_line);
        return;
    }
    if (profile.genericHeadings() && isPlayTitle(t)) {
        // The title repeated above the first scene: what follows it directly may be a scene title.
        flushSpeech();
        r.afterHeading = true;
        r.paragraph = Reader::Paragraph::Skipped;
        return;
    }
    if (allowHeld && profile.genericHeadings() && LineRecognizer::isGenericHeadingShape(t)
        && (blanks >= 3 || (blanks >= 1 && r.afterHeading))) {
        // An unnumbered scene title stands alone after a wide gap; the next line must be blank.
        r.pending = Reader::Pending::Heading;
        r.pendingLine = t.toString();
        r.pendingLineNo = m_line;
        r.pendingBlanks = blanks;
        return;
    }

    r.afterHeading = false;
    const bool span = profile.speechesSpanParagraphs();
    if (LineRecognizer::isDirectionStart(t)) {
        if (!span)
            flushSpeech();
        startDirection(t);
        return;
    }
    if (span && m_context->speech().open) {
        appendToSpeech(t);
        r.paragraph = Reader::Paragraph::Speech;
        return;
    }
    // Unlabelled prose between speeches: a narrative stage direction.
    flushSpeech();
    startDirection(t);
}

void HeuristicChunkParser::startDirection(QStringView text)
{
    Reader &r = m_context->reader();
    r.paragraph = Reader::Paragraph::Direction;
    r.direction = text.toString();
    r.directionFirst = m_line;
    r.directionLast = m_line;
}

void HeuristicChunkParser::readHeld(const QString &held, int lineNo, int blanks)
{
    const int current = m_line;
    if (lineNo >= 0)
        m_line = lineNo;
    readContent(held, 0, true, blanks, false);
    m_line = current;
}

void HeuristicChunkParser::releasePending(bool nextIsBlank)
{
    Reader &r = m_context->reader();
    const Reader::Pending pending = r.pending;
    const QString held = r.pendingLine;
    const int heldLine = r.pendingLineNo;
    r.pending = Reader::Pending::None;
    r.pendingLine.clear();
    r.pendingLineNo = -1;

    if (pending == Reader::Pending::Label) {
        if (nextIsBlank) {
            // A capitalised line on its own (a title, "CURTAIN", a list of names): plain text.
            readHeld(held, heldLine, r.pendingBlanks);
        } else {
            flushSpeech();
            startSpeech(r.pendingName, QString(), false, heldLine >= 0 ? heldLine : m_line);
            r.labelDirectionOpen = r.pendingDirectionOpen;
        }
    } else if (pending == Reader::Pending::Heading && nextIsBlank) {
        flushSpeech();
        m_builder->startScene(held);
        m_context->enterScene(held);
        r.afterHeading = false;
        r.paragraph = Reader::Paragraph::None;
    }
    r.pendingName.clear();
    r.pendingDirection.clear();
    r.pendingDirectionOpen = false;
    r.pendingBlanks = 0;
}

void HeuristicChunkParser::startSpeech(const QString &speaker, const QString &text, bool column,
                                       int firstLine)
{
    ParsingContext::OpenSpeech &s = m_context->speech();
    s.open = true;
    s.speaker = speaker;
    s.text = text;
    s.column = column;
    s.firstLine = firstLine;
    s.lastLine = m_line;
    m_context->registerSpeaker(speaker);
    Reader &r = m_context->reader();
    r.paragraph = Reader::Paragraph::Speech;
    r.afterHeading = false;
}

void HeuristicChunkParser::appendToSpeech(QStringView text)
{
    ParsingContext::OpenSpeech &s = m_context->speech();
    if (!s.text.isEmpty())
        s.text.append(u'\n');
    s.text.append(text);
    s.lastLine = m_line;
}

void HeuristicChunkParser::flushSpeech()
{
    ParsingContext::OpenSpeech &s = m_context->speech();
    if (!s.open)
        return;
    m_builder->addSpeech(s.speaker, s.text, {s.firstLine, s.lastLine});
    s = ParsingContext::OpenSpeech();
}

void HeuristicChunkParser::endParagraph()
{
    Reader &r = m_context->reader();
    if (r.paragraph == Reader::Paragraph::Direction) {
        m_builder->addDirection(r.direction, {r.directionFirst, r.directionLast});
        r.direction.clear();
        r.directionFirst = r.directionLast = -1;
    } else if (r.paragraph == Reader::Paragraph::Speech && !m_context->profile().speechesSpanParagraphs()) {
        flushSpeech();
    }
    r.paragraph = Reader::Paragraph::None;
}

void HeuristicChunkParser::finish()
{
    Reader &r = m_context->reader();
    if (r.pending != Reader::Pending::None)
        releasePending(true);
    r.labelDirectionOpen = false;
    endParagraph();
    flushSpeech();
}

} // namespace Engine

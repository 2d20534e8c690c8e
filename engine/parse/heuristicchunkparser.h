#pragma once

#include "engine/parse/chunkparser.h"
#include "engine/parse/parsingcontext.h"

#include <QStringView>

namespace Engine {

struct LabelMatch;

/// The built-in, deterministic parser: reads the play line by line as a small state machine whose
/// whole state lives in the ParsingContext, using the layout decisions of the PlayProfile made
/// once in prepare().
class HeuristicChunkParser final : public ChunkParser
{
public:
    QString name() const override;
    bool prepare(const SourceLines &lines, const QString &metaTitle, ParsingContext &context,
                 ParseError *error) override;
    bool parseChunk(const SourceLines &lines, int firstLine, int endLine, bool lastChunk,
                    ParsingContext &context, PlaybookBuilder &builder, ChunkReport *report,
                    ParseError *error) override;

private:
    using Reader = ParsingContext::ReaderState;

    void readLine(QStringView line, bool personae);
    void readContent(QStringView text, int indent, bool paragraphStart, int blanks, bool allowHeld);
    /// A held line read again once the next line decided what it is: it stays at its own line.
    void readHeld(const QString &held, int lineNo, int blanks);
    void startDirection(QStringView text);
    void releasePending(bool nextIsBlank);
    void startSpeech(const QString &speaker, const QString &text, bool column, int firstLine);
    void appendToSpeech(QStringView text);
    void flushSpeech();
    void endParagraph();
    void finish();
    bool isPlayTitle(QStringView line) const;

    // valid during parseChunk() only
    ParsingContext *m_context = nullptr;
    PlaybookBuilder *m_builder = nullptr;
    int m_line = -1; ///< the line being read (0-based), for source line ranges
};

} // namespace Engine

#pragma once

#include <QList>

namespace Engine {

class SourceLines;

/// Splits a play into chunks of about chunkSize lines.
///
/// A chunk ends just after a blank line at or beyond chunkSize lines, i.e. between paragraphs,
/// never inside one; if no blank line comes within another chunkSize lines (verse without gaps,
/// junk) the chunk is cut at 2 * chunkSize so chunk work stays bounded. Correctness does not rest
/// on the cut: the parsing context carries an unfinished speech into the next chunk.
class Chunker final
{
public:
    /// First line of every chunk, ascending; the number of chunks is its size (0 for no lines).
    static QList<int> chunkStarts(const SourceLines &lines, int chunkSize);
};

} // namespace Engine

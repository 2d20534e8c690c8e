#pragma once

#include <QString>

namespace Engine {

/// Turns a raw play file into the text the parsers read: no BOM, LF line ends only, and the
/// Project Gutenberg licence header and footer cut away (they contain headings, capitalised
/// lines and "Title:" metadata that would otherwise look like parts of the play).
class TextNormalizer final
{
public:
    struct Result
    {
        QString text;      ///< the body, LF line ends
        QString metaTitle; ///< the "Title:" line of a Project Gutenberg header, if any
        int firstLine = 0; ///< lines of the raw text cut in front of the body (a header)
    };

    static Result normalize(const QString &raw);

    /// True for the line that ends a Gutenberg header (`*** START OF ...`, old "small print").
    static bool isHeaderEnd(QStringView line);
    /// True for the line that starts a Gutenberg footer (`*** END OF ...`, `End of Project ...`).
    static bool isFooterStart(QStringView line);
};

} // namespace Engine

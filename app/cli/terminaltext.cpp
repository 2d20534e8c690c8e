#include "app/cli/terminaltext.h"

#include <algorithm>

namespace Cli {

namespace {

bool needsEscape(char16_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e)
           || (c >= 0x2066 && c <= 0x2069);
}

} // namespace

QString terminalSafe(const QString &text)
{
    if (std::none_of(text.cbegin(), text.cend(), [](QChar c) { return needsEscape(c.unicode()); }))
        return text;
    QString safe;
    safe.reserve(text.size() + 8);
    for (const QChar c : text) {
        const char16_t code = c.unicode();
        if (!needsEscape(code))
            safe += c;
        else if (code == u'\n')
            safe += QLatin1String("\\n");
        else if (code == u'\t')
            safe += QLatin1String("\\t");
        else if (code == u'\r')
            safe += QLatin1String("\\r");
        else if (code < 0x100)
            safe += QStringLiteral("\\x%1").arg(int(code), 2, 16, QLatin1Char('0'));
        else
            safe += QStringLiteral("\\u%1").arg(int(code), 4, 16, QLatin1Char('0'));
    }
    return safe;
}

} // namespace Cli

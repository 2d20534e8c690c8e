#include "engine/parse/sourcelines.h"

namespace Engine {

SourceLines::SourceLines(QString text)
    : m_text(std::move(text))
{
    if (m_text.isEmpty())
        return;
    m_starts.append(0);
    const QChar *data = m_text.constData();
    const qsizetype size = m_text.size();
    for (qsizetype i = 0; i < size; ++i) {
        if (data[i] == u'\n' && i + 1 < size)
            m_starts.append(i + 1);
    }
}

QStringView SourceLines::line(int i) const
{
    const qsizetype begin = m_starts.at(i);
    qsizetype end = (i + 1 < m_starts.size()) ? m_starts.at(i + 1) - 1 : m_text.size();
    if (end > begin && m_text.at(end - 1) == u'\n')
        --end;
    while (end > begin && m_text.at(end - 1).isSpace())
        --end;
    return QStringView(m_text).mid(begin, end - begin);
}

} // namespace Engine

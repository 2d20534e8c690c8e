#pragma once

#include <QList>
#include <QString>
#include <QStringView>

namespace Engine {

/// The normalised text of a play and the start of every line in it.
///
/// Lines are views into one string rather than a QStringList, so a 50 MB text costs one copy of
/// the text plus one offset per line instead of a heap string per line.
class SourceLines final
{
public:
    SourceLines() = default;
    explicit SourceLines(QString text);

    int count() const { return int(m_starts.size()); }
    /// Line i without its line feed (and without trailing whitespace).
    QStringView line(int i) const;
    const QString &text() const { return m_text; }

private:
    QString m_text;
    QList<qsizetype> m_starts;
};

} // namespace Engine

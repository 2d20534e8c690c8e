#pragma once

#include <QList>
#include <QStringList>

class QTextStream;

namespace Cli {

/// An aligned plain-text table for human output: columns as wide as their widest cell,
/// numbers right-aligned, no trailing spaces.
class TableWriter final
{
public:
    explicit TableWriter(const QStringList &header);

    void setRightAligned(int column, bool right = true);
    void addRow(const QStringList &cells);
    bool isEmpty() const { return m_rows.isEmpty(); }
    void write(QTextStream &out) const;

private:
    QStringList m_header;
    QList<bool> m_right;
    QList<QStringList> m_rows;
};

} // namespace Cli

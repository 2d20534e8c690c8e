#include "app/cli/tablewriter.h"

#include "app/cli/terminaltext.h"

#include <QTextStream>

namespace Cli {

TableWriter::TableWriter(const QStringList &header)
    : m_header(header)
    , m_right(header.size(), false)
{}

void TableWriter::setRightAligned(int column, bool right)
{
    if (column >= 0 && column < m_right.size())
        m_right[column] = right;
}

void TableWriter::addRow(const QStringList &cells)
{
    // Cells come from the database (file names, errors): escaped here, once, for every table.
    QStringList safe;
    safe.reserve(cells.size());
    for (const QString &cell : cells)
        safe << terminalSafe(cell);
    m_rows << safe;
}

void TableWriter::write(QTextStream &out) const
{
    QList<qsizetype> widths(m_header.size(), 0);
    auto measure = [&](const QStringList &row) {
        for (qsizetype i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = qMax(widths[i], row.at(i).size());
    };
    measure(m_header);
    for (const QStringList &row : m_rows)
        measure(row);
    auto line = [&](const QStringList &row) {
        QString text;
        for (qsizetype i = 0; i < widths.size(); ++i) {
            const QString cell = i < row.size() ? row.at(i) : QString();
            if (i > 0)
                text += QStringLiteral("  ");
            text += m_right.at(i) ? cell.rightJustified(widths.at(i))
                                  : cell.leftJustified(widths.at(i));
        }
        // Trailing blanks only make diffs and copy-paste worse.
        while (text.endsWith(QLatin1Char(' ')))
            text.chop(1);
        out << text << '\n';
    };
    line(m_header);
    for (const QStringList &row : m_rows)
        line(row);
}

} // namespace Cli

#pragma once

#include <QStyledItemDelegate>

/// Draws the progress column as the style's progress bar with "42% · 3/10" on it
/// (qBittorrent's ProgressBarPainter). Reads only index data, never the database.
class ProgressBarDelegate final : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

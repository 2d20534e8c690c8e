#pragma once

#include <QStyledItemDelegate>

/// Draws the status cell as usual and, for a play that needs review
/// (JobTableModel::NeedsReviewRole), a small "Needs review" badge at its right end. Reads only
/// index data.
class ReviewBadgeDelegate final : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    /// The badge's text, translated.
    static QString badgeText();

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

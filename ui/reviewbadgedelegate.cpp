#include "ui/reviewbadgedelegate.h"

#include "models/jobtablemodel.h"

#include <QPainter>

namespace {

constexpr int Padding = 4;

QRect badgeRect(const QStyleOptionViewItem &option, const QString &text)
{
    const QFontMetrics metrics(option.font);
    const int width = metrics.horizontalAdvance(text) + 2 * Padding;
    const int height = qMin(option.rect.height() - 2, metrics.height() + 2);
    return QRect(option.rect.right() - width - Padding,
                 option.rect.top() + (option.rect.height() - height) / 2, width, height);
}

} // namespace

QString ReviewBadgeDelegate::badgeText()
{
    return tr("Needs review");
}

void ReviewBadgeDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                const QModelIndex &index) const
{
    if (!index.data(JobTableModel::NeedsReviewRole).toBool()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    const QString text = badgeText();
    const QRect badge = badgeRect(option, text);
    // The status text keeps the room left of the badge (elided there if the column is narrow).
    QStyleOptionViewItem rest = option;
    rest.rect.setRight(badge.left() - Padding);
    QStyledItemDelegate::paint(painter, option.rect.width() > badge.width() * 2 ? rest : option, index);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(QColor(0xef, 0x6c, 0x00)); // amber: look at it, nothing has failed
    painter->drawRoundedRect(badge, badge.height() / 2.0, badge.height() / 2.0);
    painter->setPen(Qt::white);
    painter->setFont(option.font);
    painter->drawText(badge, Qt::AlignCenter, text);
    painter->restore();
}

QSize ReviewBadgeDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    if (index.data(JobTableModel::NeedsReviewRole).toBool())
        size.rwidth() += QFontMetrics(option.font).horizontalAdvance(badgeText()) + 4 * Padding;
    return size;
}

#include "ui/progressbardelegate.h"

#include "engine/jobstatus.h"
#include "models/jobpresentation.h"
#include "models/jobtablemodel.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

void ProgressBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                const QModelIndex &index) const
{
    // The selection/hover background first, so the bar sits on the row like any other cell.
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

    const double progress = index.data(JobTableModel::ProgressRole).toDouble();
    const auto status = Engine::JobStatus(index.data(JobTableModel::StatusRole).toInt());
    const QString chunks = index.data(JobTableModel::ChunksTextRole).toString();

    QStyleOptionProgressBar bar;
    bar.initFrom(widget ? widget : static_cast<QWidget *>(nullptr));
    bar.state = option.state | QStyle::State_Horizontal;
    bar.direction = option.direction;
    bar.fontMetrics = option.fontMetrics;
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = qBound(0, int(progress * 10), 1000);
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    QString text = index.data(Qt::DisplayRole).toString();
    if (!chunks.isEmpty())
        text += QStringLiteral(" · ") + chunks;
    bar.text = text;
    // The chunk colour tells the state at a glance, as the status icon does.
    if (status != Engine::JobStatus::Running) {
        QColor chunk = JobPresentation::statusColor(status);
        bar.palette.setColor(QPalette::Highlight, chunk);
    }
    if (!(option.state & QStyle::State_Enabled))
        bar.state &= ~QStyle::State_Enabled;
    painter->save();
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
    painter->restore();
}

QSize ProgressBarDelegate::sizeHint(const QStyleOptionViewItem &option,
                                    const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(qMax(size.width(), option.fontMetrics.horizontalAdvance(QStringLiteral("100% · 99 / 99 chunks")) + 16));
    return size;
}

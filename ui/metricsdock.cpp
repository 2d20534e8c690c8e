#include "ui/metricsdock.h"

#include "engine/joberrors.h"
#include "models/jobpresentation.h"
#include "session/session.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QSplitter>
#include <QTreeWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <exception>

using Engine::JobStatus;

namespace {

constexpr int kDepthSamples = 120;

QString duration(double seconds)
{
    if (seconds < 60)
        return MetricsDock::tr("%1 s").arg(seconds, 0, 'f', seconds < 10 ? 1 : 0);
    if (seconds < 3600)
        return MetricsDock::tr("%1 min %2 s").arg(int(seconds) / 60).arg(int(seconds) % 60);
    return MetricsDock::tr("%1 h %2 min").arg(int(seconds) / 3600).arg(int(seconds) % 3600 / 60);
}

QString durations(const Engine::DurationFigures &figures)
{
    if (figures.count == 0)
        return QStringLiteral("—");
    return MetricsDock::tr("%1 / %2 / %3")
        .arg(duration(figures.p50Ms / 1000), duration(figures.p95Ms / 1000),
             duration(figures.maxMs / 1000));
}

QString reasonText(Engine::StuckJob::Reason reason)
{
    switch (reason) {
    case Engine::StuckJob::Reason::LockExpired: return MetricsDock::tr("Lock expired");
    case Engine::StuckJob::Reason::ManyRetries: return MetricsDock::tr("Many retries");
    case Engine::StuckJob::Reason::PausedLong: return MetricsDock::tr("Paused for long");
    }
    return {};
}

} // namespace

MetricsDock::MetricsDock(Session *session, QWidget *parent)
    : QDockWidget(tr("Queue Metrics"), parent)
    , m_session(session)
    , m_startMs(QDateTime::currentMSecsSinceEpoch())
{
    setObjectName(QStringLiteral("dock.metrics"));

    auto *figures = new QWidget;
    auto *form = new QFormLayout(figures);
    form->setContentsMargins(6, 6, 6, 6);
    for (JobStatus status : Engine::allJobStatuses()) {
        addFigure(form, QStringLiteral("depth.") + Engine::statusName(status),
                  tr("%1:").arg(JobPresentation::statusText(status)));
    }
    addFigure(form, QStringLiteral("ready"), tr("Ready / scheduled:"));
    addFigure(form, QStringLiteral("oldest"), tr("Oldest queued:"));
    addFigure(form, QStringLiteral("throughput"), tr("Completed / failed per min:"));
    addFigure(form, QStringLiteral("rate.failure"), tr("Failure rate:"));
    addFigure(form, QStringLiteral("rate.retry"), tr("Retry rate:"));
    addFigure(form, QStringLiteral("wait"), tr("Wait p50 / p95 / max:"));
    addFigure(form, QStringLiteral("run"), tr("Run p50 / p95 / max:"));
    addFigure(form, QStringLiteral("takenAt"), tr("Updated:"));

    m_chart = new QChart;
    m_chart->setTitle(tr("Last hour"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(2, 2, 2, 2));
    m_perMinute = new QLineSeries;
    m_perMinute->setName(tr("Completed per minute"));
    m_depth = new QLineSeries;
    m_depth->setName(tr("Queue depth"));
    m_chart->addSeries(m_perMinute);
    m_chart->addSeries(m_depth);
    m_xAxis = new QValueAxis;
    m_xAxis->setRange(-60, 0);
    m_xAxis->setLabelFormat(QStringLiteral("%d"));
    m_xAxis->setTitleText(tr("Minutes"));
    m_yAxis = new QValueAxis;
    m_yAxis->setRange(0, 1);
    m_yAxis->setLabelFormat(QStringLiteral("%d"));
    m_chart->addAxis(m_xAxis, Qt::AlignBottom);
    m_chart->addAxis(m_yAxis, Qt::AlignLeft);
    for (QLineSeries *series : {m_perMinute, m_depth}) {
        series->attachAxis(m_xAxis);
        series->attachAxis(m_yAxis);
    }
    auto *chartView = new QChartView(m_chart);
    chartView->setObjectName(QStringLiteral("metricsChart"));
    chartView->setRenderHint(QPainter::Antialiasing);
    chartView->setMinimumHeight(180);

    m_stuck = new QTreeWidget;
    m_stuck->setObjectName(QStringLiteral("stuckJobs"));
    m_stuck->setRootIsDecorated(false);
    m_stuck->setHeaderLabels({tr("Stuck job"), tr("Reason")});
    m_stuck->header()->setStretchLastSection(true);
    connect(m_stuck, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem *item) {
        emit jobActivated(item->data(0, Qt::UserRole).toString());
    });

    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(figures);
    splitter->addWidget(chartView);
    splitter->addWidget(m_stuck);
    splitter->setStretchFactor(1, 1);
    setWidget(splitter);

    m_timer.setInterval(5000);
    // Only a visible dock spends queries on the database.
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    connect(this, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (visible)
            refresh();
    });
    m_timer.start();
}

MetricsDock::~MetricsDock()
{
    m_timer.stop();
}

void MetricsDock::setInterval(int ms)
{
    m_timer.setInterval(ms);
}

void MetricsDock::refresh()
{
    if (m_reading)
        return;
    m_reading = true;
    m_session->readMetrics(this, [this](const SessionReply<Engine::QueueSnapshot> &reply) {
        m_reading = false;
        Result result;
        if (reply.ok())
            result.snapshot = reply.value;
        else
            result.error = reply.error;
        apply(result);
    });
}

QLabel *MetricsDock::addFigure(QFormLayout *form, const QString &key, const QString &text)
{
    auto *label = new QLabel(QStringLiteral("—"));
    label->setObjectName(QStringLiteral("metric.") + key);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(text, label);
    m_labels.insert(key, label);
    return label;
}

void MetricsDock::apply(const Result &result)
{
    if (!result.snapshot) {
        emit errorOccurred(tr("Metrics: %1").arg(result.error));
        return;
    }
    const Engine::QueueSnapshot &s = *result.snapshot;
    const QLocale locale;
    for (JobStatus status : Engine::allJobStatuses()) {
        QLabel *label = m_labels.value(QStringLiteral("depth.") + Engine::statusName(status));
        label->setText(locale.toString(s.counts.value(status)));
    }
    m_labels.value(QStringLiteral("ready"))
        ->setText(tr("%1 / %2").arg(locale.toString(s.readyNow), locale.toString(s.waitingForRunAfter)));
    m_labels.value(QStringLiteral("oldest"))
        ->setText(s.oldestQueuedAgeSeconds ? duration(*s.oldestQueuedAgeSeconds) : QStringLiteral("—"));
    m_labels.value(QStringLiteral("throughput"))
        ->setText(tr("%1 / %2").arg(s.completedLastHour / 60.0, 0, 'f', 1)
                      .arg(s.failedLastHour / 60.0, 0, 'f', 1));
    m_labels.value(QStringLiteral("rate.failure"))
        ->setText(locale.toString(s.failureRate() * 100, 'f', 1) + QStringLiteral(" %"));
    m_labels.value(QStringLiteral("rate.retry"))
        ->setText(locale.toString(s.retryRate() * 100, 'f', 1) + QStringLiteral(" %"));
    m_labels.value(QStringLiteral("wait"))->setText(durations(s.wait));
    m_labels.value(QStringLiteral("run"))->setText(durations(s.run));
    m_labels.value(QStringLiteral("takenAt"))
        ->setText(locale.toString(s.takenAt.toLocalTime().time(), QLocale::ShortFormat));

    // Completed per minute: x = minutes before the snapshot.
    QList<QPointF> perMinute;
    double maxY = 1;
    for (const Engine::MinuteFigures &minute : s.perMinute) {
        QDateTime at = QDateTime::fromString(minute.minute, QStringLiteral("yyyy-MM-ddTHH:mm"));
        at.setTimeSpec(Qt::UTC);
        const double x = at.secsTo(s.takenAt) / -60.0;
        if (x < -60)
            continue;
        perMinute << QPointF(x, double(minute.completed));
        maxY = qMax(maxY, double(minute.completed));
    }
    m_perMinute->replace(perMinute);

    // Queue depth sampled at each refresh since the dock opened.
    const qint64 depth = s.counts.value(JobStatus::Queued) + s.counts.value(JobStatus::Retrying);
    const double now = (QDateTime::currentMSecsSinceEpoch() - m_startMs) / 60000.0;
    m_depthSamples << QPointF(now, double(depth));
    if (m_depthSamples.size() > kDepthSamples)
        m_depthSamples = m_depthSamples.mid(m_depthSamples.size() - kDepthSamples);
    // Samples are kept in minutes since the dock opened; drawn against the same -60..0 axis.
    QList<QPointF> relative;
    for (const QPointF &p : std::as_const(m_depthSamples)) {
        relative << QPointF(p.x() - now, p.y());
        maxY = qMax(maxY, p.y());
    }
    m_depth->replace(relative);
    m_yAxis->setRange(0, maxY * 1.1);

    m_stuck->clear();
    for (const Engine::StuckJob &job : s.stuck) {
        auto *item = new QTreeWidgetItem(
            m_stuck, {job.filename.isEmpty() ? job.id : job.filename,
                      reasonText(job.reason) + QStringLiteral(": ") + job.description});
        item->setData(0, Qt::UserRole, job.id);
        item->setToolTip(0, job.id);
    }
    emit snapshotApplied();
}

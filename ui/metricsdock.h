#pragma once

#include "engine/databaseurl.h"
#include "engine/queuemetrics.h"

#include <QDockWidget>
#include <QFutureWatcher>
#include <QHash>
#include <QPointF>
#include <QTimer>

#include <optional>

class QLabel;
class QTreeWidget;
class QChart;
class QLineSeries;
class QValueAxis;
class QDateTimeAxis;
class Session;

/// The queue's figures (Engine::QueueMetrics) and two charts, refreshed every few seconds off
/// the GUI thread on a connection of its own; stuck jobs listed, double-click selects the job.
class MetricsDock final : public QDockWidget
{
    Q_OBJECT

public:
    /// The outcome of one snapshot, read by the session on a connection of its own.
    struct Result
    {
        std::optional<Engine::QueueSnapshot> snapshot;
        QString error;
    };

    explicit MetricsDock(Session *session, QWidget *parent = nullptr);
    ~MetricsDock() override;

    void setInterval(int ms);
    /// Starts a snapshot unless one is running.
    void refresh();
    /// The label showing one figure ("depth.queued", "rate.failure", …), for tests.
    QLabel *figureLabel(const QString &key) const { return m_labels.value(key); }
    QTreeWidget *stuckList() const { return m_stuck; }

signals:
    void jobActivated(const QString &jobId);
    void snapshotApplied();
    void errorOccurred(const QString &message);

private:
    void apply(const Result &result);
    QLabel *addFigure(class QFormLayout *form, const QString &key, const QString &text);

    Session *m_session;
    bool m_reading = false;
    QTimer m_timer;
    QHash<QString, QLabel *> m_labels;
    QTreeWidget *m_stuck = nullptr;
    QLineSeries *m_perMinute = nullptr;
    QLineSeries *m_depth = nullptr;
    QChart *m_chart = nullptr;
    QValueAxis *m_yAxis = nullptr;
    QValueAxis *m_xAxis = nullptr;
    QList<QPointF> m_depthSamples;
    qint64 m_startMs = 0;
};

#include "ui/workerspanel.h"

#include "models/jobpresentation.h"
#include "models/jobtablemodel.h"

#ifdef CALLBOARD_HAVE_WORKERPOOL
#include "engine/workerpool.h"
#endif

#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

WorkersPanel::WorkersPanel(JobTableModel *model, Engine::WorkerPool *pool, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_pool(pool)
{
    m_count = new QSpinBox;
    m_count->setObjectName(QStringLiteral("workerCount"));
    m_count->setRange(0, 64);
    m_count->setSpecialValueText(tr("0 (monitor only)"));
    m_count->setToolTip(tr("Worker threads this window runs; 0 only watches the queue"));
    m_list = new QTreeWidget;
    m_list->setObjectName(QStringLiteral("workerList"));
    m_list->setHeaderLabels({tr("Worker"), tr("Job"), tr("Since")});
    m_list->setRootIsDecorated(true);
    m_list->setUniformRowHeights(true);
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_list->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_list->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);

    auto *form = new QFormLayout;
    form->addRow(tr("Workers here:"), m_count);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    layout->addWidget(m_list);

#ifdef CALLBOARD_HAVE_WORKERPOOL
    if (m_pool) {
        m_count->setValue(m_pool->workerCount());
        connect(m_pool, &Engine::WorkerPool::workersChanged, this, &WorkersPanel::refresh);
    }
#endif
    if (!m_pool) {
        m_count->setValue(0);
        m_count->setEnabled(false);
        m_count->setToolTip(tr("This window only watches the queue: it runs no workers"));
    }
    connect(m_count, &QSpinBox::valueChanged, this, [this](int count) {
#ifdef CALLBOARD_HAVE_WORKERPOOL
        if (m_pool)
            m_pool->setWorkerCount(count);
#endif
        emit workerCountChanged(count);
        refresh();
    });
    // Progress from many workers arrives ten times a second: redraw the list at most twice.
    m_throttle.setSingleShot(true);
    m_throttle.setInterval(500);
    connect(&m_throttle, &QTimer::timeout, this, &WorkersPanel::refresh);
    auto later = [this] {
        if (!m_throttle.isActive())
            m_throttle.start();
    };
    connect(m_model, &JobTableModel::countsChanged, this, later);
    connect(m_model, &JobTableModel::jobsUpdated, this, later);
    m_timer.setInterval(2000);
    connect(&m_timer, &QTimer::timeout, this, &WorkersPanel::refresh);
    m_timer.start();
    refresh();
}

void WorkersPanel::refresh()
{
    const QIcon running = JobPresentation::statusIcon(Engine::JobStatus::Running);
    const QIcon idle = JobPresentation::statusIcon(Engine::JobStatus::Queued);
    QString prefix;
    QList<QTreeWidgetItem *> own;
#ifdef CALLBOARD_HAVE_WORKERPOOL
    if (m_pool) {
        // The pool starts after the window is built (once the database is open): the count
        // shown follows what the pool runs, without echoing back as a change of the user's.
        if (m_pool->isRunning() && m_count->value() != m_pool->workerCount()) {
            const QSignalBlocker blocker(m_count);
            m_count->setValue(m_pool->workerCount());
        }
        prefix = m_pool->workerIdPrefix();
        for (const Engine::WorkerInfo &worker : m_pool->workers()) {
            auto *item = new QTreeWidgetItem(
                {worker.id, worker.jobId.isEmpty() ? tr("idle") : worker.filename,
                 worker.since.isValid()
                     ? QLocale().toString(worker.since.toLocalTime().time(), QLocale::ShortFormat)
                     : QString()});
            item->setIcon(0, worker.jobId.isEmpty() ? idle : running);
            item->setToolTip(1, worker.jobId);
            own << item;
        }
    }
#endif
    // Other processes' workers: whoever holds a running job and is not one of ours.
    QMap<QString, QTreeWidgetItem *> others;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const JobRow &job = m_model->jobRow(row);
        if (job.status != Engine::JobStatus::Running || job.workerId.isEmpty())
            continue;
        if (!prefix.isEmpty() && job.workerId.startsWith(prefix))
            continue;
        if (others.contains(job.workerId))
            continue;
        auto *item = new QTreeWidgetItem(
            {job.workerId, job.filename,
             job.lockedAt.isValid()
                 ? QLocale().toString(job.lockedAt.toLocalTime().time(), QLocale::ShortFormat)
                 : QString()});
        item->setIcon(0, running);
        item->setToolTip(1, job.id);
        others.insert(job.workerId, item);
    }

    m_list->setUpdatesEnabled(false);
    m_list->clear();
    auto *ownRoot = new QTreeWidgetItem({tr("This window (%1)").arg(own.size())});
    ownRoot->addChildren(own);
    auto *otherRoot = new QTreeWidgetItem({tr("Other processes (%1)").arg(others.size())});
    otherRoot->addChildren(others.values());
    QFont bold = ownRoot->font(0);
    bold.setBold(true);
    ownRoot->setFont(0, bold);
    otherRoot->setFont(0, bold);
    m_list->addTopLevelItem(ownRoot);
    m_list->addTopLevelItem(otherRoot);
    ownRoot->setFirstColumnSpanned(true);
    otherRoot->setFirstColumnSpanned(true);
    m_list->expandAll();
    m_list->setUpdatesEnabled(true);
}

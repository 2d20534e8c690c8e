#include "ui/workerspanel.h"

#include "models/jobpresentation.h"
#include "models/jobtablemodel.h"
#include "session/session.h"

#ifdef CALLBOARD_HAVE_WORKERPOOL
#include "engine/workerpool.h"
#endif

#include <QCoreApplication>
#include <QFormLayout>
#include <QHeaderView>
#include <QLocale>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace {

QString localTime(const QDateTime &utc, QLocale::FormatType format = QLocale::ShortFormat)
{
    return utc.isValid() ? QLocale().toString(utc.toLocalTime(), format) : QString();
}

QString clockTime(const QDateTime &utc)
{
    return utc.isValid() ? QLocale().toString(utc.toLocalTime().time(), QLocale::LongFormat)
                         : QString();
}

} // namespace

WorkersPanel::WorkersPanel(Session *session, JobTableModel *model, Engine::WorkerPool *pool,
                           QWidget *parent)
    : QWidget(parent)
    , m_session(session)
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
    m_list->setColumnCount(ColumnCount);
    m_list->setHeaderLabels({tr("Worker"), tr("State"), tr("Jobs"), tr("Host"), tr("PID"),
                             tr("Version"), tr("Started"), tr("Last heartbeat")});
    m_list->setRootIsDecorated(true);
    m_list->setUniformRowHeights(true);
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_list->header()->setSectionResizeMode(JobsColumn, QHeaderView::Stretch);

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
    // Heartbeats come every minute by default: a read every two seconds shows a new or a lost
    // worker soon enough, for one short statement.
    m_timer.setInterval(2000);
    connect(&m_timer, &QTimer::timeout, this, &WorkersPanel::readWorkers);
    m_timer.start();
    refresh();
    readWorkers();
}

void WorkersPanel::readWorkers()
{
    if (m_reading || !m_session || !m_session->isOpen())
        return;
    m_reading = true;
    m_session->readWorkers(this, [this](const SessionReply<QList<Engine::WorkerRecord>> &reply) {
        m_reading = false;
        // A failed read keeps the last list: the banner tells about the connection.
        if (reply.ok())
            m_records = reply.value;
        refresh();
        emit workersRead();
    });
}

QString WorkersPanel::stateText(Engine::WorkerRecord::State state) const
{
    switch (state) {
    case Engine::WorkerRecord::State::Active: return tr("active");
    case Engine::WorkerRecord::State::Idle: return tr("idle");
    case Engine::WorkerRecord::State::Lost: return tr("lost");
    }
    return {};
}

QTreeWidgetItem *WorkersPanel::poolItem(const Engine::WorkerRecord &record, bool own) const
{
    auto *item = new QTreeWidgetItem;
    item->setText(WorkerColumn, own ? tr("%1 (this window)").arg(record.id) : record.id);
    item->setText(StateColumn, stateText(record.state));
    item->setText(JobsColumn, tr("%1 held, %n worker(s)", nullptr, record.slotCount)
                                  .arg(record.jobIds.size()));
    item->setText(HostColumn, record.host);
    item->setText(PidColumn, QString::number(record.pid));
    item->setText(VersionColumn, record.version);
    item->setText(StartedColumn, localTime(record.startedAt));
    item->setText(HeartbeatColumn, clockTime(record.lastHeartbeatAt));
    item->setData(WorkerColumn, Qt::UserRole, record.id);
    item->setData(StateColumn, Qt::UserRole, int(record.state));
    const Engine::JobStatus look = record.state == Engine::WorkerRecord::State::Lost
                                       ? Engine::JobStatus::Failed
                                   : record.state == Engine::WorkerRecord::State::Active
                                       ? Engine::JobStatus::Running
                                       : Engine::JobStatus::Queued;
    item->setIcon(StateColumn, JobPresentation::statusIcon(look));
    if (record.lastHeartbeatAt.isValid())
        item->setToolTip(HeartbeatColumn,
                         tr("Its locks last %n second(s) without a heartbeat; a heartbeat every "
                            "%1 s", nullptr, int(record.lockSeconds))
                             .arg(record.heartbeatSeconds));
    if (record.state == Engine::WorkerRecord::State::Lost)
        item->setToolTip(StateColumn, tr("No heartbeat within its lock duration: the process "
                                         "is gone or cut off, and its jobs return to the queue"));
    QFont bold = item->font(WorkerColumn);
    bold.setBold(own);
    item->setFont(WorkerColumn, bold);
    return item;
}

void WorkersPanel::refresh()
{
    const QIcon running = JobPresentation::statusIcon(Engine::JobStatus::Running);
    const QIcon idle = JobPresentation::statusIcon(Engine::JobStatus::Queued);
    QString ownId;
    QList<QTreeWidgetItem *> ownSlots;
    bool poolRunning = false;
#ifdef CALLBOARD_HAVE_WORKERPOOL
    if (m_pool) {
        // The pool starts after the window is built (once the database is open): the count
        // shown follows what the pool runs, without echoing back as a change of the user's.
        if (m_pool->isRunning() && m_count->value() != m_pool->workerCount()) {
            const QSignalBlocker blocker(m_count);
            m_count->setValue(m_pool->workerCount());
        }
        poolRunning = m_pool->isRunning();
        ownId = m_pool->workerIdPrefix();
        for (const Engine::WorkerInfo &worker : m_pool->workers()) {
            auto *item = new QTreeWidgetItem;
            item->setText(WorkerColumn, worker.id);
            item->setText(StateColumn, worker.jobId.isEmpty() ? tr("idle") : tr("running"));
            item->setIcon(StateColumn, worker.jobId.isEmpty() ? idle : running);
            item->setText(JobsColumn, worker.filename);
            item->setToolTip(JobsColumn, worker.jobId);
            item->setText(StartedColumn, localTime(worker.since));
            ownSlots << item;
        }
    }
#endif
    QList<Engine::WorkerRecord> records = m_records;
    const bool ownListed = std::any_of(records.cbegin(), records.cend(),
                                       [&](const auto &record) { return record.id == ownId; });
    if (poolRunning && !ownListed) {
        // Before the first read answers: this window's own pool, from what it knows itself.
        Engine::WorkerRecord own;
        own.id = ownId;
        own.slotCount = int(ownSlots.size());
        own.pid = QCoreApplication::applicationPid();
        records.prepend(own);
    }

    m_list->setUpdatesEnabled(false);
    m_list->clear();
    for (const Engine::WorkerRecord &record : std::as_const(records)) {
        const bool own = poolRunning && record.id == ownId;
        QTreeWidgetItem *item = poolItem(record, own);
        if (own) {
            item->addChildren(ownSlots);
            ownSlots.clear();
        } else {
            for (const QString &jobId : record.jobIds) {
                const int row = m_model->rowOfJob(jobId);
                auto *job = new QTreeWidgetItem;
                job->setText(JobsColumn, row >= 0 ? m_model->jobRow(row).filename : jobId);
                job->setToolTip(JobsColumn, jobId);
                job->setIcon(StateColumn, running);
                item->addChild(job);
            }
        }
        if (own)
            m_list->insertTopLevelItem(0, item);
        else
            m_list->addTopLevelItem(item);
    }
    qDeleteAll(ownSlots);
    m_list->expandAll();
    m_list->setUpdatesEnabled(true);
}

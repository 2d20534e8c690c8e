#include "ui/activitydock.h"

#include "models/activityfilterproxymodel.h"
#include "models/activitymodel.h"
#include "models/jobpresentation.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QTreeView>
#include <QVBoxLayout>

ActivityDock::ActivityDock(Session *session, QWidget *parent)
    : QDockWidget(tr("Activity"), parent)
{
    setObjectName(QStringLiteral("dock.activity"));
    m_model = new ActivityModel(session, this);
    m_proxy = new ActivityFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);

    m_kind = new QComboBox;
    m_kind->setObjectName(QStringLiteral("activityKind"));
    m_kind->addItem(tr("All events"), QString());
    for (const char *event : {"claimed", "reclaimed", "progress", "completed",
                              "retry_scheduled", "failed", "released", "paused", "cancelled",
                              "resumed", "retried", "pause_requested", "cancel_requested",
                              "priority_changed"}) {
        const QString name = QString::fromLatin1(event);
        m_kind->addItem(JobPresentation::eventIcon(name), JobPresentation::eventText(name), name);
    }
    m_job = new QLineEdit;
    m_job->setObjectName(QStringLiteral("activityJob"));
    m_job->setPlaceholderText(tr("Job or file…"));
    m_job->setClearButtonEnabled(true);
    m_worker = new QLineEdit;
    m_worker->setObjectName(QStringLiteral("activityWorker"));
    m_worker->setPlaceholderText(tr("Worker…"));
    m_worker->setClearButtonEnabled(true);

    m_view = new QTreeView;
    m_view->setObjectName(QStringLiteral("activityView"));
    m_view->setModel(m_proxy);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->header()->setStretchLastSection(true);
    const QList<int> widths{70, 150, 160, 110, 110};
    for (int i = 0; i < widths.size(); ++i)
        m_view->header()->resizeSection(i, widths.at(i));

    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(4, 4, 4, 4);
    auto *filters = new QHBoxLayout;
    filters->addWidget(m_kind);
    filters->addWidget(m_job, 1);
    filters->addWidget(m_worker, 1);
    layout->addLayout(filters);
    layout->addWidget(m_view);
    setWidget(box);

    connect(m_kind, &QComboBox::currentIndexChanged, this,
            [this] { m_proxy->setEventFilter(m_kind->currentData().toString()); });
    connect(m_job, &QLineEdit::textChanged, m_proxy, &ActivityFilterProxyModel::setJobFilter);
    connect(m_worker, &QLineEdit::textChanged, m_proxy,
            &ActivityFilterProxyModel::setWorkerFilter);
    connect(m_view, &QTreeView::doubleClicked, this, [this](const QModelIndex &index) {
        emit jobActivated(index.data(ActivityModel::JobIdRole).toString());
    });
}

ActivityDock::~ActivityDock()
{
    // The model holds queries on the window's connection: gone before the connection is.
    m_view->setModel(nullptr);
    delete m_proxy;
    delete m_model;
}

#include "ui/jobdetailpane.h"

#include "engine/joberrors.h"
#include "models/jobeventmodel.h"
#include "models/jobpresentation.h"
#include "models/jobrow.h"
#include "models/playbookmodel.h"
#include "session/session.h"
#include "ui/filedialogs.h"
#include "ui/playbookreviewpane.h"

#include <QFile>
#include <QFormLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedLayout>
#include <QTabWidget>
#include <QTreeView>
#include <QVBoxLayout>

namespace {

enum Field {
    IdField, FileField, StatusField, PriorityField, ProgressField, RetriesField, WorkerField,
    CreatedField, StartedField, CompletedField, UpdatedField, DurationField, FieldCount
};

QString timeText(const QDateTime &time)
{
    return time.isValid() ? QLocale().toString(time.toLocalTime(), QLocale::LongFormat) : QString();
}

} // namespace

JobDetailPane::JobDetailPane(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
{
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("detailTabs"));
    m_tabs->setDocumentMode(true);

    // Details
    auto *details = new QWidget;
    auto *detailsLayout = new QVBoxLayout(details);
    m_placeholder = new QLabel(tr("Select a job to see its details."));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setEnabled(false);
    m_fieldsWidget = new QWidget;
    auto *form = new QFormLayout(m_fieldsWidget);
    form->setContentsMargins(0, 0, 0, 0);
    form->setLabelAlignment(Qt::AlignRight);
    const QStringList labels{tr("Job:"),     tr("File:"),    tr("Status:"),    tr("Priority:"),
                             tr("Progress:"), tr("Retries:"), tr("Worker:"),    tr("Created:"),
                             tr("Started:"), tr("Finished:"), tr("Updated:"),  tr("Duration:")};
    auto *left = new QFormLayout;
    auto *right = new QFormLayout;
    for (int i = 0; i < FieldCount; ++i) {
        auto *value = new QLabel;
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setObjectName(QStringLiteral("field%1").arg(i));
        m_values << value;
        (i < 6 ? left : right)->addRow(labels.at(i), value);
    }
    auto *columns = new QHBoxLayout;
    columns->addLayout(left, 1);
    columns->addLayout(right, 1);
    form->addRow(columns);
    m_source = new QLabel;
    m_source->setObjectName(QStringLiteral("sourcePath"));
    m_source->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_source->setWordWrap(true);
    form->addRow(tr("Source:"), m_source);
    m_errorLabel = new QLabel(tr("Error:"));
    m_error = new QPlainTextEdit;
    m_error->setObjectName(QStringLiteral("errorText"));
    m_error->setReadOnly(true);
    m_error->setMaximumHeight(70);
    m_error->setStyleSheet(QStringLiteral("color: #c62828;"));
    form->addRow(m_errorLabel, m_error);
    detailsLayout->addWidget(m_placeholder);
    detailsLayout->addWidget(m_fieldsWidget);
    detailsLayout->addStretch();

    // Timeline
    m_events = new JobEventModel(session, this);
    m_timeline = new QTreeView;
    m_timeline->setObjectName(QStringLiteral("timeline"));
    m_timeline->setModel(m_events);
    m_timeline->setRootIsDecorated(false);
    m_timeline->setUniformRowHeights(true);
    m_timeline->setAlternatingRowColors(true);
    m_timeline->header()->setStretchLastSection(true);
    m_timeline->setColumnWidth(JobEventModel::TimeColumn, 170);
    m_timeline->setColumnWidth(JobEventModel::EventColumn, 200);
    m_timeline->setColumnWidth(JobEventModel::ActorColumn, 150);
    connect(m_events, &QAbstractItemModel::rowsInserted, m_timeline, [this] {
        m_timeline->scrollToBottom();
    });

    // Playbook
    auto *playbookPage = new QWidget;
    auto *playbookLayout = new QVBoxLayout(playbookPage);
    m_playbookSummary = new QLabel(tr("The playbook appears here when the job has completed."));
    m_playbookSummary->setObjectName(QStringLiteral("playbookSummary"));
    m_playbookSummary->setWordWrap(true);
    m_playbook = new PlaybookModel(this);
    m_playbookView = new QTreeView;
    m_playbookView->setObjectName(QStringLiteral("playbookView"));
    m_playbookView->setModel(m_playbook);
    m_playbookView->setUniformRowHeights(true);
    m_playbookView->header()->setStretchLastSection(false);
    m_playbookView->header()->setSectionResizeMode(PlaybookModel::NameColumn, QHeaderView::Stretch);
    m_playbookView->header()->setSectionResizeMode(PlaybookModel::SpeechesColumn,
                                                   QHeaderView::ResizeToContents);
    m_exportButton = new QPushButton(JobPresentation::icon(QStringLiteral("export"),
                                                           QStringLiteral("document-save-as")),
                                     tr("Export JSON…"));
    m_exportButton->setObjectName(QStringLiteral("exportJson"));
    m_exportButton->setEnabled(false);
    auto *top = new QHBoxLayout;
    top->addWidget(m_playbookSummary, 1);
    top->addWidget(m_exportButton);
    playbookLayout->addLayout(top);
    m_review = new PlaybookReviewPane;
    m_review->setObjectName(QStringLiteral("playbookReview"));
    auto *playbookSplitter = new QSplitter(Qt::Horizontal);
    playbookSplitter->addWidget(m_playbookView);
    playbookSplitter->addWidget(m_review);
    playbookSplitter->setStretchFactor(0, 1);
    playbookSplitter->setStretchFactor(1, 3);
    // Wide enough for "MRS. EYNSFORD HILL" and its count: names cut to "MRS...." told nothing.
    playbookSplitter->setSizes({330, 870});
    playbookLayout->addWidget(playbookSplitter, 1);
    connect(m_review, &PlaybookReviewPane::correctionRequested, this, &JobDetailPane::correct);

    m_tabs->addTab(details, tr("Details"));
    m_tabs->addTab(m_timeline, tr("Timeline"));
    m_tabs->addTab(playbookPage, tr("Playbook"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);

    m_saveFile = [this](const QString &suggested) {
        return FileDialogs::getSaveFileName(this, tr("Export Playbook"), suggested,
                                            tr("JSON files (*.json)"));
    };
    connect(m_exportButton, &QPushButton::clicked, this, &JobDetailPane::exportClicked);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] { loadPlaybook(); });
    showJob(std::nullopt);
}

JobDetailPane::~JobDetailPane() = default;

void JobDetailPane::setJobId(const QString &jobId)
{
    if (jobId == m_jobId)
        return;
    m_jobId = jobId;
    m_events->setJobId(jobId);
    refresh();
}

void JobDetailPane::refresh()
{
    if (m_jobId.isEmpty()) {
        showJob(std::nullopt);
        return;
    }
    // One read at a time: a burst of changes becomes at most one more read.
    if (m_reading) {
        m_readAgain = true;
        return;
    }
    m_reading = true;
    const QString jobId = m_jobId;
    m_session->readJob(jobId, this, [this, jobId](const SessionReply<std::optional<Engine::Job>> &reply) {
        m_reading = false;
        if (jobId == m_jobId) {
            if (reply.ok())
                showJob(reply.value);
            else
                emit message(reply.error);
        }
        if (m_readAgain || jobId != m_jobId) {
            m_readAgain = false;
            refresh();
        }
    });
}

void JobDetailPane::showJob(const std::optional<Engine::Job> &job)
{
    m_placeholder->setVisible(!job);
    m_fieldsWidget->setVisible(bool(job));
    if (!job) {
        m_playbook->clearPlaybook();
        m_review->clear();
        m_sourceJobId.clear();
        m_playbookJobId.clear();
        m_exportButton->setEnabled(false);
        m_playbookSummary->setText(tr("The playbook appears here when the job has completed."));
        return;
    }
    const JobRow row = JobRow::fromJob(*job);
    m_values[IdField]->setText(job->id);
    m_values[FileField]->setText(job->filename);
    QString status = JobPresentation::statusText(job->status);
    if (!job->controlRequest.isEmpty())
        status += tr(" (%1 requested)").arg(job->controlRequest == QLatin1String("pause")
                                                ? tr("pause") : tr("cancel"));
    QString after;
    const qint64 next = row.secondsToNextAttempt(QDateTime::currentDateTimeUtc());
    if (next >= 0)
        after = tr("next attempt at %1 (in %2)")
                    .arg(QLocale().toString(job->runAfter.toLocalTime(), QLocale::LongFormat),
                         JobPresentation::durationText(next));
    else if (row.isPermanentFailure())
        after = tr("a retry cannot fix this failure");
    m_values[StatusField]->setText(
        QStringLiteral("<b style=\"color:%1\">%2</b>%3")
            .arg(JobPresentation::statusColor(job->status).name(), status.toHtmlEscaped(),
                 after.isEmpty() ? QString() : QStringLiteral(" — ") + after.toHtmlEscaped()));
    m_values[StatusField]->setToolTip(after);
    m_source->setText(job->sourcePath.isEmpty() ? tr("—") : job->sourcePath);
    m_values[PriorityField]->setText(QString::number(job->priority));
    QString progress = QLocale().toString(job->progress, 'f', 1) + QLatin1Char('%');
    if (job->totalChunks)
        progress += tr(" (%1 of %2 chunks)").arg(job->completedChunks).arg(*job->totalChunks);
    m_values[ProgressField]->setText(progress);
    m_values[RetriesField]->setText(tr("%1 of %2").arg(job->retryCount).arg(job->maxRetries));
    m_values[WorkerField]->setText(job->workerId.isEmpty() ? tr("—") : job->workerId);
    m_values[CreatedField]->setText(timeText(job->createdAt));
    m_values[StartedField]->setText(timeText(job->startedAt));
    m_values[CompletedField]->setText(timeText(job->completedAt));
    m_values[UpdatedField]->setText(timeText(job->updatedAt));
    m_values[DurationField]->setText(
        JobPresentation::durationText(row.durationSeconds(QDateTime::currentDateTimeUtc())));
    const QString error = row.errorText();
    m_error->setPlainText(error);
    m_error->setVisible(!error.isEmpty());
    m_errorLabel->setVisible(!error.isEmpty());
    m_errorLabel->setText(row.isPermanentFailure() ? tr("Error (permanent):") : tr("Error:"));

    if (job->status != Engine::JobStatus::Completed) {
        m_playbook->clearPlaybook();
        m_review->clear();
        m_sourceJobId.clear();
        m_playbookJobId.clear();
        m_exportButton->setEnabled(false);
        m_playbookSummary->setText(tr("The playbook appears here when the job has completed."));
    } else if (m_playbookJobId != job->id) {
        m_playbookJobId.clear();
        loadPlaybook();
    }
}

void JobDetailPane::loadPlaybook()
{
    // Read only when the playbook is looked at (or the job just completed while it is shown).
    if (m_jobId.isEmpty() || m_playbookJobId == m_jobId || m_playbookRequested == m_jobId
        || m_tabs->currentIndex() != 2)
        return;
    const QString jobId = m_jobId;
    m_playbookRequested = jobId;
    m_session->readPlaybook(
        jobId, this, [this, jobId](const SessionReply<std::optional<Engine::PlaybookRecord>> &reply) {
            m_playbookRequested.clear();
            if (jobId != m_jobId)
                return;
            if (!reply.ok()) {
                emit message(reply.error);
                return;
            }
            showPlaybook(reply.value);
        });
}

void JobDetailPane::showPlaybook(const std::optional<Engine::PlaybookRecord> &record)
{
    m_playbookJobId = m_jobId;
    if (!record) {
        m_playbook->clearPlaybook();
        m_review->clear();
        m_sourceJobId.clear();
        m_exportButton->setEnabled(false);
        m_playbookSummary->setText(tr("The playbook appears here when the job has completed."));
        return;
    }
    m_playbook->setPlaybook(record->document);
    m_playbookView->expandToDepth(0);
    m_revision = record->revision;
    m_review->setPlaybook(record->document, record->revision);
    if (m_sourceJobId != m_jobId)
        loadSourceText(m_jobId);
    m_exportButton->setEnabled(true);
    m_playbookSummary->setText(
        tr("<b>%1</b><br>%2 characters · %3 acts · %4 scenes · %5 speeches")
            .arg(record->title.toHtmlEscaped())
            .arg(record->characterCount)
            .arg(record->actCount)
            .arg(record->sceneCount)
            .arg(record->speechCount));
}

void JobDetailPane::loadSourceText(const QString &jobId)
{
    // The text is the largest column: read once per job shown, only for the playbook tab.
    m_session->readJobWithText(jobId, this, [this, jobId](const SessionReply<std::optional<Engine::Job>> &reply) {
        if (jobId != m_jobId)
            return;
        if (!reply.ok()) {
            emit message(reply.error);
            return;
        }
        m_sourceJobId = jobId;
        m_review->setSourceText(reply.value ? reply.value->rawText : QString());
    });
}

void JobDetailPane::correct(const QJsonObject &correction)
{
    if (m_jobId.isEmpty())
        return;
    SessionCommand command;
    command.kind = SessionCommand::Kind::CorrectPlaybook;
    command.jobIds = {m_jobId};
    command.config = correction;
    // The event names the person, as the database user may be shared by a whole team.
    command.actor = qEnvironmentVariable("USER", qEnvironmentVariable("USERNAME", QStringLiteral("user")));
    const QString jobId = m_jobId;
    m_session->run(command, this, [this, jobId](const SessionReply<SessionCommand::Outcome> &reply) {
        if (!reply.ok()) {
            emit message(reply.error);
            return;
        }
        if (!reply.value.refused.isEmpty()) {
            emit message(tr("The correction was not stored: %1").arg(reply.value.refused.first().second));
            return;
        }
        emit message(tr("Correction stored as a new revision of the playbook."));
        emit playbookCorrected(jobId);
        if (jobId == m_jobId) {
            m_playbookJobId.clear();
            loadPlaybook();
        }
    });
}

bool JobDetailPane::exportPlaybook(const QString &path, QString *error) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    file.write(QJsonDocument(m_playbook->playbook()).toJson(QJsonDocument::Indented));
    return true;
}

void JobDetailPane::exportClicked()
{
    QString suggested = m_values[FileField]->text();
    suggested = suggested.section(QLatin1Char('.'), 0, 0) + QStringLiteral(".playbook.json");
    const QString path = m_saveFile(suggested);
    if (path.isEmpty())
        return;
    QString error;
    if (exportPlaybook(path, &error))
        emit message(tr("Playbook exported to %1.").arg(path));
    else
        emit message(tr("Could not export the playbook: %1").arg(error));
}

#pragma once

#include "engine/job.h"

#include <QWidget>

#include <functional>
#include <optional>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTreeView;
class JobEventModel;
class PlaybookModel;
class PlaybookReviewPane;
class Session;

/// The selected job: its fields and error, its live event timeline, and for a completed job
/// the playbook preview with Export JSON. Only this job's events and playbook are read, through
/// the session: the pane fills in when the answer arrives.
class JobDetailPane final : public QWidget
{
    Q_OBJECT

public:
    explicit JobDetailPane(Session *session, QWidget *parent = nullptr);
    ~JobDetailPane() override;

    void setJobId(const QString &jobId);
    QString jobId() const { return m_jobId; }
    /// Asks for the job's fields again (the table reported it changed).
    void refresh();

    JobEventModel *eventModel() const { return m_events; }
    PlaybookModel *playbookModel() const { return m_playbook; }
    PlaybookReviewPane *reviewPane() const { return m_review; }
    /// The revision shown: 0 the parser's original, n after n corrections.
    int playbookRevision() const { return m_revision; }
    QTabWidget *tabs() const { return m_tabs; }
    /// Writes the shown playbook as JSON; false + message on failure.
    bool exportPlaybook(const QString &path, QString *error) const;

    /// Where Export JSON asks for a file; tests replace it.
    void setSaveFileProvider(std::function<QString(const QString &suggested)> provider)
    {
        m_saveFile = std::move(provider);
    }

signals:
    void message(const QString &text);
    /// A correction of that job's playbook was stored (the revision is being read).
    void playbookCorrected(const QString &jobId);

private:
    void showJob(const std::optional<Engine::Job> &job);
    void loadPlaybook();
    void showPlaybook(const std::optional<Engine::PlaybookRecord> &record);
    void exportClicked();
    void loadSourceText(const QString &jobId);
    void correct(const QJsonObject &correction);

    Session *m_session;
    QString m_jobId;
    bool m_reading = false;
    bool m_readAgain = false;
    QString m_playbookRequested;  ///< the job whose playbook is being read
    QString m_playbookJobId;
    QTabWidget *m_tabs;
    QLabel *m_placeholder;
    QWidget *m_fieldsWidget;
    QList<QLabel *> m_values;
    QPlainTextEdit *m_error;
    QLabel *m_errorLabel;
    QLabel *m_source;
    JobEventModel *m_events;
    QTreeView *m_timeline;
    PlaybookModel *m_playbook;
    QTreeView *m_playbookView;
    QLabel *m_playbookSummary;
    QPushButton *m_exportButton;
    PlaybookReviewPane *m_review;
    int m_revision = 0;
    QString m_sourceJobId; ///< whose text the review shows
    std::function<QString(const QString &)> m_saveFile;
};

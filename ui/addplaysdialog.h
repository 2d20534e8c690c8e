#pragma once

#include "engine/job.h"
#include "engine/jobqueue.h"
#include "ui/playcandidate.h"

#include <QDialog>
#include <QFutureWatcher>
#include <QList>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QSpinBox;
class QTreeWidget;
class QTreeWidgetItem;
class Session;

/// What dropped, chosen or pasted plays become before they are queued: the files (folders
/// expanded and filtered to plain text, with the reason shown for what is left out), each with
/// a check box; the job options (priority, chunk size, provider, max retries; remembered in
/// QSettings); a warning on plays already in the queue (same file or same text), asked of the
/// session; Latin-1 files offered converted to UTF-8. Files are read on a pool thread. The
/// dialog only chooses: inputs() is what the window enqueues through the session.
class AddPlaysDialog final : public QDialog
{
    Q_OBJECT

public:
    enum Column { PlayColumn, FolderColumn, SizeColumn, NoteColumn };

    /// Reads paths (files and folders) on a pool thread; session answers the duplicate check
    /// and must outlive the dialog.
    AddPlaysDialog(Session *session, const QStringList &paths, QWidget *parent = nullptr);
    /// For pasted or dropped text: nothing to read.
    AddPlaysDialog(Session *session, const PlayCandidate &text, QWidget *parent = nullptr);
    ~AddPlaysDialog() override;

    /// The files are read and the duplicate check has answered.
    bool isReady() const { return m_ready; }
    QList<PlayCandidate> candidates() const { return m_candidates; }
    QTreeWidget *list() const { return m_list; }
    /// The ticked plays as jobs, with the chosen options.
    QList<Engine::EnqueueInput> inputs() const;

    /// Where the options are remembered.
    static constexpr const char *kSettingsGroup = "AddPlays";

signals:
    /// Files read and duplicates checked (ticks and notes are final).
    void ready();

protected:
    void done(int result) override;

private:
    AddPlaysDialog(Session *session, QWidget *parent);
    void setCandidates(const QList<PlayCandidate> &candidates);
    void checkDuplicates();
    void markDuplicates(const QList<Engine::ExistingJob> &existing);
    void updateSummary();
    void restoreOptions();
    void saveOptions() const;

    Session *m_session;
    QList<PlayCandidate> m_candidates;
    bool m_ready = false;
    QFutureWatcher<QList<PlayCandidate>> m_scan;
    QLabel *m_summary;
    QTreeWidget *m_list;
    QSpinBox *m_priority;
    QSpinBox *m_chunkSize;
    QComboBox *m_provider;
    QSpinBox *m_maxRetries;
    QDialogButtonBox *m_buttons;
};

#pragma once

#include <QJsonObject>
#include <QWidget>

#include <functional>

class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTreeView;
class ScriptModel;

/// Review of one playbook: its quality warnings, the script (acts → scenes → speeches and
/// stage directions) beside the job's source text, scrolled to and highlighting the lines of
/// the selected speech, and the corrections an editor can make (rename, merge, split, move a
/// speech). A correction is only asked for here (correctionRequested); the detail pane sends
/// it through the session and shows the new revision when it is stored.
class PlaybookReviewPane final : public QWidget
{
    Q_OBJECT

public:
    /// Asks the editor for one value: a choice among choices (editable when editable), or free
    /// text when choices is empty. Empty: cancelled. Tests replace it.
    using Ask = std::function<QString(const QString &title, const QString &label,
                                      const QStringList &choices, bool editable)>;

    explicit PlaybookReviewPane(QWidget *parent = nullptr);

    void setPlaybook(const QJsonObject &document, int revision);
    void clear();
    /// The job's text as stored (any line ends); line numbers in the playbook count its lines.
    void setSourceText(const QString &text);
    void setAsk(Ask ask) { m_ask = std::move(ask); }

    ScriptModel *scriptModel() const { return m_script; }
    QTreeView *scriptView() const { return m_scriptView; }
    QPlainTextEdit *sourceView() const { return m_source; }
    QListWidget *warningList() const { return m_warnings; }
    /// The 1-based lines highlighted in the source view; {0, 0} when none.
    QPair<int, int> highlightedLines() const { return m_highlighted; }

    void renameCharacter();
    void mergeCharacters();
    void splitCharacter();
    void moveSpeech();

signals:
    void correctionRequested(const QJsonObject &correction);

private:
    QStringList characterNames() const;
    QStringList aliasesOf(const QString &name) const;
    void showLines(int first, int last);
    void updateButtons();

    QJsonObject m_document;
    ScriptModel *m_script;
    QTreeView *m_scriptView;
    QPlainTextEdit *m_source;
    QListWidget *m_warnings;
    QPushButton *m_rename;
    QPushButton *m_merge;
    QPushButton *m_split;
    QPushButton *m_move;
    QPair<int, int> m_highlighted{0, 0};
    Ask m_ask;
};

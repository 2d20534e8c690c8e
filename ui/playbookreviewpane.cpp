#include "ui/playbookreviewpane.h"

#include "engine/playbookcorrection.h"
#include "engine/playbookquality.h"
#include "models/scriptmodel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QTextBlock>
#include <QTreeView>
#include <QVBoxLayout>

namespace {

QString warningText(const Engine::QualityWarning &w)
{
    const QString first = w.names.value(0);
    const QString second = w.names.value(1);
    switch (w.kind) {
    case Engine::QualityWarning::SilentCastMember:
        return PlaybookReviewPane::tr("Cast member with no speeches: %1").arg(first);
    case Engine::QualityWarning::UnknownSpeaker:
        return PlaybookReviewPane::tr("Speaker not in the cast: %1").arg(first);
    case Engine::QualityWarning::CaseVariant:
        return PlaybookReviewPane::tr("Names differing only in case: %1 / %2").arg(first, second);
    case Engine::QualityWarning::AbbreviatedName:
        return PlaybookReviewPane::tr("Abbreviated name: %1 (for %2?)").arg(first, second);
    case Engine::QualityWarning::SpellingVariant:
        return PlaybookReviewPane::tr("Spelling variants, merge? %1 / %2").arg(first, second);
    case Engine::QualityWarning::LowConfidenceScene:
        return PlaybookReviewPane::tr("Low-confidence scene: %1")
            .arg(first.isEmpty() ? PlaybookReviewPane::tr("(untitled)") : first);
    case Engine::QualityWarning::SpeechWithoutSpeaker:
        return PlaybookReviewPane::tr("Speeches without a speaker: %1").arg(first);
    }
    return {};
}

} // namespace

PlaybookReviewPane::PlaybookReviewPane(QWidget *parent)
    : QWidget(parent)
{
    m_warnings = new QListWidget;
    m_warnings->setObjectName(QStringLiteral("reviewWarnings"));
    m_warnings->setMaximumHeight(90);

    m_script = new ScriptModel(this);
    m_scriptView = new QTreeView;
    m_scriptView->setObjectName(QStringLiteral("scriptView"));
    m_scriptView->setModel(m_script);
    m_scriptView->setUniformRowHeights(true);
    m_scriptView->setColumnWidth(ScriptModel::SpeakerColumn, 170);
    m_scriptView->header()->setStretchLastSection(false);
    m_scriptView->header()->setSectionResizeMode(ScriptModel::TextColumn, QHeaderView::Stretch);
    m_scriptView->header()->setSectionResizeMode(ScriptModel::LinesColumn, QHeaderView::ResizeToContents);

    m_source = new QPlainTextEdit;
    m_source->setObjectName(QStringLiteral("sourceView"));
    m_source->setReadOnly(true);
    m_source->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_source->setFont(QFont(QStringLiteral("monospace")));

    auto *splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(m_scriptView);
    splitter->addWidget(m_source);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto button = [](const char *name, const QString &text, const QString &tip) {
        auto *b = new QPushButton(text);
        b->setObjectName(QLatin1String(name));
        b->setToolTip(tip);
        return b;
    };
    m_rename = button("review.rename", tr("Rename…"), tr("Rename a character; the old name stays an alias"));
    m_merge = button("review.merge", tr("Merge…"), tr("Merge one character into another"));
    m_split = button("review.split", tr("Split…"),
                     tr("Give some of a character's names (a group's members, a second role) an "
                        "entry of their own"));
    m_move = button("review.moveSpeech", tr("Move Speech…"),
                    tr("Give the selected speech to another character"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_rename);
    buttons->addWidget(m_merge);
    buttons->addWidget(m_split);
    buttons->addWidget(m_move);
    buttons->addStretch();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_warnings);
    layout->addWidget(splitter, 1);
    layout->addLayout(buttons);

    m_ask = [this](const QString &title, const QString &label, const QStringList &choices,
                   bool editable) {
        bool ok = false;
        const QString value = choices.isEmpty()
            ? QInputDialog::getText(this, title, label, QLineEdit::Normal, QString(), &ok)
            : QInputDialog::getItem(this, title, label, choices, 0, editable, &ok);
        return ok ? value.trimmed() : QString();
    };
    connect(m_rename, &QPushButton::clicked, this, &PlaybookReviewPane::renameCharacter);
    connect(m_merge, &QPushButton::clicked, this, &PlaybookReviewPane::mergeCharacters);
    connect(m_split, &QPushButton::clicked, this, &PlaybookReviewPane::splitCharacter);
    connect(m_move, &QPushButton::clicked, this, &PlaybookReviewPane::moveSpeech);
    connect(m_scriptView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                const QModelIndex first = current.siblingAtColumn(0);
                showLines(first.data(ScriptModel::FirstLineRole).toInt(),
                          first.data(ScriptModel::LastLineRole).toInt());
                updateButtons();
            });
    updateButtons();
}

void PlaybookReviewPane::clear()
{
    m_document = {};
    m_script->setPlaybook({});
    m_warnings->clear();
    m_source->clear();
    m_highlighted = {0, 0};
    updateButtons();
}

void PlaybookReviewPane::setPlaybook(const QJsonObject &document, int revision)
{
    // Keep the editor's place across a correction: the same speech stays selected.
    const QModelIndex current = m_scriptView->currentIndex().siblingAtColumn(0);
    const int act = current.data(ScriptModel::ActIndexRole).toInt();
    const int scene = current.data(ScriptModel::SceneIndexRole).toInt();
    const int speech = current.data(ScriptModel::SpeechIndexRole).toInt();
    const bool wasSpeech = current.data(ScriptModel::KindRole).toString() == QLatin1String("speech");

    m_document = document;
    m_script->setPlaybook(document);
    m_warnings->clear();
    const QList<Engine::QualityWarning> warnings = Engine::PlaybookQuality::warnings(document);
    const double confidence = Engine::PlaybookQuality::confidence(document);
    QString header = confidence >= 0 ? tr("Confidence %1 %").arg(qRound(confidence * 100)) : tr("Confidence unknown");
    header += revision > 0 ? tr(" · revision %1 (corrected)").arg(revision) : tr(" · parser's original");
    if (Engine::PlaybookQuality::needsReview(confidence, Engine::PlaybookQuality::seriousCount(warnings)))
        header += tr(" · needs review");
    auto *headerItem = new QListWidgetItem(header);
    QFont bold = headerItem->font();
    bold.setBold(true);
    headerItem->setFont(bold);
    m_warnings->addItem(headerItem);
    for (const Engine::QualityWarning &w : warnings) {
        auto *item = new QListWidgetItem(warningText(w));
        item->setData(Qt::UserRole, int(w.kind));
        if (w.serious())
            item->setForeground(QColor(0xb2, 0x4d, 0x00));
        m_warnings->addItem(item);
    }
    m_scriptView->expandToDepth(1);
    if (wasSpeech) {
        const QModelIndex again = m_script->speechIndex(act, scene, speech);
        if (again.isValid()) {
            m_scriptView->expand(again.parent());
            m_scriptView->setCurrentIndex(again);
        }
    }
    updateButtons();
}

void PlaybookReviewPane::setSourceText(const QString &text)
{
    // Lines as the parser counts them: LF, CRLF and a lone CR each end one.
    static const QRegularExpression lineEnd(QStringLiteral("\r\n|\r"));
    QString lines = text;
    lines.replace(lineEnd, QStringLiteral("\n"));
    if (lines.startsWith(QChar(0xFEFF)))
        lines.remove(0, 1);
    m_source->setPlainText(lines);
    if (m_highlighted.first > 0)
        showLines(m_highlighted.first, m_highlighted.second);
}

void PlaybookReviewPane::showLines(int first, int last)
{
    m_highlighted = {first, qMax(first, last)};
    QList<QTextEdit::ExtraSelection> selections;
    QTextDocument *doc = m_source->document();
    if (first > 0 && first <= doc->blockCount()) {
        QTextCursor cursor(doc->findBlockByNumber(first - 1));
        const QTextBlock end = doc->findBlockByNumber(qMin(doc->blockCount(), qMax(first, last)) - 1);
        cursor.setPosition(end.position() + end.length() - 1, QTextCursor::KeepAnchor);
        QTextEdit::ExtraSelection selection;
        selection.cursor = cursor;
        selection.format.setBackground(QColor(0xff, 0xe0, 0x82));
        selection.format.setProperty(QTextFormat::FullWidthSelection, true);
        selections << selection;
        // The speech's first line near the top, with a little of what leads to it above.
        QTextCursor top(doc->findBlockByNumber(qMax(0, first - 4)));
        m_source->moveCursor(QTextCursor::End);
        m_source->setTextCursor(top);
        m_source->ensureCursorVisible();
        m_source->setTextCursor(QTextCursor(doc->findBlockByNumber(first - 1)));
    }
    m_source->setExtraSelections(selections);
}

void PlaybookReviewPane::updateButtons()
{
    const bool any = !m_document.isEmpty();
    m_rename->setEnabled(any);
    m_merge->setEnabled(any);
    m_split->setEnabled(any);
    m_move->setEnabled(any && m_scriptView->currentIndex().siblingAtColumn(0).data(ScriptModel::KindRole).toString()
                                  == QLatin1String("speech"));
}

QStringList PlaybookReviewPane::characterNames() const
{
    QStringList names;
    for (const QJsonValue &c : m_document.value(QStringLiteral("characters")).toArray())
        names << c.toObject().value(QStringLiteral("name")).toString();
    return names;
}

QStringList PlaybookReviewPane::aliasesOf(const QString &name) const
{
    for (const QJsonValue &c : m_document.value(QStringLiteral("characters")).toArray()) {
        if (c.toObject().value(QStringLiteral("name")).toString() == name) {
            QStringList aliases;
            for (const QJsonValue &a : c.toObject().value(QStringLiteral("aliases")).toArray())
                aliases << a.toString();
            return aliases;
        }
    }
    return {};
}

void PlaybookReviewPane::renameCharacter()
{
    const QString from = m_ask(tr("Rename Character"), tr("Character:"), characterNames(), false);
    if (from.isEmpty())
        return;
    const QString to = m_ask(tr("Rename Character"), tr("New name for %1:").arg(from), {}, true);
    if (!to.isEmpty() && to != from)
        emit correctionRequested(Engine::PlaybookCorrection::rename(from, to));
}

void PlaybookReviewPane::mergeCharacters()
{
    const QStringList names = characterNames();
    const QString from = m_ask(tr("Merge Characters"), tr("Merge this character:"), names, false);
    if (from.isEmpty())
        return;
    QStringList others = names;
    others.removeAll(from);
    const QString into = m_ask(tr("Merge Characters"), tr("into:"), others, false);
    if (!into.isEmpty())
        emit correctionRequested(Engine::PlaybookCorrection::merge(from, into));
}

void PlaybookReviewPane::splitCharacter()
{
    const QString from = m_ask(tr("Split Character"), tr("Character:"), characterNames(), false);
    if (from.isEmpty())
        return;
    const QStringList aliases = aliasesOf(from);
    if (aliases.isEmpty())
        return;
    const QString alias = m_ask(tr("Split Character"),
                                tr("The name that belongs to someone else:"), aliases, false);
    if (alias.isEmpty())
        return;
    const QString name = m_ask(tr("Split Character"), tr("Name of the new character:"), {}, true);
    if (!name.isEmpty())
        emit correctionRequested(Engine::PlaybookCorrection::split(from, {alias}, name));
}

void PlaybookReviewPane::moveSpeech()
{
    const QModelIndex current = m_scriptView->currentIndex().siblingAtColumn(0);
    if (current.data(ScriptModel::KindRole).toString() != QLatin1String("speech"))
        return;
    const QString to = m_ask(tr("Move Speech"), tr("Give this speech to:"), characterNames(), false);
    if (to.isEmpty())
        return;
    emit correctionRequested(Engine::PlaybookCorrection::moveSpeech(
        current.data(ScriptModel::ActIndexRole).toInt(), current.data(ScriptModel::SceneIndexRole).toInt(),
        current.data(ScriptModel::SpeechIndexRole).toInt(), to));
}

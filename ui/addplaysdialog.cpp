#include "ui/addplaysdialog.h"

#include "models/jobpresentation.h"
#include "session/session.h"
#include "ui/playscanner.h"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace {

constexpr int kIndexRole = Qt::UserRole + 1;
constexpr int kDefaultChunkSize = 200;  // the parser's own default (engine/parse/parserun.cpp)

QString key(const char *name)
{
    return QLatin1String(AddPlaysDialog::kSettingsGroup) + QLatin1Char('/')
           + QLatin1String(name);
}

} // namespace

AddPlaysDialog::AddPlaysDialog(Session *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
{
    setObjectName(QStringLiteral("addPlaysDialog"));
    setWindowTitle(tr("Add Plays"));
    setSizeGripEnabled(true);

    m_summary = new QLabel(tr("Reading the files…"));
    m_summary->setObjectName(QStringLiteral("addPlaysSummary"));
    m_summary->setWordWrap(true);

    m_list = new QTreeWidget;
    m_list->setObjectName(QStringLiteral("playList"));
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAlternatingRowColors(true);
    m_list->setHeaderLabels({tr("Play"), tr("Folder"), tr("Size"), tr("Note")});
    m_list->header()->setStretchLastSection(true);
    m_list->setColumnWidth(PlayColumn, 200);
    m_list->setColumnWidth(FolderColumn, 200);
    m_list->setColumnWidth(SizeColumn, 80);

    m_priority = new QSpinBox;
    m_priority->setObjectName(QStringLiteral("priority"));
    m_priority->setRange(Engine::JobQueue::kMinPriority, Engine::JobQueue::kMaxPriority);
    m_priority->setToolTip(tr("Higher runs first"));
    m_chunkSize = new QSpinBox;
    m_chunkSize->setObjectName(QStringLiteral("chunkSize"));
    m_chunkSize->setRange(1, 1000000);
    m_chunkSize->setSuffix(tr(" lines"));
    m_chunkSize->setToolTip(tr("Lines per chunk: a checkpoint is kept after each"));
    m_provider = new QComboBox;
    m_provider->setObjectName(QStringLiteral("provider"));
    for (const QString &provider : Engine::JobQueue::knownProviders())
        m_provider->addItem(provider == QLatin1String("heuristic")
                                ? tr("Built-in parser (heuristic)")
                                : tr("Language model (%1)").arg(provider),
                            provider);
    m_maxRetries = new QSpinBox;
    m_maxRetries->setObjectName(QStringLiteral("maxRetries"));
    m_maxRetries->setRange(0, Engine::JobQueue::kMaxRetriesLimit);
    m_maxRetries->setToolTip(tr("Retries before a job fails"));

    auto *options = new QFormLayout;
    options->addRow(tr("&Priority:"), m_priority);
    options->addRow(tr("&Chunk size:"), m_chunkSize);
    options->addRow(tr("Pa&rser:"), m_provider);
    options->addRow(tr("Max &retries:"), m_maxRetries);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Enqueue"));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_list, 1);
    layout->addLayout(options);
    layout->addWidget(m_buttons);
    resize(1000, 520);

    connect(m_list, &QTreeWidget::itemChanged, this, [this] { updateSummary(); });
    connect(&m_scan, &QFutureWatcher<QList<PlayCandidate>>::finished, this, [this] {
        setCandidates(m_scan.future().resultCount() > 0 ? m_scan.result()
                                                        : QList<PlayCandidate>());
    });
    restoreOptions();
}

AddPlaysDialog::AddPlaysDialog(Session *session, const QStringList &paths, QWidget *parent)
    : AddPlaysDialog(session, parent)
{
    const Engine::DatabaseUrl url = session->url();
    const qint64 maxBytes = Engine::QueueOptions::fromEnvironment().maxTextBytes;
    m_scan.setFuture(QtConcurrent::run(
        [paths, url, maxBytes] { return PlayScanner::scan(paths, url, maxBytes); }));
}

AddPlaysDialog::AddPlaysDialog(Session *session, const PlayCandidate &text, QWidget *parent)
    : AddPlaysDialog(session, parent)
{
    setCandidates({text});
}

AddPlaysDialog::~AddPlaysDialog()
{
    m_scan.cancel();
    m_scan.waitForFinished();
}

void AddPlaysDialog::setCandidates(const QList<PlayCandidate> &candidates)
{
    m_candidates = candidates;
    const QSignalBlocker blocker(m_list);
    m_list->clear();
    QHash<QString, QString> firstWithHash;
    for (int i = 0; i < m_candidates.size(); ++i) {
        const PlayCandidate &candidate = m_candidates.at(i);
        auto *item = new QTreeWidgetItem(m_list);
        item->setData(PlayColumn, kIndexRole, i);
        item->setText(PlayColumn, candidate.name);
        item->setToolTip(PlayColumn, candidate.path.isEmpty() ? candidate.name : candidate.path);
        item->setText(FolderColumn, candidate.path.isEmpty()
                                        ? tr("(pasted text)")
                                        : QDir::toNativeSeparators(QFileInfo(candidate.path).path()));
        if (candidate.size >= 0)
            item->setText(SizeColumn, QLocale().formattedDataSize(candidate.size));
        item->setTextAlignment(SizeColumn, Qt::AlignRight | Qt::AlignVCenter);
        QString note = candidate.reason;
        bool ticked = candidate.isTickedByDefault();
        // The same text twice in one drop (a copy in another folder) would be parsed twice.
        if (candidate.isSelectable() && !candidate.hash.isEmpty()) {
            const auto first = firstWithHash.constFind(candidate.hash);
            if (first != firstWithHash.constEnd()) {
                note = tr("the same text as %1 above").arg(*first);
                ticked = false;
            } else {
                firstWithHash.insert(candidate.hash, candidate.name);
            }
        }
        item->setText(NoteColumn, note);
        item->setToolTip(NoteColumn, note);
        if (candidate.isSelectable()) {
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
            item->setCheckState(PlayColumn, ticked ? Qt::Checked : Qt::Unchecked);
        } else {
            // Nothing to tick: it cannot become a job, and the row only says why.
            item->setFlags(Qt::ItemIsSelectable);
        }
        if (candidate.kind == PlayCandidate::Kind::Converted)
            item->setForeground(NoteColumn, QColor(0xef, 0x6c, 0x00));
    }
    updateSummary();
    checkDuplicates();
}

void AddPlaysDialog::checkDuplicates()
{
    QStringList paths;
    QStringList hashes;
    for (const PlayCandidate &candidate : std::as_const(m_candidates)) {
        if (!candidate.isSelectable())
            continue;
        if (!candidate.path.isEmpty())
            paths << candidate.path;
        hashes << candidate.hash;
    }
    if (paths.isEmpty() && hashes.isEmpty()) {
        m_ready = true;
        emit ready();
        return;
    }
    m_session->findExisting(
        paths, hashes, this, [this](const SessionReply<QList<Engine::ExistingJob>> &reply) {
            if (reply.ok())
                markDuplicates(reply.value);
            else
                m_summary->setText(m_summary->text() + QLatin1Char(' ')
                                   + tr("(Could not check for plays already in the queue: %1)")
                                         .arg(reply.error));
            m_ready = true;
            emit ready();
        });
}

void AddPlaysDialog::markDuplicates(const QList<Engine::ExistingJob> &existing)
{
    QHash<QString, Engine::ExistingJob> byPath;
    QHash<QString, Engine::ExistingJob> byHash;
    for (const Engine::ExistingJob &job : existing) {
        if (!job.sourcePath.isEmpty())
            byPath.insert(job.sourcePath, job);
        if (!job.contentHash.isEmpty())
            byHash.insert(job.contentHash, job);
    }
    const QIcon warning = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    const QSignalBlocker blocker(m_list);
    for (int row = 0; row < m_list->topLevelItemCount(); ++row) {
        QTreeWidgetItem *item = m_list->topLevelItem(row);
        const PlayCandidate &candidate = m_candidates.at(item->data(PlayColumn, kIndexRole).toInt());
        if (!candidate.isSelectable())
            continue;
        QString note;
        if (const auto it = byPath.constFind(candidate.path);
            !candidate.path.isEmpty() && it != byPath.constEnd()) {
            note = it->contentHash == candidate.hash
                ? tr("already in the queue: %1 (%2, same file)")
                : tr("already in the queue from this file, with other text: %1 (%2)");
            note = note.arg(it->filename, JobPresentation::statusText(it->status));
        } else if (const auto same = byHash.constFind(candidate.hash); same != byHash.constEnd()) {
            note = tr("already in the queue: %1 (%2, same text)")
                       .arg(same->filename, JobPresentation::statusText(same->status));
        }
        if (note.isEmpty())
            continue;
        // Queued again only if the person says so: a second copy is parsed twice.
        item->setCheckState(PlayColumn, Qt::Unchecked);
        item->setIcon(NoteColumn, warning);
        item->setText(NoteColumn, note);
        item->setToolTip(NoteColumn, note);
    }
    updateSummary();
}

void AddPlaysDialog::updateSummary()
{
    int ticked = 0;
    int warned = 0;
    for (int row = 0; row < m_list->topLevelItemCount(); ++row) {
        const QTreeWidgetItem *item = m_list->topLevelItem(row);
        if (item->checkState(PlayColumn) == Qt::Checked)
            ++ticked;
        if (!item->icon(NoteColumn).isNull())
            ++warned;
    }
    const int total = int(m_candidates.size());
    QString text = tr("%n of %1 file(s) will be enqueued.", nullptr, ticked).arg(total);
    if (warned > 0)
        text += QLatin1Char(' ')
                + tr("%n play(s) are already in the queue: tick them to add them again.",
                     nullptr, warned);
    m_summary->setText(text);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ticked > 0);
    m_buttons->button(QDialogButtonBox::Ok)
        ->setText(tr("&Enqueue %n Play(s)", nullptr, ticked));
}

QList<Engine::EnqueueInput> AddPlaysDialog::inputs() const
{
    QList<Engine::EnqueueInput> inputs;
    for (int row = 0; row < m_list->topLevelItemCount(); ++row) {
        const QTreeWidgetItem *item = m_list->topLevelItem(row);
        if (item->checkState(PlayColumn) != Qt::Checked)
            continue;
        const PlayCandidate &candidate = m_candidates.at(item->data(PlayColumn, kIndexRole).toInt());
        Engine::EnqueueInput input;
        input.filename = candidate.name;
        input.rawText = candidate.text;
        input.sourcePath = candidate.path;
        input.priority = m_priority->value();
        input.maxRetries = m_maxRetries->value();
        input.config.insert(QStringLiteral("chunkSize"), m_chunkSize->value());
        input.config.insert(QStringLiteral("provider"), m_provider->currentData().toString());
        inputs << input;
    }
    return inputs;
}

void AddPlaysDialog::restoreOptions()
{
    const QSettings settings;
    m_priority->setValue(settings.value(key("Priority"), 0).toInt());
    m_chunkSize->setValue(settings.value(key("ChunkSize"), kDefaultChunkSize).toInt());
    m_maxRetries->setValue(settings.value(key("MaxRetries"), 3).toInt());
    const int provider = m_provider->findData(settings.value(key("Provider")).toString());
    m_provider->setCurrentIndex(qMax(0, provider));
}

void AddPlaysDialog::saveOptions() const
{
    QSettings settings;
    settings.setValue(key("Priority"), m_priority->value());
    settings.setValue(key("ChunkSize"), m_chunkSize->value());
    settings.setValue(key("MaxRetries"), m_maxRetries->value());
    settings.setValue(key("Provider"), m_provider->currentData().toString());
}

void AddPlaysDialog::done(int result)
{
    if (result == QDialog::Accepted)
        saveOptions();
    QDialog::done(result);
}

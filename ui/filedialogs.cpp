#include "ui/filedialogs.h"

#include <QAbstractFileIconProvider>
#include <QDir>
#include <QFileInfo>
#include <QMimeDatabase>
#include <QPointer>
#include <QTemporaryDir>

namespace {

/// Icons and type names from the file name only: never opens a file (see filedialogs.h).
class NameOnlyIconProvider final : public QAbstractFileIconProvider
{
public:
    QIcon icon(IconType type) const override { return QAbstractFileIconProvider::icon(type); }

    QIcon icon(const QFileInfo &info) const override
    {
        // isDir() and isRoot() are stat() calls: they do not open the file.
        if (info.isRoot())
            return icon(Drive);
        if (info.isDir())
            return icon(Folder);
        return icon(File);
    }

    QString type(const QFileInfo &info) const override
    {
        if (info.isDir())
            return QAbstractFileIconProvider::type(info);  // a folder is named without reading
        const QList<QMimeType> byName = m_mimeTypes.mimeTypesForFileName(info.fileName());
        if (!byName.isEmpty())
            return byName.constFirst().comment();
        const QString suffix = info.suffix();
        return suffix.isEmpty() ? QFileDialog::tr("File")
                                : QFileDialog::tr("%1 File").arg(suffix.toUpper());
    }

private:
    QMimeDatabase m_mimeTypes;
};

NameOnlyIconProvider &iconProvider()
{
    static NameOnlyIconProvider provider;
    return provider;
}

/// QFileDialog's constructor lists the folder it is given and looks up the selected file with
/// Qt's default icon provider, before ours can be set: it starts in a folder of its own that
/// holds nothing, and is moved to the real one once the provider is in place.
QString emptyStartFolder()
{
    static QTemporaryDir folder(QDir::tempPath() + QStringLiteral("/callboard-dialog-XXXXXX"));
    return folder.isValid() ? folder.path() : QDir::rootPath();
}

} // namespace

namespace FileDialogs {

QFileDialog *create(QWidget *parent, const QString &caption, const QString &directory,
                    const QString &filter, QFileDialog::AcceptMode mode)
{
    auto *dialog = new QFileDialog(parent, caption, emptyStartFolder(), filter);
    dialog->setOption(QFileDialog::DontUseNativeDialog);
    dialog->setOption(QFileDialog::DontUseCustomDirectoryIcons);  // .directory files are not read
    dialog->setIconProvider(&iconProvider());
    dialog->setAcceptMode(mode);
    // Now the real place: a folder, or a file (to save as, or a database to choose).
    const QFileInfo target(directory.isEmpty() ? QDir::currentPath() : directory);
    if (target.isDir()) {
        dialog->setDirectory(target.absoluteFilePath());
    } else {
        dialog->setDirectory(target.absolutePath());
        dialog->selectFile(target.fileName());
    }
    dialog->setObjectName(QStringLiteral("fileDialog"));
    return dialog;
}

QStringList getOpenFileNames(QWidget *parent, const QString &caption, const QString &directory,
                             const QString &filter)
{
    QPointer<QFileDialog> dialog = create(parent, caption, directory, filter,
                                          QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFiles);
    QStringList files;
    if (dialog->exec() == QDialog::Accepted && dialog)
        files = dialog->selectedFiles();
    delete dialog;
    return files;
}

QString getSaveFileName(QWidget *parent, const QString &caption, const QString &path,
                        const QString &filter, bool confirmOverwrite)
{
    QPointer<QFileDialog> dialog = create(parent, caption, path, filter, QFileDialog::AcceptSave);
    dialog->setFileMode(QFileDialog::AnyFile);
    dialog->setOption(QFileDialog::DontConfirmOverwrite, !confirmOverwrite);
    QString file;
    if (dialog->exec() == QDialog::Accepted && dialog)
        file = dialog->selectedFiles().value(0);
    delete dialog;
    return file;
}

} // namespace FileDialogs

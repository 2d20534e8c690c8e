#pragma once

#include <QFileDialog>
#include <QString>
#include <QStringList>

/// Every file dialog of the window comes from here. They never read the contents of the files
/// they list: Qt's default icon provider sniffs each file's type by opening it, and a process
/// that opens and closes any descriptor of an SQLite file drops all of its POSIX locks on that
/// file (SQLite's "How To Corrupt Your Database Files", §2.2). With the queue database in the
/// folder shown, another process then believes it is alone and checkpoints or deletes the WAL
/// under the window: a malformed or split queue. These dialogs name file types and pick icons
/// from the file name alone, and are Qt's own widgets (a platform dialog would sniff again).
namespace FileDialogs {

/// A dialog set up as above, not yet shown; tests open it like the functions below do.
QFileDialog *create(QWidget *parent, const QString &caption, const QString &directory,
                    const QString &filter, QFileDialog::AcceptMode mode);

QStringList getOpenFileNames(QWidget *parent, const QString &caption, const QString &directory,
                             const QString &filter);

/// confirmOverwrite false: choosing an existing file is the point (a database to open).
QString getSaveFileName(QWidget *parent, const QString &caption, const QString &path,
                        const QString &filter, bool confirmOverwrite = true);

} // namespace FileDialogs

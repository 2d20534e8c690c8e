#pragma once

#include "engine/databaseurl.h"
#include "ui/playcandidate.h"

#include <QList>
#include <QStringList>

/// Turns what was dropped, chosen or pasted into PlayCandidates: folders are expanded (hidden
/// files skipped), each file is classified by its name first and read only if it may be text.
/// Files that cannot be plays by their name (images, archives, databases) and the queue's own
/// SQLite files are listed without being opened: opening and closing a descriptor of queue.db,
/// its -wal or -shm would drop this process's SQLite locks (see ui/filedialogs.h). Pure
/// functions: safe on any thread.
namespace PlayScanner {

QList<PlayCandidate> scan(const QStringList &paths, const Engine::DatabaseUrl &url,
                          qint64 maxBytes);

/// One file, not a folder.
PlayCandidate scanFile(const QString &path, const Engine::DatabaseUrl &url, qint64 maxBytes);

/// Pasted or dropped text, named after its first non-empty line.
PlayCandidate fromText(const QString &text);

/// The job name a text gets: its first non-empty line, trimmed and shortened.
QString nameForText(const QString &text);

/// Windows-1252 (a superset of Latin-1's printable range) to Unicode.
QString decodeWindows1252(const QByteArray &bytes);

/// Whether a file name says it cannot be a play without reading it (images, archives, office
/// documents, databases and their journals).
bool isBinaryByName(const QString &fileName);

} // namespace PlayScanner

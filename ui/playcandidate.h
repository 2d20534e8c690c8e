#pragma once

#include <QByteArray>
#include <QString>

/// One play the Add Plays dialog offers: a file (dropped, chosen, or found in a folder) or a
/// pasted text, with what was found when it was read.
struct PlayCandidate
{
    enum class Kind {
        Play,       ///< plain UTF-8 text with a play-like name: ticked
        OtherText,  ///< readable text that is likely not a play (JSON, a script): not ticked
        Converted,  ///< Latin-1/Windows-1252 text, converted to UTF-8 here: ticked on request
        Refused,    ///< cannot be a job (binary, empty, too large, the queue's own files)
    };

    QString path;      ///< absolute; empty for pasted text
    QString name;      ///< the job's filename
    Kind kind = Kind::Refused;
    QString reason;    ///< why it is not ticked, or what was done to it
    QByteArray text;   ///< UTF-8, ready for the job (empty when refused)
    QString hash;      ///< Engine::contentHash(text), for the duplicate check
    qint64 size = -1;  ///< bytes on disk (or of the text), -1 unknown

    bool isSelectable() const { return kind != Kind::Refused; }
    bool isTickedByDefault() const { return kind == Kind::Play; }
};

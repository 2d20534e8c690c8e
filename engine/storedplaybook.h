#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace Engine {

/// The counts stored beside a playbook, for lists that do not read the document.
struct PlaybookSummary
{
    QString title;
    int characters = 0;
    int acts = 0;
    int scenes = 0;
    int speeches = 0;

    static PlaybookSummary of(const QJsonObject &playbook);
};

/// A playbook as its row stores it: the document as compact UTF-8 JSON and the figures beside
/// it. Made where the playbook was made (a worker thread): a pool has one writer per
/// connection, and serialising and scoring each playbook there kept the workers waiting.
struct StoredPlaybook
{
    QByteArray document; ///< empty: no playbook (a no-op job)
    PlaybookSummary summary;
    double confidence = -1; ///< below 0: none
    int seriousWarnings = 0;

    static StoredPlaybook of(const QJsonObject &playbook);
    bool isEmpty() const { return document.isEmpty(); }
};

} // namespace Engine

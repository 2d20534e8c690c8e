#pragma once

#include "engine/databaseurl.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

class QProcess;

/// Real `callboard worker` processes for end-to-end suites: started with extra arguments and
/// environment, and never left behind — cleanup() kills what still runs and, after a failed
/// test, prints what each worker said.
class WorkerProcesses final
{
public:
    /// binary: the callboard executable (CALLBOARD_BINARY in the environment overrides it, to
    /// run a suite against another build).
    explicit WorkerProcesses(QString binary);
    ~WorkerProcesses();
    WorkerProcesses(const WorkerProcesses &) = delete;
    WorkerProcesses &operator=(const WorkerProcesses &) = delete;

    QProcess *start(const Engine::DatabaseUrl &url, const QStringList &extra,
                    const QHash<QString, QString> &env = {});
    /// For a test's cleanup(): kill, show the output of a failed test's workers, forget them.
    void cleanup(bool testFailed);

private:
    QString m_binary;
    QList<QProcess *> m_processes;
};

#include "workerprocesses.h"

#include <QDebug>
#include <QProcess>
#include <QProcessEnvironment>

WorkerProcesses::WorkerProcesses(QString binary)
    : m_binary(qEnvironmentVariable("CALLBOARD_BINARY", binary))
{
}

WorkerProcesses::~WorkerProcesses()
{
    cleanup(false);
}

QProcess *WorkerProcesses::start(const Engine::DatabaseUrl &url, const QStringList &extra,
                                 const QHash<QString, QString> &env)
{
    auto *process = new QProcess;
    m_processes << process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (auto it = env.cbegin(); it != env.cend(); ++it)
        environment.insert(it.key(), it.value());
    process->setProcessEnvironment(environment);
    process->start(m_binary, QStringList{QStringLiteral("--db"), url.toUrlString(),
                                         QStringLiteral("worker")} + extra);
    process->waitForStarted();
    return process;
}

void WorkerProcesses::cleanup(bool testFailed)
{
    for (QProcess *process : std::as_const(m_processes)) {
        if (process->state() != QProcess::NotRunning) {
            process->kill();
            process->waitForFinished(5000);
        }
        if (testFailed)
            qWarning().noquote() << "worker output:\n" << process->readAllStandardError();
        delete process;
    }
    m_processes.clear();
}

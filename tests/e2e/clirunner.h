#pragma once

#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QString>
#include <QStringList>

/// What one run of the callboard binary left: exit code (-2 for a crash), stdout and stderr.
struct CliResult
{
    int exitCode = -1;
    QString out;
    QString err;

    QJsonDocument json() const { return QJsonDocument::fromJson(out.toUtf8()); }
    QStringList errLines() const { return err.split(QLatin1Char('\n'), Qt::SkipEmptyParts); }
    QStringList outLines() const { return out.split(QLatin1Char('\n'), Qt::SkipEmptyParts); }
};

/// Runs the real binary in workDir, without the caller's CALLBOARD_DB and WORKER_COUNT and with
/// its data folder inside workDir. wrapper (e.g. runuser, prlimit) goes in front of it; input is
/// its standard input, which is closed after it.
inline CliResult runCallboard(const QString &workDir, const QStringList &arguments,
                              int timeoutMs = 60000, const QStringList &wrapper = {},
                              const QByteArray &input = {})
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("CALLBOARD_DB"));
    env.remove(QStringLiteral("WORKER_COUNT"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), workDir + QStringLiteral("/xdg"));
    process.setProcessEnvironment(env);
    process.setWorkingDirectory(workDir);
    const QStringList command = wrapper + QStringList{QStringLiteral(CALLBOARD_BINARY)};
    process.start(command.constFirst(), command.mid(1) + arguments);
    process.write(input);
    process.closeWriteChannel();
    CliResult result;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        result.err = QStringLiteral("timeout");
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

/// Writes bytes to dir/name; returns the path, or an empty string if it could not be written.
inline QString writeTestFile(const QString &dir, const QString &name, const QByteArray &bytes)
{
    const QString path = dir + QLatin1Char('/') + name;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        return {};
    return path;
}

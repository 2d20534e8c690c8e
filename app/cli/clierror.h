#pragma once

#include <QString>

#include <stdexcept>

namespace Cli {

/// A command's failure: the one line for stderr and the exit code (1 failure, 2 usage error).
/// Thrown inside a command and caught once, in CommandLine::run, so every error path prints the
/// same way.
class CliError final : public std::runtime_error
{
public:
    enum ExitCode { Failure = 1, Usage = 2 };

    explicit CliError(const QString &message, ExitCode code = Failure);
    static CliError usage(const QString &message) { return CliError(message, Usage); }

    QString message() const { return m_message; }
    int exitCode() const { return m_code; }

private:
    QString m_message;
    ExitCode m_code;
};

} // namespace Cli

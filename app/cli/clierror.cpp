#include "app/cli/clierror.h"

namespace Cli {

CliError::CliError(const QString &message, ExitCode code)
    : std::runtime_error(message.toStdString())
    , m_message(message)
    , m_code(code)
{}

} // namespace Cli

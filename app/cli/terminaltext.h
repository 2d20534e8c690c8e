#pragma once

#include <QString>

namespace Cli {

/// Text from the database or the file system as it may reach a terminal: control characters
/// (C0, DEL, C1) and the bidirectional overrides written as escapes (\n, \t, \x1b, \u202e), so
/// that a file name cannot move the cursor, recolour the screen or reverse the line.
QString terminalSafe(const QString &text);

} // namespace Cli

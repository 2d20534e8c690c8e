#pragma once

/// Replaces this process with the window's executable (callboard-gui), with the same
/// arguments. Returns only when that fails, with the exit code after the message on stderr.
int execGui(char **argv);

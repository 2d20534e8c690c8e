#pragma once

#include "engine/databaseurl.h"

/// "Test Connection": opens a connection of its own to url, says which server and schema
/// version it found, and closes it. Blocks for up to the connect timeout: callers run it on a
/// pool thread.
namespace ConnectionProbe {

struct Result
{
    bool ok = false;
    QString message;  ///< for a person: what was found, or why it failed
};

Result run(const Engine::DatabaseUrl &url);

} // namespace ConnectionProbe

#pragma once

#include <QCoreApplication>

namespace Engine {

/// Translation context of the engine's user-facing messages (errors, banners, event texts):
/// the window installs the translator; the command line speaks English.
struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Engine)
};

} // namespace Engine

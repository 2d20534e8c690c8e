#pragma once

#include <QCoreApplication>

namespace Engine {

/// Translation context for the parse pipeline's user-visible messages (ParseError), which are
/// shown in the job table and on the command line.
struct ParseTr
{
    Q_DECLARE_TR_FUNCTIONS(Engine)
};

} // namespace Engine

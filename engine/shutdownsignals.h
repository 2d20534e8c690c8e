#pragma once

#include <QObject>

#include <functional>

namespace Engine {

/// Turns SIGTERM and SIGINT into a call of onSignal on receiver's thread (through a socket pair
/// and a QSocketNotifier: a signal handler may only write a byte). onSignal gets the number of
/// signals received so far, so a second signal can force the exit.
void installShutdownSignals(QObject *receiver, std::function<void(int count)> onSignal);

} // namespace Engine

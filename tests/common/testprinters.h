#pragma once

#include "engine/jobqueue.h"
#include "engine/jobstatus.h"

#include <QTest>

// Readable QCOMPARE failures for the engine's enums.
namespace QTest {
template<>
inline char *toString(const Engine::JobStatus &status)
{
    return qstrdup(qPrintable(Engine::statusName(status)));
}
template<>
inline char *toString(const Engine::FailureOutcome &outcome)
{
    static const char *const names[] = {"Retrying", "Failed", "LockLost"};
    return qstrdup(names[int(outcome)]);
}
template<>
inline char *toString(const Engine::ControlRequest &request)
{
    static const char *const names[] = {"None", "Pause", "Cancel"};
    return qstrdup(names[int(request)]);
}
} // namespace QTest

#pragma once

#include "engine/workerpool.h"

namespace Engine {

/// The parse pipeline as a job handler: ParseRun chunk by chunk from the job's checkpoint,
/// reporting every chunk (the pool decides when to write it). Callboard's worker command and
/// window pass it to their WorkerPool; other handlers (benchmarks, tests) use the same pool.
JobOutcome parsePlayHandler(JobContext &context);

} // namespace Engine

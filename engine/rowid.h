#pragma once

#include <QString>

namespace Engine {

/// Row ids: UUIDs as lowercase text, the form Prisma's uuid() gives. Both draw on the global
/// generator (seeded once from the system): QUuid::createUuid() asks the kernel for every id
/// (getrandom), which was a quarter of a bulk enqueue's client time.

/// For jobs: a random (version 4) UUID. People type the first characters of a job id, as with
/// git, so those must differ between jobs made together.
QString newJobId();

/// For the events and playbooks this process names (the SQL statements that write events in bulk
/// use gen_random_uuid()), which nobody types: a version 7 UUID (RFC 9562). Its first 48 bits
/// are the Unix time in milliseconds, so ids made one after another sort together and inserts
/// land on the right edge of the primary-key index instead of on a random page of it, which
/// keeps a big table's index writes (and their full-page WAL images after a checkpoint) small.
QString newTimeOrderedId();

} // namespace Engine

#pragma once

#include <QString>

namespace Engine {

/// A new row id: a version 7 UUID (RFC 9562) as lowercase text, the form Prisma's uuid() gives.
/// Its first 48 bits are the Unix time in milliseconds, so ids made one after another sort
/// together: inserts land on the right edge of the primary-key index instead of on a random
/// page of it, which keeps a big table's index writes (and their full-page WAL images after
/// each checkpoint) small. The other 74 bits are random.
QString newTimeOrderedId();

} // namespace Engine

#include "engine/timeorderedid.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QUuid>

#include <cstring>

namespace Engine {

QString newTimeOrderedId()
{
    // QUuid::createUuid() asks the kernel for every id (getrandom), a quarter of a bulk
    // enqueue's client time; the global generator is seeded from it once and is thread-safe.
    quint8 bytes[16];
    const quint64 ms = quint64(QDateTime::currentMSecsSinceEpoch());
    for (int i = 0; i < 6; ++i)
        bytes[i] = quint8(ms >> (40 - 8 * i));
    quint32 random[3];
    QRandomGenerator::global()->fillRange(random);
    std::memcpy(bytes + 6, random, 10);
    bytes[6] = quint8(0x70 | (bytes[6] & 0x0f)); // version 7
    bytes[8] = quint8(0x80 | (bytes[8] & 0x3f)); // RFC variant
    return QUuid::fromRfc4122(QByteArrayView(reinterpret_cast<const char *>(bytes), 16))
        .toString(QUuid::WithoutBraces);
}

} // namespace Engine

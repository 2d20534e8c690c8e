#include "engine/rowid.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QUuid>

#include <cstring>

namespace Engine {

namespace {

QString uuidText(quint8 (&bytes)[16], quint8 version)
{
    bytes[6] = quint8((version << 4) | (bytes[6] & 0x0f));
    bytes[8] = quint8(0x80 | (bytes[8] & 0x3f)); // RFC variant
    return QUuid::fromRfc4122(QByteArrayView(reinterpret_cast<const char *>(bytes), 16))
        .toString(QUuid::WithoutBraces);
}

} // namespace

QString newJobId()
{
    quint32 random[4];
    QRandomGenerator::global()->fillRange(random);
    quint8 bytes[16];
    std::memcpy(bytes, random, 16);
    return uuidText(bytes, 4);
}

QString newTimeOrderedId()
{
    quint8 bytes[16];
    const quint64 ms = quint64(QDateTime::currentMSecsSinceEpoch());
    for (int i = 0; i < 6; ++i)
        bytes[i] = quint8(ms >> (40 - 8 * i));
    quint32 random[3];
    QRandomGenerator::global()->fillRange(random);
    std::memcpy(bytes + 6, random, 10);
    return uuidText(bytes, 7);
}

} // namespace Engine

#include "engine/parse/chunker.h"

#include "engine/parse/sourcelines.h"

#include <algorithm>

namespace Engine {

QList<int> Chunker::chunkStarts(const SourceLines &lines, int chunkSize)
{
    QList<int> starts;
    const int count = lines.count();
    const int size = std::max(1, chunkSize);
    int start = 0;
    while (start < count) {
        starts.append(start);
        const int target = start + size;
        if (target >= count)
            break;
        const int hardEnd = std::min(count, start + 2 * size);
        int next = hardEnd;
        for (int i = target - 1; i < hardEnd; ++i) {
            if (lines.line(i).trimmed().isEmpty()) {
                next = i + 1;
                break;
            }
        }
        start = next;
    }
    return starts;
}

} // namespace Engine

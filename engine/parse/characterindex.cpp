#include "engine/parse/characterindex.h"

#include "engine/parse/linerecognizer.h"

namespace Engine {

void CharacterIndex::add(const QString &name, const QStringList &aliases)
{
    const int entry = m_size++;
    const auto hold = [&](const QString &label, bool byName) {
        const QString key = LineRecognizer::foldName(label);
        if (key.isEmpty())
            return;
        const auto it = m_keys.constFind(key);
        if (it == m_keys.cend() || (byName && !it->byName))
            m_keys.insert(key, {entry, byName});
    };
    hold(name, true);
    for (const QString &alias : aliases)
        hold(alias, false);
}

int CharacterIndex::find(QStringView label) const
{
    const auto it = m_keys.constFind(LineRecognizer::foldName(label));
    return it == m_keys.cend() ? -1 : it->entry;
}

} // namespace Engine

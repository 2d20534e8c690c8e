#include "engine/parse/selfintroductions.h"

#include "engine/parse/characterindex.h"
#include "engine/parse/linerecognizer.h"

#include <QHash>
#include <QRegularExpression>
#include <QSet>

namespace Engine {

namespace {

using Character = ParsingContext::Character;

// A person's name as printed in a speech: up to four capitalised words, titles like `Mrs.`
// included. A word that runs on into `'s` is a possessive (`Higgins's`), not a name. Latin
// letters only: the rules are those of English plays, and Unicode classes make every match
// several times slower.
QString namePattern()
{
    const QString upper = QStringLiteral("[A-Z\\x{C0}-\\x{D6}\\x{D8}-\\x{DE}]");
    const QString word = upper + QStringLiteral("[A-Za-z\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{FF}-]*");
    const QString title = upper + QStringLiteral("[A-Za-z]{0,3}\\.");
    return QStringLiteral("((?:(?:%1|%2)\\s+){0,3}%2)(?=\\s*(?:[.,!?;:]|--|\\x{2014}|$))").arg(title, word);
}

// The most a described label may still speak after its named label first appears: a printed
// play switches labels at a moment chosen by the author, not always at the introduction itself.
constexpr int MaxLateSpeeches = 2;
// Label changes between the two in the stretch where both are used: one person relabelled
// changes once (or flips back once or twice); two people in conversation change with every reply.
constexpr int MaxLabelChanges = 3;
constexpr int MinAnswersByName = 2;

QString folded(const QString &name)
{
    return LineRecognizer::foldName(name);
}

// `THE NOTE TAKER`, `A STRANGER`: a description rather than a name.
QString describedNoun(const Character &c)
{
    if (c.group)
        return {};
    const QString key = folded(c.name);
    for (const QLatin1String article : {QLatin1String("the "), QLatin1String("a "), QLatin1String("an ")}) {
        if (key.startsWith(article) && key.size() > article.size())
            return key.mid(article.size());
    }
    return {};
}

// The kin a `my <word>` introduction names, mapped to the labels the introducer may have had.
QStringList reciprocalKin(const QString &word)
{
    static const QHash<QString, QStringList> kin{
        {QStringLiteral("daughter"), {QStringLiteral("mother"), QStringLiteral("father")}},
        {QStringLiteral("son"), {QStringLiteral("mother"), QStringLiteral("father")}},
        {QStringLiteral("mother"), {QStringLiteral("daughter"), QStringLiteral("son")}},
        {QStringLiteral("father"), {QStringLiteral("daughter"), QStringLiteral("son")}},
        {QStringLiteral("wife"), {QStringLiteral("husband")}},
        {QStringLiteral("husband"), {QStringLiteral("wife")}},
        {QStringLiteral("niece"), {QStringLiteral("aunt"), QStringLiteral("uncle")}},
        {QStringLiteral("nephew"), {QStringLiteral("aunt"), QStringLiteral("uncle")}}};
    return kin.value(word);
}

// The spoken words of a speech on one line: bracketed directions dropped.
QString withoutDirections(const QString &text)
{
    QString out(text.size(), Qt::Uninitialized);
    QChar *to = out.data();
    int depth = 0;
    for (const QChar c : text) {
        if (c == u'[' || c == u'(') {
            ++depth;
        } else if (c == u']' || c == u')') {
            if (depth > 0)
                --depth;
        } else if (depth == 0) {
            *to++ = c == u'\n' ? QChar(u' ') : c;
        }
    }
    out.truncate(to - out.constData());
    return out.trimmed();
}

class Reading
{
public:
    Reading(const QList<PlaybookBuilder::Act> &acts, const QList<Character> &characters);

    QList<Character> join();

private:
    struct Speech
    {
        int entry;
        int scene;
        const QString *text;
    };

    QList<int> namesIn(const QString &phrase) const;
    int choose(int described, const QList<int> &names, int speech) const;
    QString plain(int speech) const { return withoutDirections(*m_speeches.at(speech).text); }
    int entryAt(int speech) const
    {
        return speech >= 0 && speech < m_speeches.size() ? m_speeches.at(speech).entry : -1;
    }
    bool takesOver(int described, int named) const;
    int introducedAs(int described) const;
    int answeredAs(int described) const;
    QStringList vocatives(int speech) const;
    void joinKin();
    bool accepts(int described, int named) const;

    const QList<Character> &m_characters;
    QList<Speech> m_speeches;
    QList<int> m_first;
    QList<int> m_last;
    QList<QString> m_nouns;          ///< per entry: the described noun, empty for a name
    QList<QString> m_lastNameWords; ///< per named entry: the last word of its name, to look for
    QList<QStringList> m_nameKeys;   ///< per named entry that speaks: its folded name and aliases
    QList<int> m_joinedTo;           ///< per entry: the named entry it joins, or -1
};

Reading::Reading(const QList<PlaybookBuilder::Act> &acts, const QList<Character> &characters)
    : m_characters(characters)
{
    CharacterIndex index;
    for (const Character &c : characters)
        index.add(c.name, c.aliases);
    const int n = int(characters.size());
    m_first.fill(-1, n);
    m_last.fill(-1, n);
    m_joinedTo.fill(-1, n);
    m_nouns.resize(n);
    for (int e = 0; e < n; ++e)
        m_nouns[e] = describedNoun(characters.at(e));
    QHash<QString, int> entries;
    int scene = 0;
    for (const PlaybookBuilder::Act &act : acts) {
        for (const PlaybookBuilder::Scene &s : act.scenes) {
            for (const PlaybookBuilder::Speech &sp : s.speeches) {
                // a play repeats a few dozen labels: fold each once, not once per speech
                auto known = entries.constFind(sp.speaker);
                if (known == entries.cend())
                    known = entries.insert(sp.speaker, index.find(sp.speaker));
                const int e = *known;
                const int i = int(m_speeches.size());
                m_speeches.append({e, scene, &sp.text});
                if (e >= 0) {
                    if (m_first.at(e) < 0)
                        m_first[e] = i;
                    m_last[e] = i;
                }
            }
            ++scene;
        }
    }
    m_nameKeys.resize(n);
    m_lastNameWords.resize(n);
    for (int e = 0; e < n; ++e) {
        if (characters.at(e).group || !m_nouns.at(e).isEmpty() || m_first.at(e) < 0)
            continue;
        m_nameKeys[e] << folded(characters.at(e).name);
        m_lastNameWords[e] = m_nameKeys.at(e).first().section(u' ', -1);
        for (const QString &alias : characters.at(e).aliases)
            m_nameKeys[e] << folded(alias);
    }
}

// The named entries a printed name may refer to: those whose name or alias appears in it as
// whole words, the longest keys only (`Mrs Higgins` names MRS HIGGINS, not HIGGINS). A full name
// can fit two labels (`Jane Smith`: JANE and her father SMITH); choose() decides between them.
QList<int> Reading::namesIn(const QString &phrase) const
{
    const QString key = u' ' + folded(phrase) + u' ';
    QList<int> found;
    qsizetype mostWords = 0;
    for (int e = 0; e < m_nameKeys.size(); ++e) {
        for (const QString &name : m_nameKeys.at(e)) {
            if (name.isEmpty() || !key.contains(u' ' + name + u' '))
                continue;
            const qsizetype words = name.count(u' ') + 1;
            if (words > mostWords) {
                found.clear();
                mostWords = words;
            }
            if (words == mostWords && !found.contains(e))
                found << e;
        }
    }
    return found;
}

// Which of the entries a name in `speech` may refer to is the described speaker's later label:
// one that takes over from it, and of several the one whose label appears nearest the speech
// (an author relabels a person about where the name becomes known).
int Reading::choose(int described, const QList<int> &names, int speech) const
{
    int best = -1;
    int bestDistance = 0;
    bool tie = false;
    for (const int e : names) {
        if (e == described || !takesOver(described, e))
            continue;
        const int distance = qAbs(m_first.at(e) - speech);
        if (best < 0 || distance < bestDistance) {
            best = e;
            bestDistance = distance;
            tie = false;
        } else if (distance == bestDistance) {
            tie = true;
        }
    }
    return tie ? -1 : best;
}

// The named label replaces the described one: it starts later, is still used after the described
// one stops, and the two do not take turns.
bool Reading::takesOver(int described, int named) const
{
    if (m_first.at(named) <= m_first.at(described) || m_last.at(named) <= m_last.at(described))
        return false;
    int late = 0;
    int changes = 0;
    int previous = -1;
    for (int i = m_first.at(described); i <= m_last.at(described); ++i) {
        const int e = m_speeches.at(i).entry;
        if (e != described && e != named)
            continue;
        if (previous >= 0 && e != previous)
            ++changes;
        previous = e;
        if (e == described && i > m_first.at(named))
            ++late;
    }
    return late <= MaxLateSpeeches && changes + 1 <= MaxLabelChanges;
}

// `I am Colonel Smith.`, `My name is Jack.`, `Call me Ishmael.`
int Reading::introducedAs(int described) const
{
    static const QRegularExpression intro(
        QStringLiteral("\\b(?i:i am|i'm|i\\x{2019}m|my name is|my name's|my name\\x{2019}s|call me)\\s+")
        + namePattern());
    static const QRegularExpression question(
        QStringLiteral("\\b(?:your name|who are you)\\b"), QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression answer(u'^' + namePattern());
    // Cheap case-sensitive tests first (`all me` for `Call me` and `call me`): most speeches
    // introduce nobody, and a regular expression or a caseless search costs many times more.
    const auto mayIntroduce = [](const QString &text) {
        return text.contains(u"I am") || text.contains(u"I'm") || text.contains(u"I\u2019m")
            || text.contains(u"name") || text.contains(u"all me");
    };
    const auto mayAsk = [](const QString &text) {
        return text.contains(u"name") || text.contains(u"ho are");
    };

    QSet<int> named;
    for (int i = m_first.at(described); i <= m_last.at(described); ++i) {
        if (m_speeches.at(i).entry != described)
            continue;
        if (mayIntroduce(*m_speeches.at(i).text)) {
            for (auto it = intro.globalMatch(plain(i)); it.hasNext();) {
                const int e = choose(described, namesIn(it.next().captured(1)), i);
                if (e >= 0)
                    named.insert(e);
            }
        }
        const int asker = entryAt(i - 1);
        if (asker >= 0 && asker != described && mayAsk(*m_speeches.at(i - 1).text)
            && plain(i - 1).contains(question)) {
            const QRegularExpressionMatch m = answer.match(plain(i));
            const int e = m.hasMatch() ? choose(described, namesIn(m.captured(1)), i) : -1;
            if (e >= 0 && e != asker)
                named.insert(e);
        }
    }
    return named.size() == 1 ? *named.cbegin() : -1;
}

// The names a speech calls someone by: `Thank you, John.`, `Oh, John!`, `John, come here.`
QStringList Reading::vocatives(int speech) const
{
    static const QRegularExpression vocative(
        QStringLiteral("(?:^|,\\s*|\\b(?i:oh|o|dear|please)\\s+)") + namePattern());
    QStringList names;
    for (auto it = vocative.globalMatch(plain(speech)); it.hasNext();)
        names << it.next().captured(1);
    return names;
}

// Other speakers reply to the described speaker by a name, and use that name after nobody else
// as often.
int Reading::answeredAs(int described) const
{
    QHash<int, int> votes;
    const int end = qMin(int(m_speeches.size()) - 1, m_last.at(described) + 1);
    for (int i = m_first.at(described) + 1; i <= end; ++i) {
        const int speaker = m_speeches.at(i).entry;
        if (m_speeches.at(i - 1).entry != described || speaker < 0 || speaker == described)
            continue;
        QSet<int> addressed;
        for (const QString &name : vocatives(i)) {
            const int e = choose(described, namesIn(name), i);
            if (e >= 0 && e != speaker)
                addressed.insert(e);
        }
        for (const int e : std::as_const(addressed))
            ++votes[e];
    }
    int best = -1;
    for (auto it = votes.cbegin(); it != votes.cend(); ++it) {
        if (it.value() < MinAnswersByName)
            continue;
        if (best >= 0)
            return -1; // two names for one speaker: something else is going on
        best = it.key();
    }
    if (best < 0)
        return -1;
    // The same name said after other speakers before it becomes a label: it may be theirs.
    QHash<int, int> elsewhere;
    for (int i = m_first.at(described) + 1; i < m_first.at(best); ++i) {
        const int speaker = m_speeches.at(i).entry;
        const int previous = m_speeches.at(i - 1).entry;
        if (previous == described || previous < 0 || speaker < 0 || speaker == previous)
            continue;
        // names are printed capitalised: a caseless search would cost more than it saves
        if (speaker == best || !m_speeches.at(i).text->contains(m_lastNameWords.at(best).mid(1)))
            continue;
        for (const QString &name : vocatives(i)) {
            if (namesIn(name).contains(best)) {
                ++elsewhere[previous];
                break;
            }
        }
    }
    for (const int n : std::as_const(elsewhere)) {
        if (n >= votes.value(best))
            return -1;
    }
    return best;
}

bool Reading::accepts(int described, int named) const
{
    if (named < 0 || named == described || !m_nouns.at(named).isEmpty()
        || m_characters.at(named).group)
        return false;
    if (!takesOver(described, named))
        return false;
    // Two described labels for one name must follow each other, never speak side by side.
    for (int other = 0; other < m_joinedTo.size(); ++other) {
        if (other == described || m_joinedTo.at(other) != named)
            continue;
        if (!(m_last.at(other) < m_first.at(described) || m_last.at(described) < m_first.at(other)))
            return false;
    }
    return true;
}

// `My daughter Clara.` from a named speaker, where Clara was first `THE DAUGHTER`: the speaker
// is the `THE MOTHER` or `THE FATHER` who was on with `THE DAUGHTER`.
void Reading::joinKin()
{
    static const QRegularExpression kinIntro(
        QStringLiteral("\\b(?i:my)\\s+([a-z]+)\\s+") + namePattern());
    for (int child = 0; child < m_joinedTo.size(); ++child) {
        const int named = m_joinedTo.at(child);
        if (named < 0)
            continue;
        const QString kin = m_nouns.at(child);
        const QStringList parents = reciprocalKin(kin);
        if (parents.isEmpty())
            continue;
        QSet<int> childScenes;
        for (int i = m_first.at(child); i <= m_last.at(child); ++i) {
            if (m_speeches.at(i).entry == child)
                childScenes.insert(m_speeches.at(i).scene);
        }
        int parent = -1;
        bool ambiguous = false;
        for (int e = 0; e < m_nouns.size() && !ambiguous; ++e) {
            if (m_joinedTo.at(e) >= 0 || !parents.contains(m_nouns.at(e)) || m_first.at(e) < 0)
                continue;
            bool together = false;
            for (int i = m_first.at(e); i <= m_last.at(e) && !together; ++i)
                together = m_speeches.at(i).entry == e && childScenes.contains(m_speeches.at(i).scene);
            if (!together)
                continue;
            ambiguous = parent >= 0; // two possible parents: the text does not say which
            parent = e;
        }
        if (parent < 0 || ambiguous)
            continue;
        QSet<int> introducers;
        for (int i = 0; i < m_speeches.size(); ++i) {
            const int speaker = m_speeches.at(i).entry;
            if (speaker < 0 || speaker == named || !m_nouns.at(speaker).isEmpty()
                || !m_speeches.at(i).text->contains(kin))
                continue;
            for (auto it = kinIntro.globalMatch(plain(i)); it.hasNext();) {
                const QRegularExpressionMatch m = it.next();
                if (m.captured(1) == kin && namesIn(m.captured(2)).contains(named))
                    introducers.insert(speaker);
            }
        }
        if (introducers.size() == 1 && accepts(parent, *introducers.cbegin()))
            m_joinedTo[parent] = *introducers.cbegin();
    }
}

QList<Character> Reading::join()
{
    bool any = false;
    for (int e = 0; e < m_nouns.size(); ++e) {
        if (m_nouns.at(e).isEmpty() || m_first.at(e) < 0)
            continue;
        int named = introducedAs(e);
        if (named < 0)
            named = answeredAs(e);
        if (accepts(e, named)) {
            m_joinedTo[e] = named;
            any = true;
        }
    }
    if (!any)
        return m_characters;
    joinKin();

    QList<Character> out = m_characters;
    QHash<QString, QString> renamed;
    for (int e = 0; e < out.size(); ++e) {
        const int named = m_joinedTo.at(e);
        if (named < 0)
            continue;
        Character &target = out[named];
        for (const QString &label : QStringList{m_characters.at(e).name} + m_characters.at(e).aliases) {
            if (!target.aliases.contains(label))
                target.aliases.append(label);
        }
        renamed.insert(m_characters.at(e).name, target.name);
    }
    for (Character &c : out) {
        for (QString &member : c.members)
            member = renamed.value(member, member);
    }
    for (int e = int(out.size()) - 1; e >= 0; --e) {
        if (m_joinedTo.at(e) >= 0)
            out.removeAt(e);
    }
    return out;
}

} // namespace

QList<ParsingContext::Character> SelfIntroductions::join(const QList<PlaybookBuilder::Act> &acts,
                                                         QList<ParsingContext::Character> characters)
{
    bool described = false;
    for (const Character &c : std::as_const(characters))
        described = described || !describedNoun(c).isEmpty();
    if (!described)
        return characters;
    return Reading(acts, characters).join();
}

} // namespace Engine

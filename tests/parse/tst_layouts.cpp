// The layout round-trip suite (issue #14): every truth playbook of shared/plays is printed in each
// layout family a published play uses, the built-in parser reads it back, and shared/plays/score.py
// scores the result against the truth. Every family must score >= 0.97 on every play.
//
// The renderer is deterministic (no clocks, no random numbers): a family's text for a play is the
// same on every run, so a failure is reproducible with CALLBOARD_LAYOUT_DUMP=<dir>, which keeps the
// rendered texts and the parsed playbooks.
#include "engine/parse/parserun.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace Engine;

namespace {

constexpr double Target = 0.97;

const QStringList PlaySlugs = {QStringLiteral("earnest"),   QStringLiteral("dolls-house"),
                               QStringLiteral("playboy"),   QStringLiteral("tartuffe"),
                               QStringLiteral("pygmalion"), QStringLiteral("hamlet"),
                               QStringLiteral("faust")};

enum class Family {
    CapsPeriod,      ///< `NAME. text`
    CapsColon,       ///< `NAME: text`
    MixedPeriod,     ///< `Name. text`
    Abbreviated,     ///< `Ham.` alone, speech below
    AloneCaps,       ///< `NAME.` alone, speech below
    AloneIndented,   ///< `NAME` alone, speech below indented
    WideGap,         ///< `NAME   text`
    InlineDirection, ///< `NAME (aside) text`, `NAME, [aside] text`, `NAME [sings] text` ...
    Centred,         ///< screenplay: centred name, speech below
    HeadingsEnglish, ///< `ACT I`, `Act 1`, `ACT ONE`, underlined, `SCENE II.—A room`, `Scene 2.`
    HeadingsFrench,  ///< `ACTE PREMIER`, `Scène 2`
    HeadingsGerman,  ///< `Erster Aufzug`, `Akt 2`, `Zweiter Auftritt`, `Szene 3.`
    Directions,      ///< `[..]`, `(..)`, `_.._`, indented paragraphs
    Verse,           ///< indented verse, split lines, songs
    Wrapped,         ///< hard-wrapped at 60-80 columns, tabs, CRLF, BOM
    PrintPages,      ///< page headers, footers and numbers, hyphenation at line ends
    FrontBackMatter, ///< title page, credits, contents, cast list with actors, preface, licence
};

struct FamilyInfo
{
    Family family;
    const char *name;
};

const FamilyInfo Families[] = {
    {Family::CapsPeriod, "caps-period"},
    {Family::CapsColon, "caps-colon"},
    {Family::MixedPeriod, "mixed-period"},
    {Family::Abbreviated, "abbreviated"},
    {Family::AloneCaps, "alone-caps"},
    {Family::AloneIndented, "alone-indented"},
    {Family::WideGap, "wide-gap"},
    {Family::InlineDirection, "inline-direction"},
    {Family::Centred, "centred"},
    {Family::HeadingsEnglish, "headings-en"},
    {Family::HeadingsFrench, "headings-fr"},
    {Family::HeadingsGerman, "headings-de"},
    {Family::Directions, "directions"},
    {Family::Verse, "verse"},
    {Family::Wrapped, "wrapped"},
    {Family::PrintPages, "print-pages"},
    {Family::FrontBackMatter, "front-back-matter"},
};

// Lower-case words that continue a speech past its incipit, so that speeches fill lines.
const QStringList Filler = {
    QStringLiteral("and so it goes on through the whole of the long evening"),
    QStringLiteral("though nobody here would ever say so out loud"),
    QStringLiteral("for that is how things stand between us now"),
    QStringLiteral("and there is an end of the matter for today"),
    QStringLiteral("whatever the neighbours may think of it all"),
    QStringLiteral("as anyone with eyes in their head can see"),
};

const QStringList DirectionTexts = {
    QStringLiteral("A pause. The light changes slowly."),
    QStringLiteral("Someone knocks at the door, then goes away."),
    QStringLiteral("Crossing to the window and looking out."),
    QStringLiteral("The clock strikes; nobody moves."),
};

QString roman(int n)
{
    static const char *ones[] = {"", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"};
    static const char *tens[] = {"", "X", "XX", "XXX", "XL", "L"};
    return QString::fromLatin1(tens[(n / 10) % 6]) + QString::fromLatin1(ones[n % 10]);
}

QString englishNumber(int n)
{
    static const char *words[] = {"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX",
                                  "SEVEN", "EIGHT", "NINE", "TEN"};
    return n <= 10 ? QString::fromLatin1(words[n]) : QString::number(n);
}

QString frenchOrdinal(int n, bool feminine)
{
    if (n == 1)
        return feminine ? QStringLiteral("PREMIÈRE") : QStringLiteral("PREMIER");
    static const char *words[] = {"", "", "DEUXIÈME", "TROISIÈME", "QUATRIÈME", "CINQUIÈME"};
    return n <= 5 ? QString::fromUtf8(words[n]) : QString::number(n);
}

QString germanOrdinal(int n)
{
    static const char *words[] = {"",         "Erster",    "Zweiter", "Dritter", "Vierter",
                                  "Fünfter",  "Sechster",  "Siebenter", "Achter", "Neunter",
                                  "Zehnter",  "Elfter",    "Zwölfter"};
    return n <= 12 ? QString::fromUtf8(words[n]) : QString::number(n) + u'.';
}

// Bracketed parts dropped and a list joined with "and": the name as a label prints it.
QString labelName(const QString &speaker)
{
    static const QRegularExpression brackets(QStringLiteral("\\s*[\\(\\[][^\\)\\]]*[\\)\\]]"));
    QString s = speaker;
    s.remove(brackets);
    s.replace(QStringLiteral(", "), QStringLiteral(" and "));
    return s.simplified();
}

// `Rosencrantz` -> `Ros.`: every long word cut to the shortest prefix (3 letters or more) that no
// other character's label shares.
QHash<QString, QString> abbreviations(const QStringList &names)
{
    QHash<QString, QString> out;
    for (const QString &name : names) {
        for (int len = 3; len <= 12; ++len) {
            QStringList words;
            for (const QString &w : name.split(u' ', Qt::SkipEmptyParts))
                words << (w.size() > len + 1 && w.at(0).isUpper() ? w.left(len) + u'.' : w);
            const QString candidate = words.join(u' ');
            bool clash = false;
            for (const QString &other : names) {
                if (other == name)
                    continue;
                QStringList ow;
                for (const QString &w : other.split(u' ', Qt::SkipEmptyParts))
                    ow << (w.size() > len + 1 && w.at(0).isUpper() ? w.left(len) + u'.' : w);
                if (ow.join(u' ').compare(candidate, Qt::CaseInsensitive) == 0
                    || other.startsWith(candidate.chopped(candidate.endsWith(u'.') ? 1 : 0), Qt::CaseInsensitive))
                    clash = true;
            }
            if (!clash || len == 12) {
                out.insert(name, candidate.endsWith(u'.') ? candidate : candidate + u'.');
                break;
            }
        }
    }
    return out;
}

QStringList wrap(const QString &text, int width)
{
    QStringList lines;
    QString current;
    for (const QString &word : text.split(u' ', Qt::SkipEmptyParts)) {
        if (!current.isEmpty() && current.size() + 1 + word.size() > width) {
            lines << current;
            current.clear();
        }
        if (!current.isEmpty())
            current += u' ';
        current += word;
    }
    if (!current.isEmpty())
        lines << current;
    return lines;
}

/// Prints one truth playbook in one layout family.
class Renderer
{
public:
    Renderer(const QJsonObject &truth, Family family)
        : m_truth(truth)
        , m_family(family)
    {
        QStringList names;
        for (const QJsonValue &c : truth.value(QStringLiteral("characters")).toArray())
            names << labelName(c.toObject().value(QStringLiteral("name")).toString());
        m_abbrev = abbreviations(names);
    }

    QString render()
    {
        frontMatter();
        const QJsonArray structure = m_truth.value(QStringLiteral("structure")).toArray();
        const QJsonArray speeches = m_truth.value(QStringLiteral("speeches")).toArray();
        int next = 0;
        int actNumber = 0;
        for (int ai = 0; ai < structure.size(); ++ai) {
            const QJsonObject act = structure.at(ai).toObject();
            if (act.value(QStringLiteral("explicit")).toBool())
                actHeading(++actNumber);
            const QJsonArray scenes = act.value(QStringLiteral("scenes")).toArray();
            int sceneNumber = 0;
            for (int si = 0; si < scenes.size(); ++si) {
                const QJsonObject scene = scenes.at(si).toObject();
                if (scene.value(QStringLiteral("explicit")).toBool())
                    sceneHeading(++sceneNumber, scene.value(QStringLiteral("title")).toString());
                direction(m_directionCount);
                int inScene = 0;
                while (next < speeches.size()) {
                    const QJsonObject sp = speeches.at(next).toObject();
                    if (sp.value(QStringLiteral("act")).toInt() != ai
                        || sp.value(QStringLiteral("scene")).toInt() != si)
                        break;
                    speech(sp, next);
                    ++next;
                    if (++inScene % 7 == 0)
                        direction(m_directionCount);
                }
            }
        }
        backMatter();
        QString text = m_lines.join(u'\n') + u'\n';
        if (m_family == Family::Wrapped) {
            text.replace(u'\n', QStringLiteral("\r\n"));
            text.prepend(QChar(0xFEFF));
        }
        return text;
    }

private:
    void line(const QString &s = QString())
    {
        m_lines << s;
        if (m_family != Family::PrintPages)
            return;
        // A page of 50 lines: running head above, page number below (as OCR keeps them).
        if (++m_pageLines >= 50) {
            m_pageLines = 0;
            ++m_page;
            m_lines << QString() << QStringLiteral("%1").arg(m_page, 40) << QString()
                    << QStringLiteral("\f") << title().toUpper() + QStringLiteral("          ")
                           + QString::number(m_page + 1)
                    << QString();
        }
    }
    void blank() { line(); }

    QString title() const { return m_truth.value(QStringLiteral("title")).toString(); }

    void frontMatter()
    {
        if (m_family == Family::FrontBackMatter) {
            line(QStringLiteral("The Open Stage Library edition, prepared by M. Example, 2011."));
            line(QStringLiteral("Transcribed from the edition of 1904 (London: Example & Co.)."));
            blank();
            blank();
            blank();
        }
        line(title().toUpper());
        blank();
        blank();
        if (m_family != Family::FrontBackMatter) {
            line(QStringLiteral("A PLAY"));
            blank();
            blank();
            return;
        }
        line(QStringLiteral("A Play in Several Acts"));
        blank();
        line(QStringLiteral("by An Author"));
        blank();
        line(QStringLiteral("Edited with notes by A. Scholar, M.A."));
        line(QStringLiteral("First published 1904.  Reprinted 1911, 1923."));
        line(QStringLiteral("Copyright 1904 by Example & Co."));
        blank();
        blank();
        line(QStringLiteral("CONTENTS"));
        blank();
        const QJsonArray structure = m_truth.value(QStringLiteral("structure")).toArray();
        int page = 5;
        for (int ai = 0; ai < structure.size(); ++ai) {
            if (structure.at(ai).toObject().value(QStringLiteral("explicit")).toBool())
                line(QStringLiteral("ACT %1 .......... %2").arg(roman(ai + 1)).arg(page += 23));
        }
        line(QStringLiteral("Preface .......... 1"));
        blank();
        blank();
        const int slugHash = int(qHash(m_truth.value(QStringLiteral("slug")).toString(), 0) % 3);
        static const char *headings[] = {"DRAMATIS PERSONAE", "Characters in the Play", "Personen."};
        line(QString::fromUtf8(headings[slugHash]));
        blank();
        int k = 0;
        for (const QJsonValue &cv : m_truth.value(QStringLiteral("characters")).toArray()) {
            const QJsonObject c = cv.toObject();
            if (c.value(QStringLiteral("kind")).toString() == QLatin1String("group"))
                continue;
            const QString name = labelName(c.value(QStringLiteral("name")).toString());
            line(QStringLiteral("%1, a person of the play .......... Mr. Actor %2")
                     .arg(k % 2 ? name.toUpper() : name)
                     .arg(QChar(u'A' + k % 26)));
            ++k;
        }
        blank();
        blank();
        line(QStringLiteral("PREFACE"));
        blank();
        for (const QString &l : wrap(QStringLiteral(
                 "This play was first acted in 1904. The present text follows the first edition; "
                 "obvious misprints have been corrected and the spelling of the names made "
                 "consistent. The editor thanks the library for the loan of the prompt copy."),
                 70))
            line(l);
        blank();
        line(QStringLiteral("A. S., Oxford, 1911."));
        blank();
        blank();
        blank();
    }

    void backMatter()
    {
        blank();
        line(QStringLiteral("THE END"));
        blank();
        if (m_family != Family::FrontBackMatter)
            return;
        blank();
        blank();
        line(QStringLiteral("LICENCE"));
        blank();
        for (const QString &l : wrap(QStringLiteral(
                 "This electronic edition is in the public domain in the United States. You may "
                 "copy it, give it away or re-use it under the terms of the licence included with "
                 "this file. Section 1. General terms of use and redistribution of this work."),
                 70))
            line(l);
        blank();
        line(QStringLiteral("END OF THE LICENCE"));
    }

    void actHeading(int n)
    {
        blank();
        blank();
        switch (m_family) {
        case Family::HeadingsEnglish:
            switch (n % 4) {
            case 1: line(QStringLiteral("ACT %1").arg(roman(n))); break;
            case 2: line(QStringLiteral("Act %1").arg(n)); break;
            case 3: line(QStringLiteral("ACT %1").arg(englishNumber(n))); break;
            default:
                line(QStringLiteral("ACT %1").arg(n));
                line(QStringLiteral("====="));
                break;
            }
            break;
        case Family::HeadingsFrench:
            line(n % 2 ? QStringLiteral("ACTE %1").arg(frenchOrdinal(n, false))
                       : QStringLiteral("Acte %1").arg(roman(n)));
            break;
        case Family::HeadingsGerman:
            line(n % 2 ? QStringLiteral("%1 Aufzug").arg(germanOrdinal(n)) : QStringLiteral("Akt %1.").arg(n));
            break;
        case Family::Centred:
            line(QString(30, u' ') + QStringLiteral("ACT %1").arg(roman(n)));
            break;
        default:
            line(QStringLiteral("ACT %1.").arg(roman(n)));
            break;
        }
        blank();
    }

    void sceneHeading(int n, const QString &title)
    {
        blank();
        // A title that is not just "Scene 3" is a place (`Nacht.`) and follows the number.
        const bool place = !title.startsWith(QStringLiteral("Scene"), Qt::CaseInsensitive);
        QString where = place ? title : QString();
        while (where.endsWith(u'.'))
            where.chop(1);
        switch (m_family) {
        case Family::HeadingsEnglish:
            if (n % 2)
                line(QStringLiteral("SCENE %1.\u2014%2").arg(roman(n), where.isEmpty() ? QStringLiteral("A room") : where));
            else
                line(QStringLiteral("Scene %1.").arg(n));
            break;
        case Family::HeadingsFrench:
            line(n % 2 ? QStringLiteral("SCÈNE %1").arg(frenchOrdinal(n, true))
                       : QStringLiteral("Scène %1").arg(roman(n)));
            break;
        case Family::HeadingsGerman:
            line(n % 2 && n <= 12 ? QStringLiteral("%1 Auftritt").arg(germanOrdinal(n))
                       : QStringLiteral("Szene %1.").arg(n));
            break;
        case Family::Centred:
            line(QString(30, u' ') + QStringLiteral("SCENE %1").arg(roman(n)));
            break;
        default:
            line(where.isEmpty() ? QStringLiteral("SCENE %1.").arg(roman(n))
                                 : QStringLiteral("SCENE %1. %2.").arg(roman(n), where));
            break;
        }
        blank();
    }

    void direction(int &count)
    {
        const QString text = DirectionTexts.at(count % DirectionTexts.size());
        const int style = m_family == Family::Directions ? count % 4 : 0;
        ++count;
        switch (style) {
        case 0: line(QStringLiteral("[%1]").arg(text)); break;
        case 1: line(QStringLiteral("(%1)").arg(text)); break;
        case 2: line(QStringLiteral("_%1_").arg(text)); break;
        default:
            for (const QString &l : wrap(text + QStringLiteral(" Then everything is still again."), 40))
                line(QStringLiteral("        ") + l);
            break;
        }
        blank();
    }

    QString speechText(const QJsonObject &sp, int index) const
    {
        QString t = sp.value(QStringLiteral("incipit")).toString();
        if (t.isEmpty())
            t = QStringLiteral("well");
        t[0] = t.at(0).toUpper();
        const int fill = index % 4;
        for (int k = 0; k < fill; ++k)
            t += QStringLiteral(", ") + Filler.at((index + k) % Filler.size());
        return t + u'.';
    }

    void speech(const QJsonObject &sp, int index)
    {
        const QString name = labelName(sp.value(QStringLiteral("speaker")).toString());
        const QString caps = name.toUpper();
        const QString text = speechText(sp, index);
        switch (m_family) {
        case Family::CapsColon:
            for (const QString &l : wrap(caps + QStringLiteral(": ") + text, 72))
                line(l);
            break;
        case Family::MixedPeriod:
            for (const QString &l : wrap(name + QStringLiteral(". ") + text, 72))
                line(l);
            break;
        case Family::Abbreviated:
            line(m_abbrev.value(name, name + u'.'));
            for (const QString &l : wrap(text, 60))
                line(l);
            break;
        case Family::AloneCaps:
            line(caps + u'.');
            for (const QString &l : wrap(text, 66))
                line(l);
            break;
        case Family::AloneIndented:
            line(caps);
            for (const QString &l : wrap(text, 60))
                line(QStringLiteral("    ") + l);
            break;
        case Family::WideGap: {
            const QStringList lines = wrap(text, 56);
            const int col = 24;
            line(caps + QString(qMax(2, col - int(caps.size())), u' ') + lines.first());
            for (int k = 1; k < lines.size(); ++k)
                line(QString(col, u' ') + lines.at(k));
            break;
        }
        case Family::InlineDirection: {
            static const char *forms[] = {"%1 (aside) %2", "%1, [aside] %2", "%1 [sings] %2",
                                          "%1, [as the stranger] %2", "%1. %2"};
            const QString l = QString::fromLatin1(forms[index % 5]).arg(caps, text);
            for (const QString &w : wrap(l, 72))
                line(w);
            break;
        }
        case Family::Centred:
            line(QString(qMax(4, 36 - int(caps.size()) / 2), u' ') + caps);
            for (const QString &l : wrap(text, 50))
                line(QString(12, u' ') + l);
            break;
        case Family::Verse: {
            line(QStringLiteral("  ") + caps + u'.');
            const QStringList words = text.split(u' ', Qt::SkipEmptyParts);
            const bool song = index % 9 == 4;
            // A verse line shared with the previous speaker continues where that one stopped.
            QString indent = index % 5 == 2 ? QString(24, u' ') : QStringLiteral("    ");
            for (int k = 0; k < words.size(); k += 5) {
                if (song && k > 0 && k % 10 == 0)
                    line();
                line((song ? QStringLiteral("        ") : indent) + words.mid(k, 5).join(u' '));
                indent = QStringLiteral("    ");
            }
            break;
        }
        case Family::Wrapped: {
            const int width = 60 + (index * 7) % 21;
            const QStringList lines = wrap(caps + QStringLiteral(".\t") + text, width);
            for (int k = 0; k < lines.size(); ++k)
                line(k == 0 ? lines.at(k) : (index % 3 == 0 ? QStringLiteral("\t") : QString()) + lines.at(k));
            break;
        }
        case Family::PrintPages: {
            // Long words broken with a hyphen at the line end.
            QStringList lines = wrap(caps + QStringLiteral(". ") + text, 64);
            for (int k = 0; k + 1 < lines.size(); ++k) {
                QString &next = lines[k + 1];
                const qsizetype space = next.indexOf(u' ');
                const QString word = space < 0 ? next : next.left(space);
                if (word.size() >= 7 && word.at(0).isLower()) {
                    lines[k] += u' ' + word.left(3) + u'-';
                    next = word.mid(3) + (space < 0 ? QString() : next.mid(space));
                }
            }
            for (const QString &l : lines)
                line(l);
            break;
        }
        case Family::CapsPeriod:
        case Family::HeadingsEnglish:
        case Family::HeadingsFrench:
        case Family::HeadingsGerman:
        case Family::Directions:
        case Family::FrontBackMatter:
            for (const QString &l : wrap(caps + QStringLiteral(". ") + text, 72))
                line(l);
            break;
        }
        blank();
    }

    const QJsonObject m_truth;
    const Family m_family;
    QHash<QString, QString> m_abbrev;
    QStringList m_lines;
    int m_directionCount = 0;
    int m_pageLines = 0;
    int m_page = 0;
};

QJsonObject parseAll(const QString &text, QString *error)
{
    ParseError err;
    auto run = ParseRun::begin(text, QJsonObject{{QStringLiteral("chunkSize"), 200}}, &err);
    if (!run) {
        *error = err.message;
        return {};
    }
    while (!run->finished()) {
        if (!run->runNextChunk(nullptr, &err)) {
            *error = err.message;
            return {};
        }
    }
    return run->playbook();
}

} // namespace

class TestLayouts : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip()
    {
        const QString playsDir = qEnvironmentVariable("CALLBOARD_PLAYS_DIR", QStringLiteral(CALLBOARD_PLAYS_DIR));
        const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
        if (python.isEmpty())
            QSKIP("python3 is not installed");
        QVERIFY2(QFile::exists(playsDir + QStringLiteral("/score.py")), qPrintable(playsDir));

        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        QString outDir = qEnvironmentVariable("CALLBOARD_LAYOUT_DUMP");
        if (outDir.isEmpty())
            outDir = tmp.path();
        QDir().mkpath(outDir);

        const QString onlyFamily = qEnvironmentVariable("CALLBOARD_LAYOUT_FAMILY");
        QString manifest;
        for (const QString &slug : PlaySlugs) {
            QFile f(playsDir + u'/' + slug + QStringLiteral(".truth.json"));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QJsonObject truth = QJsonDocument::fromJson(f.readAll()).object();
            for (const FamilyInfo &fi : Families) {
                const QString family = QString::fromLatin1(fi.name);
                if (!onlyFamily.isEmpty() && family != onlyFamily)
                    continue;
                const QString text = Renderer(truth, fi.family).render();
                // Deterministic: a second rendering is the same text.
                QCOMPARE(Renderer(truth, fi.family).render(), text);
                const QString base = outDir + u'/' + slug + u'.' + family;
                QFile t(base + QStringLiteral(".txt"));
                QVERIFY(t.open(QIODevice::WriteOnly));
                t.write(text.toUtf8());
                QString error;
                QJsonObject playbook = parseAll(text, &error);
                if (playbook.isEmpty()) {
                    // Scored as an empty playbook (0), so the table still shows every pair.
                    qWarning().noquote() << slug << family << error;
                    playbook = QJsonObject{{QStringLiteral("title"), QJsonValue::Null},
                                           {QStringLiteral("characters"), QJsonArray()},
                                           {QStringLiteral("acts"), QJsonArray()}};
                }
                QFile p(base + QStringLiteral(".json"));
                QVERIFY(p.open(QIODevice::WriteOnly));
                p.write(QJsonDocument(playbook).toJson());
                manifest += family + u'/' + slug + u'\t' + f.fileName() + u'\t' + p.fileName() + u'\n';
            }
        }
        const QString manifestPath = outDir + QStringLiteral("/manifest.tsv");
        {
            QFile m(manifestPath);
            QVERIFY(m.open(QIODevice::WriteOnly));
            m.write(manifest.toUtf8());
        }
        QProcess score;
        score.start(python, {QStringLiteral(CALLBOARD_LAYOUT_SCORER), playsDir, manifestPath});
        QVERIFY(score.waitForFinished(600000));
        QVERIFY2(score.exitCode() == 0, score.readAllStandardError().constData());

        QHash<QString, double> scores;
        QHash<QString, QJsonObject> details;
        for (const QByteArray &l : score.readAllStandardOutput().split('\n')) {
            if (l.trimmed().isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(l).object();
            scores.insert(o.value(QStringLiteral("tag")).toString(), o.value(QStringLiteral("score")).toDouble());
            details.insert(o.value(QStringLiteral("tag")).toString(), o);
        }

        // The table: one row per family, one column per play, and the family's lowest score.
        QString table = QStringLiteral("\n%1").arg(QStringLiteral("family"), -18);
        for (const QString &slug : PlaySlugs)
            table += QStringLiteral("%1").arg(slug.left(8), 9);
        table += QStringLiteral("   lowest\n");
        QStringList failures;
        for (const FamilyInfo &fi : Families) {
            const QString family = QString::fromLatin1(fi.name);
            if (!onlyFamily.isEmpty() && family != onlyFamily)
                continue;
            table += QStringLiteral("%1").arg(family, -18);
            double lowest = 1.0;
            for (const QString &slug : PlaySlugs) {
                const QString tag = family + u'/' + slug;
                const double s = scores.value(tag, -1);
                lowest = qMin(lowest, s);
                table += QStringLiteral("%1").arg(s, 9, 'f', 4);
                if (s < Target) {
                    failures << tag + QStringLiteral(": ")
                                    + QString::fromUtf8(QJsonDocument(details.value(tag)).toJson(QJsonDocument::Compact));
                }
            }
            table += QStringLiteral("   %1\n").arg(lowest, 0, 'f', 4);
        }
        qInfo().noquote() << table;
        for (const QString &f : std::as_const(failures))
            qWarning().noquote() << f;
        QVERIFY2(failures.isEmpty(), qPrintable(QStringLiteral("%1 family/play pairs below %2")
                                                    .arg(failures.size())
                                                    .arg(Target)));
    }
};

QTEST_GUILESS_MAIN(TestLayouts)
#include "tst_layouts.moc"

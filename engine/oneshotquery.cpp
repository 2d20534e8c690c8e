#include "engine/oneshotquery.h"


#include <QSqlDriver>
#include <QSqlField>
#include <QSqlQuery>

#include <algorithm>

namespace Engine {

namespace {

bool startsName(QChar c)
{
    return c.isLetter() || c == QLatin1Char('_');
}

bool continuesName(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('_');
}

/// The index just past the quoted run that opens at `from` (quote ' or "; a doubled quote is
/// part of the run).
qsizetype skipQuoted(const QString &sql, qsizetype from)
{
    const QChar quote = sql.at(from);
    qsizetype i = from + 1;
    while (i < sql.size()) {
        if (sql.at(i) == quote) {
            if (i + 1 < sql.size() && sql.at(i + 1) == quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        ++i;
    }
    return i;
}

} // namespace

QString inlinePlaceholders(const QString &sql, const Bindings &bindings,
                           const std::function<QString(const QVariant &)> &format)
{
    QString out;
    out.reserve(sql.size() + 64);
    qsizetype i = 0;
    while (i < sql.size()) {
        const QChar c = sql.at(i);
        if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
            const qsizetype end = skipQuoted(sql, i);
            out += QStringView(sql).mid(i, end - i);
            i = end;
            continue;
        }
        if (c == QLatin1Char('-') && i + 1 < sql.size() && sql.at(i + 1) == QLatin1Char('-')) {
            qsizetype end = sql.indexOf(QLatin1Char('\n'), i);
            end = end < 0 ? sql.size() : end;
            out += QStringView(sql).mid(i, end - i);
            i = end;
            continue;
        }
        const bool placeholder = c == QLatin1Char(':') && i + 1 < sql.size()
            && startsName(sql.at(i + 1)) && (i == 0 || sql.at(i - 1) != QLatin1Char(':'));
        if (!placeholder) {
            out += c;
            ++i;
            continue;
        }
        qsizetype end = i + 1;
        while (end < sql.size() && continuesName(sql.at(end)))
            ++end;
        const QStringView name = QStringView(sql).mid(i, end - i);
        const auto bound = std::find_if(bindings.cbegin(), bindings.cend(),
                                        [&](const auto &binding) { return binding.first == name; });
        out += bound == bindings.cend() ? name.toString() : format(bound->second);
        i = end;
    }
    return out;
}

bool execOneShot(QSqlQuery &query, const QString &sql, const Bindings &bindings)
{
    const QSqlDriver *driver = query.driver();
    if (!driver || driver->dbmsType() != QSqlDriver::PostgreSQL) {
        if (!query.prepare(sql))
            return false;
        for (const auto &[name, value] : bindings)
            query.bindValue(name, value);
        return query.exec();
    }
    if (bindings.isEmpty())
        return query.exec(sql);
    return query.exec(inlinePlaceholders(sql, bindings, [driver](const QVariant &value) {
        QSqlField field(QString(), value.metaType());
        field.setValue(value);
        return driver->formatValue(field);
    }));
}

} // namespace Engine

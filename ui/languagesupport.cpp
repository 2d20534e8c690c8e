#include "ui/languagesupport.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace LanguageSupport {

QStringList availableLanguages()
{
    return {QStringLiteral("de"), QStringLiteral("fr")};
}

bool install(const QString &lang)
{
    static QList<QTranslator *> installed;
    for (QTranslator *translator : std::as_const(installed)) {
        QCoreApplication::removeTranslator(translator);
        delete translator;
    }
    installed.clear();

    const QLocale locale = lang.isEmpty() ? QLocale::system() : QLocale(lang);
    if (!lang.isEmpty())
        QLocale::setDefault(locale);
    auto *app = QCoreApplication::instance();
    auto *own = new QTranslator(app);
    const bool loaded = own->load(locale, QStringLiteral("callboard"), QStringLiteral("_"),
                                  QStringLiteral(":/i18n"));
    if (loaded) {
        QCoreApplication::installTranslator(own);
        installed << own;
    } else {
        delete own;
    }
    // Qt's own strings (dialog buttons, context menus of line edits).
    auto *qt = new QTranslator(app);
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(qt);
        installed << qt;
    } else {
        delete qt;
    }
    return loaded;
}

} // namespace LanguageSupport

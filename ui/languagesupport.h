#pragma once

#include <QString>
#include <QStringList>

/// Callboard's translations (compiled into the ui library under :/i18n) and Qt's own.
namespace LanguageSupport {

/// Languages with a translation besides the English source.
QStringList availableLanguages();
/// Installs the translators for lang ("de", "fr_CH", …; empty: the system locale) on the
/// application, replacing what an earlier call installed. Returns false when no Callboard
/// translation matched (English then, which is not an error for an English locale).
bool install(const QString &lang);

} // namespace LanguageSupport

#pragma once

#include "engine/databaseurl.h"

#include <QString>

/// The desktop start-up: QApplication, translators (system locale, lang overrides), the main
/// window on url with an embedded worker pool of `workers` threads (negative: the saved count,
/// default 2; 0: monitor only), and the event loop. Returns the exit code.
int runGui(int argc, char **argv, const Engine::DatabaseUrl &url, const QString &lang, int workers);

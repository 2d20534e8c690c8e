#include "engine/logging.h"

Q_LOGGING_CATEGORY(lcDb, "callboard.db", QtInfoMsg)
Q_LOGGING_CATEGORY(lcQueue, "callboard.queue", QtInfoMsg)
Q_LOGGING_CATEGORY(lcWorker, "callboard.worker", QtInfoMsg)
Q_LOGGING_CATEGORY(lcNotify, "callboard.notify", QtInfoMsg)

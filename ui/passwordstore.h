#pragma once

#include "engine/databaseurl.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

/// Database passwords in the system keychain (qtkeychain), never in QSettings. Without a
/// keychain (no Secret Service, no D-Bus, built without qtkeychain) reads fail and the caller
/// asks the person again.
namespace PasswordStore {

bool isAvailable();
/// The keychain entry of a connection: "postgres://user@host:port/db".
QString key(const Engine::DatabaseUrl &url);
/// Calls done(password or nullopt, error) later, in context's thread.
void read(const QString &key, QObject *context,
          std::function<void(std::optional<QString>, QString)> done);
void write(const QString &key, const QString &password, QObject *context,
           std::function<void(bool, QString)> done = {});

} // namespace PasswordStore

#include "ui/passwordstore.h"

#include <QCoreApplication>
#include <QPointer>
#include <QTimer>

#ifdef CALLBOARD_HAVE_KEYCHAIN
#include <qt6keychain/keychain.h>
#endif

namespace {
const QString kService = QStringLiteral("Callboard");
}

namespace PasswordStore {

bool isAvailable()
{
#ifdef CALLBOARD_HAVE_KEYCHAIN
    return true;  // qtkeychain 0.13 cannot tell without trying: a read reports the failure
#else
    return false;
#endif
}

QString key(const Engine::DatabaseUrl &url)
{
    return QStringLiteral("postgres://%1@%2:%3/%4")
        .arg(url.user, url.host)
        .arg(url.port)
        .arg(url.database);
}

void read(const QString &key, QObject *context,
          std::function<void(std::optional<QString>, QString)> done)
{
#ifdef CALLBOARD_HAVE_KEYCHAIN
    auto *job = new QKeychain::ReadPasswordJob(kService);
    job->setAutoDelete(true);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, context, [done](QKeychain::Job *finished) {
        auto *readJob = static_cast<QKeychain::ReadPasswordJob *>(finished);
        if (readJob->error() == QKeychain::NoError)
            done(readJob->textData(), QString());
        else
            done(std::nullopt, readJob->errorString());
    });
    job->start();
#else
    Q_UNUSED(key)
    QTimer::singleShot(0, context, [done] {
        done(std::nullopt, QCoreApplication::translate("PasswordStore",
                                                       "This build has no keychain support"));
    });
#endif
}

void write(const QString &key, const QString &password, QObject *context,
           std::function<void(bool, QString)> done)
{
#ifdef CALLBOARD_HAVE_KEYCHAIN
    auto *job = new QKeychain::WritePasswordJob(kService);
    job->setAutoDelete(true);
    job->setKey(key);
    job->setTextData(password);
    QObject::connect(job, &QKeychain::Job::finished, context, [done](QKeychain::Job *finished) {
        if (done)
            done(finished->error() == QKeychain::NoError, finished->errorString());
    });
    job->start();
#else
    Q_UNUSED(key)
    Q_UNUSED(password)
    QTimer::singleShot(0, context, [done] {
        if (done)
            done(false, QCoreApplication::translate("PasswordStore",
                                                    "This build has no keychain support"));
    });
#endif
}

} // namespace PasswordStore

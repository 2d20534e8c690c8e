// Debugging aid: parses one file with the heuristic provider and prints the playbook JSON.
#include "engine/parse/parserun.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QTextStream>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        QTextStream(stderr) << "usage: parse_dump FILE [CHUNK_SIZE]\n";
        return 2;
    }
    QFile file(args.at(1));
    if (!file.open(QIODevice::ReadOnly)) {
        QTextStream(stderr) << "cannot open " << args.at(1) << '\n';
        return 1;
    }
    const QString text = QString::fromUtf8(file.readAll());
    QJsonObject config;
    if (args.size() > 2)
        config.insert(QStringLiteral("chunkSize"), args.at(2).toInt());
    Engine::ParseError error;
    auto run = Engine::ParseRun::begin(text, config, &error);
    while (run && !run->finished()) {
        if (!run->runNextChunk(nullptr, &error))
            run.reset();
    }
    if (!run) {
        QTextStream(stderr) << "error: " << error.message << '\n';
        return 1;
    }
    QTextStream(stdout) << QJsonDocument(run->playbook()).toJson(QJsonDocument::Indented);
    return 0;
}

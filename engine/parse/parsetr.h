#pragma once

#include <QString>

namespace Engine {

/// The parse pipeline's messages (ParseError::message). They become the job's lastError and its
/// event texts, which the web application reads from the database, and the job table shows that
/// stored text: so they are English in every process, the window's included, whatever
/// translator is installed. Deliberately not tr(): lupdate does not list them for translation
/// (the messages a person reads that are not stored use Engine::Tr, engine/enginetr.h).
struct ParseTr
{
    static QString english(const char *sourceText) { return QString::fromUtf8(sourceText); }
};

} // namespace Engine

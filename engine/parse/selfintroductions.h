#pragma once

#include "engine/parse/parsingcontext.h"
#include "engine/parse/playbookbuilder.h"

#include <QList>

namespace Engine {

/// Joins a speaker first labelled by a description (`THE STRANGER`) with the name the play later
/// labels the same person by (`JOHN`), when the play's own words say they are one:
///
/// - the described speaker introduces themself: `I am John Smith.`, `My name is John.`, or
///   answers `What's your name?` / `Who are you?` with a name;
/// - other speakers answer the described speaker by that name (`Thank you, John.`) at least
///   twice, and more often than they use it after anyone else;
/// - a named speaker introduces `My daughter Clara` where Clara was first `THE DAUGHTER`: then
///   the `THE MOTHER` (or `THE FATHER`) seen with `THE DAUGHTER` is that named speaker.
///
/// Only a label starting with an article counts as a description, and the named label must take
/// over from it: two labels that keep alternating are two people talking to each other, whatever
/// the text says, so they are never joined.
class SelfIntroductions final
{
public:
    /// The character table with each joined description's entry removed and its name and
    /// aliases added to the aliases of the named entry. Unchanged when nothing is joined.
    static QList<ParsingContext::Character> join(const QList<PlaybookBuilder::Act> &acts,
                                                 QList<ParsingContext::Character> characters);
};

} // namespace Engine

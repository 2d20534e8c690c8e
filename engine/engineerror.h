#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace Engine {

/// How a failure crosses the engine boundary: one value, whatever the operation.
///
/// An engine function that can fail returns Expected<T> (a value or an Error); the queue's
/// operations, which fail deep inside transactions, throw a JobError, which carries the same
/// Error (JobError::error()). A caller in session/, app/ or a test therefore handles every
/// failure the same way: it branches on kind() where the remedy differs (a job that is gone, a
/// lock that was lost, a file that is not Callboard's) and shows message() to a person.
struct Error
{
    enum class Kind {
        InvalidInput, ///< bad input from the caller: enqueue values, a database URL, a correction
        NotFound,     ///< no job with that id
        Transition,   ///< a status change the state machine does not allow
        LockLost,     ///< a worker no longer owns the job it tries to write
        Database,     ///< the database could not be reached, or refused or failed a statement
        Schema,       ///< not Callboard's database, a newer schema, or a migration it may not run
    };

    Kind kind = Kind::Database;
    QString message; ///< for a person, in the window's language (Engine::Tr) where it is translated
    QString jobId;   ///< the job it concerns, if any

    Error() = default;
    Error(Kind kind, QString message, QString jobId = {})
        : kind(kind), message(std::move(message)), jobId(std::move(jobId))
    {}
};

/// A value or the Error why there is none (Qt 6.4 / C++17 has no std::expected).
template<typename T>
class Expected
{
public:
    Expected(const T &value) : m_data(std::in_place_index<0>, value) {}
    Expected(T &&value) : m_data(std::in_place_index<0>, std::move(value)) {}
    Expected(const Error &error) : m_data(std::in_place_index<1>, error) {}
    Expected(Error &&error) : m_data(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    /// Only when ok().
    T &value() & { return std::get<0>(m_data); }
    const T &value() const & { return std::get<0>(m_data); }
    T &&value() && { return std::get<0>(std::move(m_data)); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T &&operator*() && { return std::move(*this).value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    /// Why there is no value; an Error with an empty message when ok().
    const Error &error() const
    {
        static const Error none;
        return ok() ? none : std::get<1>(m_data);
    }

private:
    std::variant<T, Error> m_data;
};

template<>
class Expected<void>
{
public:
    Expected() = default;
    Expected(const Error &error) : m_failed(true), m_error(error) {}
    Expected(Error &&error) : m_failed(true), m_error(std::move(error)) {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    /// Why it failed; an Error with an empty message when ok().
    const Error &error() const { return m_error; }

private:
    bool m_failed = false;
    Error m_error;
};

} // namespace Engine

#pragma once

#include "engine/job.h"

#include <QSqlRecord>
#include <QStringList>
#include <QVariantList>

class QSqlQuery;

namespace Engine {

/// Reads "ParseJob" rows into Job values. Column positions are looked up once per result set,
/// not per row, which matters when the window loads 100,000 jobs.
class JobRowReader final
{
public:
    explicit JobRowReader(const QSqlRecord &record);
    /// For rows that did not come through QSqlQuery (Libpq::Rows).
    explicit JobRowReader(const QStringList &columns);
    Job read(const QSqlQuery &query, bool withText) const;
    Job read(const QVariantList &row, bool withText) const;

private:
    template<typename ValueAt>
    Job readWith(const ValueAt &valueAt, bool withText) const;

    enum Column {
        Id, Type, Priority, Status, Filename, Config, PlaybookId, RetryCount, MaxRetries,
        TotalChunks, CompletedChunks, Progress, LastError, FailureReason, WorkerId, LockedAt,
        LockExpiry, CreatedAt, StartedAt, CompletedAt, UpdatedAt, RunAfter, ControlRequest,
        SourcePath, ContentHash, FailurePermanent, RawText, Checkpoints, CurrentState,
        ReviewConfidence, ReviewWarnings, ColumnCount
    };
    int m_index[ColumnCount];
};

} // namespace Engine

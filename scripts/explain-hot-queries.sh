#!/usr/bin/env bash
# EXPLAIN (ANALYZE, BUFFERS) of the hot queries on a table of 1,000,000 jobs (mostly completed),
# on a throwaway PostgreSQL server: the claim statement (`callboard statement claim`), the live
# refresh (JobQueue::jobs with changedSince), the metrics queries (QueueMetrics::snapshot and
# countFinished) and prune's batch delete (Pruner). Statements that write run inside
# BEGIN … ROLLBACK, so every query sees the same data.
#
#   scripts/explain-hot-queries.sh [DIR]      DIR: where the server lives (default: a temp dir)
#
# The schema comes from `callboard migrate` (CALLBOARD_BIN, default: the first build*/app/callboard),
# so the indexes are exactly those of engine/migrations.cpp. JOBS=N changes the table size.
# Prints each plan, then a summary of planning/execution times and of the plan's access paths.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${JOBS:-1000000}

bin=${CALLBOARD_BIN:-}
if [ -z "$bin" ]; then
    for candidate in build/app/callboard build-*/app/callboard; do
        if [ -x "$candidate" ]; then bin=$candidate; break; fi
    done
fi
[ -x "${bin:-}" ] || { echo "callboard binary not found: build it or set CALLBOARD_BIN" >&2; exit 1; }

dir=${1:-}
own_dir=0
if [ -z "$dir" ]; then dir=$(mktemp -d /tmp/callboard-explain.XXXXXX); own_dir=1; fi
cleanup() {
    bash "$root/scripts/pg-test-server.sh" stop "$dir"
    if [ "$own_dir" = 1 ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT
admin=$(bash scripts/pg-test-server.sh start "$dir")
url=${admin%/postgres}/explain
out=$(mktemp -d /tmp/callboard-explain-out.XXXXXX)

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$admin" "$@"; }
psql_db() { psql -X -q -v ON_ERROR_STOP=1 "postgresql://${url#postgres://}" "$@"; }

psql_admin -c 'CREATE DATABASE explain'
"$bin" --db "$url" migrate >/dev/null

echo "== Filling $jobs jobs (and their events) with generate_series"
start=$(date +%s)
psql_db -v jobs="$jobs" <<'SQL'
-- 97% completed, 1% failed, 0.5% cancelled over the last 60 days; a backlog of ~1.4% queued
-- (a tenth scheduled for later), 0.1% retrying, 50 running (a tenth with expired locks),
-- 100 paused.
CREATE TEMP TABLE shape AS
SELECT i,
       CASE WHEN i <= :jobs * 0.970 THEN 'completed'
            WHEN i <= :jobs * 0.980 THEN 'failed'
            WHEN i <= :jobs * 0.985 THEN 'cancelled'
            WHEN i <= :jobs * 0.985 + 1000 THEN 'retrying'
            WHEN i <= :jobs * 0.985 + 1050 THEN 'running'
            WHEN i <= :jobs * 0.985 + 1150 THEN 'paused'
            ELSE 'queued' END AS status,
       LOCALTIMESTAMP(3) - (i * (interval '60 days' / :jobs)) AS finished
FROM generate_series(1, :jobs) i;

INSERT INTO "ParseJob" ("id", "status", "rawText", "filename", "priority", "retryCount",
    "workerId", "createdAt", "startedAt", "completedAt", "updatedAt", "runAfter", "lockedAt",
    "lockExpiry")
SELECT 'job-' || i,
       CAST(status AS "JobStatus"), 'text', 'play-' || i || '.txt', i % 5,
       CASE WHEN status IN ('retrying') THEN 1 + i % 4 WHEN status = 'failed' THEN 3 ELSE 0 END,
       CASE WHEN status = 'running' THEN 'bench-' || (i % 4) || '-1' END,
       CASE WHEN status IN ('completed', 'failed', 'cancelled') THEN finished - interval '20 s'
            ELSE LOCALTIMESTAMP(3) - (i % 3600) * interval '1 s' END,
       CASE WHEN status IN ('completed', 'failed') THEN finished - (3 + i % 7) * interval '1 s'
            WHEN status = 'running' THEN LOCALTIMESTAMP(3) - interval '30 s' END,
       CASE WHEN status IN ('completed', 'failed', 'cancelled') THEN finished END,
       CASE WHEN status IN ('completed', 'failed', 'cancelled') THEN finished
            WHEN status = 'running' THEN LOCALTIMESTAMP(3) - interval '30 s'
            WHEN status = 'paused' THEN LOCALTIMESTAMP(3) - (i % 5) * interval '1 day'
            ELSE LOCALTIMESTAMP(3) - (i % 3600) * interval '1 s' END,
       CASE WHEN status = 'retrying' THEN LOCALTIMESTAMP(3) + (i % 60) * interval '1 s'
            WHEN status = 'queued' AND i % 10 = 0 THEN LOCALTIMESTAMP(3) + interval '1 hour' END,
       CASE WHEN status = 'running' THEN LOCALTIMESTAMP(3) - interval '30 s' END,
       CASE WHEN status = 'running' AND i % 10 = 0 THEN LOCALTIMESTAMP(3) - interval '10 s'
            WHEN status = 'running' THEN LOCALTIMESTAMP(3) + interval '570 s' END
FROM shape;

-- Two events per job: enqueued, and the last transition by its worker.
INSERT INTO "JobEvent" ("id", "jobId", "event", "details", "createdAt")
SELECT 'ev-a-' || s.i, j."id", 'enqueued', '{"actor":"api"}', j."createdAt"
FROM shape s JOIN "ParseJob" j ON j."id" = 'job-' || s.i;
INSERT INTO "JobEvent" ("id", "jobId", "event", "details", "createdAt")
SELECT 'ev-b-' || s.i, j."id",
       CASE s.status WHEN 'completed' THEN 'completed' WHEN 'failed' THEN 'failed'
                   WHEN 'cancelled' THEN 'cancelled' WHEN 'retrying' THEN 'retry_scheduled'
                   ELSE 'claimed' END,
       jsonb_build_object('actor', 'bench-' || (s.i % 4) || '-1'), j."updatedAt"
FROM shape s JOIN "ParseJob" j ON j."id" = 'job-' || s.i;
VACUUM (ANALYZE) "ParseJob";
VACUUM (ANALYZE) "JobEvent";
SQL
echo "filled in $(( $(date +%s) - start )) s"
psql_db -A -t -c 'SELECT status, COUNT(*) FROM "ParseJob" GROUP BY 1 ORDER BY 2 DESC' | sed 's/^/  /'
psql_db -A -t -c 'SELECT '"'"'events: '"'"' || COUNT(*) FROM "JobEvent"' | sed 's/^/  /'

# The parameters the application binds, computed once from the database clock.
read -r hour_ago window_start seen_since paused_before now_text prune_cutoff since <<<"$(psql_db -A -t -F ' ' -c "
    SELECT to_char(t - interval '1 hour', F), to_char(t - interval '1 hour', F),
           to_char(t - interval '15 minutes', F), to_char(t - interval '1 day', F), to_char(t, F),
           to_char(t - interval '30 days', F), to_char(t - interval '5 seconds', F)
    FROM (SELECT LOCALTIMESTAMP(3) AS t, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"' AS F) c" | sed 's/ $//')"
ts() { echo "CAST('$1' AS timestamp(3))"; }

names=()
explain() {
    local name=$1 sql=$2 wrap=${3:-}
    names+=("$name")
    {
        echo "== $name"
        if [ "$wrap" = rollback ]; then
            printf 'BEGIN;\nEXPLAIN (ANALYZE, BUFFERS) %s;\nROLLBACK;\n' "$sql"
        else
            printf 'EXPLAIN (ANALYZE, BUFFERS) %s;\n' "$sql"
        fi | psql_db
    } >"$out/$name.txt" 2>&1
    cat "$out/$name.txt"
}

# Warm the cache once, as a running system would be.
psql_db -c 'SELECT COUNT(*) FROM "ParseJob"' >/dev/null

# The claim exactly as the engine runs it (`callboard statement claim`), with its parameters bound.
claim_sql=$("$bin" --db "$url" statement claim | sed -e "s/:worker/'explain-1-1'/g" -e 's/:lock/600/g')
explain claim "$claim_sql" rollback

explain refresh "SELECT \"id\", \"type\", \"priority\", \"status\", \"filename\", \"config\", \"playbookId\",
        \"retryCount\", \"maxRetries\", \"totalChunks\", \"completedChunks\", \"progress\", \"lastError\",
        \"failureReason\", \"workerId\", \"lockedAt\", \"lockExpiry\", \"createdAt\", \"startedAt\",
        \"completedAt\", \"updatedAt\", \"runAfter\", \"controlRequest\"
    FROM \"ParseJob\" WHERE \"updatedAt\" >= $(ts "$since") ORDER BY \"createdAt\" ASC, \"id\" ASC"

explain metrics-counts-live 'SELECT "status", COUNT(*) FROM "ParseJob"
    WHERE "status" IN ('"'queued', 'running', 'paused', 'retrying'"') GROUP BY "status"'
# Every scrape would read all finished rows here: the exporter refreshes it once a minute.
explain metrics-counts-finished 'SELECT "status", COUNT(*) FROM "ParseJob"
    WHERE "status" IN ('"'completed', 'failed', 'cancelled'"') GROUP BY "status"'

explain metrics-ready "SELECT COALESCE(SUM(CASE WHEN \"runAfter\" IS NULL OR \"runAfter\" <= $(ts "$now_text") THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN \"runAfter\" > $(ts "$now_text") THEN 1 ELSE 0 END), 0), MIN(\"createdAt\")
    FROM \"ParseJob\" WHERE \"status\" IN ('queued', 'retrying')"

explain metrics-per-minute "SELECT to_char(date_trunc('minute', \"completedAt\"), 'YYYY-MM-DD\"T\"HH24:MI') AS \"minute\",
        SUM(CASE WHEN \"status\" = 'completed' THEN 1 ELSE 0 END),
        SUM(CASE WHEN \"status\" = 'failed' THEN 1 ELSE 0 END)
    FROM \"ParseJob\"
    WHERE \"status\" IN ('completed', 'failed') AND \"updatedAt\" >= $(ts "$hour_ago")
      AND \"completedAt\" >= $(ts "$hour_ago")
    GROUP BY 1 ORDER BY 1"

explain metrics-window "SELECT COALESCE(SUM(CASE WHEN \"status\" = 'completed' THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN \"status\" = 'failed' THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN \"status\" = 'cancelled' THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN \"status\" IN ('completed', 'failed') AND \"retryCount\" > 0 THEN 1 ELSE 0 END), 0)
    FROM \"ParseJob\"
    WHERE \"status\" IN ('completed', 'failed', 'cancelled') AND \"updatedAt\" >= $(ts "$window_start")
      AND \"completedAt\" >= $(ts "$window_start")"

explain metrics-retries "SELECT COUNT(*) FROM \"JobEvent\"
    WHERE \"createdAt\" >= $(ts "$window_start") AND \"event\" = 'retry_scheduled'"

explain metrics-durations "SELECT COUNT(*),
        percentile_disc(0.5) WITHIN GROUP (ORDER BY w), percentile_disc(0.95) WITHIN GROUP (ORDER BY w), MAX(w),
        percentile_disc(0.5) WITHIN GROUP (ORDER BY r), percentile_disc(0.95) WITHIN GROUP (ORDER BY r), MAX(r)
    FROM (SELECT (EXTRACT(EPOCH FROM (\"startedAt\" - \"createdAt\")) * 1000.0) AS w,
                 (EXTRACT(EPOCH FROM (\"completedAt\" - \"startedAt\")) * 1000.0) AS r
          FROM \"ParseJob\"
          WHERE \"status\" = 'completed' AND \"updatedAt\" >= $(ts "$window_start")
            AND \"completedAt\" >= $(ts "$window_start") AND \"startedAt\" IS NOT NULL) d"

explain metrics-workers-events "SELECT \"details\"->>'actor' AS \"actor\", MAX(\"createdAt\") FROM \"JobEvent\"
    WHERE \"createdAt\" >= $(ts "$seen_since")
      AND \"event\" IN ('claimed', 'reclaimed', 'progress', 'completed', 'retry_scheduled', 'failed', 'released')
    GROUP BY 1"

explain metrics-workers-locks "SELECT \"workerId\", \"id\", \"lockedAt\", \"lockExpiry\" FROM \"ParseJob\"
    WHERE \"status\" = 'running' AND \"workerId\" IS NOT NULL ORDER BY \"lockedAt\""

explain metrics-stuck-expired "SELECT \"id\", \"filename\", \"status\", \"workerId\", \"retryCount\", \"lockExpiry\", \"lastError\"
    FROM \"ParseJob\" WHERE \"status\" = 'running' AND \"lockExpiry\" < $(ts "$now_text")
    ORDER BY \"lockExpiry\" LIMIT 100"

explain metrics-stuck-retries "SELECT \"id\", \"filename\", \"status\", \"workerId\", \"retryCount\", \"updatedAt\", \"lastError\"
    FROM \"ParseJob\" WHERE \"status\" IN ('queued', 'retrying', 'running') AND \"retryCount\" >= 3
    ORDER BY \"retryCount\" DESC, \"createdAt\" LIMIT 100"

explain metrics-stuck-paused "SELECT \"id\", \"filename\", \"status\", \"workerId\", \"retryCount\", \"updatedAt\", \"lastError\"
    FROM \"ParseJob\" WHERE \"status\" = 'paused' AND \"updatedAt\" < $(ts "$paused_before")
    ORDER BY \"updatedAt\" LIMIT 100"

explain exporter-counters "SELECT COUNT(*) FROM (SELECT \"status\", EXTRACT(EPOCH FROM (\"completedAt\" - \"startedAt\")) AS r
    FROM \"ParseJob\" WHERE \"status\" IN ('completed', 'failed') AND \"updatedAt\" > $(ts "$hour_ago")
      AND \"completedAt\" > $(ts "$hour_ago") AND \"completedAt\" <= $(ts "$now_text")) finished"

explain prune-batch "
    WITH victims AS (
        SELECT \"id\" FROM \"ParseJob\"
        WHERE \"status\" IN ('completed', 'failed', 'cancelled') AND \"updatedAt\" < $(ts "$prune_cutoff")
        ORDER BY \"updatedAt\" LIMIT 1000 FOR UPDATE SKIP LOCKED),
    events AS (
        DELETE FROM \"JobEvent\" e USING victims v WHERE e.\"jobId\" = v.\"id\" RETURNING 1),
    playbooks AS (
        DELETE FROM \"CallboardPlaybook\" p USING victims v WHERE FALSE AND p.\"jobId\" = v.\"id\" RETURNING 1),
    jobs AS (
        DELETE FROM \"ParseJob\" j USING victims v WHERE j.\"id\" = v.\"id\" RETURNING 1)
    SELECT (SELECT COUNT(*) FROM jobs), (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM playbooks)" rollback

echo
echo "== Summary ($jobs jobs)"
printf '%-24s %10s %10s  %s\n' query planning execution "access paths on ParseJob/JobEvent"
for name in "${names[@]}"; do
    file="$out/$name.txt"
    planning=$(grep -o 'Planning Time: [0-9.]* ms' "$file" | head -1 | grep -o '[0-9.]*' || echo '?')
    execution=$(grep -o 'Execution Time: [0-9.]* ms' "$file" | head -1 | grep -o '[0-9.]*' || echo '?')
    paths=$(grep -oE '(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)( Backward)? (using "?[A-Za-z_]+"? )?on "?(ParseJob|JobEvent|[A-Za-z_]+_idx|ParseJob_pkey)"?' "$file" \
            | sed -E 's/ on "?(ParseJob|JobEvent)"?$/ on \1/' | sort | uniq -c | awk '{$1=$1; print}' | paste -sd ';' -)
    printf '%-24s %8s ms %8s ms  %s\n' "$name" "$planning" "$execution" "$paths"
done
rm -rf "$out"

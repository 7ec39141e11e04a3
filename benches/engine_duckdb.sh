#!/usr/bin/env bash
# The local engine against DuckDB on the same inputs and machine (issue 22). Not a timed test.
#
#   benches/engine_duckdb.sh [EVENTS=300000] [INGEST_EVENTS=50000]
#
# One command runs everything: builds dql's `engine` bench and the two generators (release),
# writes EVENTS events of examples/gen_events (~1.8 KB each, the event API's shape: 547 MB)
# and INGEST_EVENTS of examples/gen_ingest (~11 KB each: long tag lists as pairs, large stack
# traces, ingest-style members, missing members: 541 MB) as plain NDJSON, and each again as a
# directory of GZ_FILES gzip files; installs DuckDB from PyPI into a throwaway venv; then runs
# the queries of benches/engine.rs on every input at 1, 2 and all threads, each run a fresh
# process timed whole with its peak memory, dql and DuckDB alternating, REPEAT runs each
# (benches/engine_duckdb.py). It prints a markdown table (median seconds, peak MiB, the
# ratios, the load average and run time), writes it to BENCH_DIR/table.md, and fails if any
# answer differs from DuckDB's SQL or between thread counts.
#
# Sized to take at most ~15 minutes on a 2-core machine (about 10 under load): the inputs are
# a few hundred MB, which keeps every run above a second at one thread, and the gzip
# directories run three queries (tags, the user object and contexts, the exceptions) rather
# than all eight. Larger inputs (the arguments) change the ratios by a few hundredths: DuckDB's
# fixed start-up, printed with the table, weighs less.
#
# Environment: BENCH_DIR (default /tmp/dqlbench; inputs are kept there between runs),
# THREADS (default "1 2 all"), REPEAT (default 3), GZ_FILES (default 16), QUERIES (comma-separated
# names, default all), GZ_QUERIES (the queries run over the gzip directories; default
# count_by_release,users_by_browser,errors_by_type; "all" for every one).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-300000}
INGEST_EVENTS=${2:-50000}
WORK=${BENCH_DIR:-/tmp/dqlbench}
GZ_FILES=${GZ_FILES:-16}
mkdir -p "$WORK"
started=$SECONDS

# The bench profile for the generators too, so the crate is compiled once for both.
cargo build --profile bench --quiet --features cli --example gen_events --example gen_ingest
BENCH=$(cargo bench --bench engine --no-run --message-format=json 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*engine-[^"]*\)".*/\1/p' | tail -1)

# A generated file, then the same events cut at line boundaries into GZ_FILES gzip files.
generate() { # generator events file dir
  if [ ! -s "$3" ]; then
    "target/release/examples/$1" --events "$2" --out "$3.tmp" && mv "$3.tmp" "$3"
  fi
  if [ ! -d "$4" ]; then
    rm -rf "$4.tmp" && mkdir -p "$4.tmp"
    split -n "l/$GZ_FILES" -d -a 3 --additional-suffix=.ndjson "$3" "$4.tmp/part-"
    ls "$4.tmp"/*.ndjson | xargs -P "$(nproc)" -n 1 gzip -1
    mv "$4.tmp" "$4"
  fi
}
generate gen_events "$EVENTS" "$WORK/events-$EVENTS.ndjson" "$WORK/events-$EVENTS-gz"
generate gen_ingest "$INGEST_EVENTS" "$WORK/ingest-$INGEST_EVENTS.ndjson" "$WORK/ingest-$INGEST_EVENTS-gz"

if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install --quiet duckdb
fi

GZ_QUERIES=${GZ_QUERIES-count_by_release,users_by_browser,errors_by_type}
[ "$GZ_QUERIES" = all ] && GZ_QUERIES=
echo "# built, inputs and DuckDB ready after $((SECONDS - started)) s"
"$WORK/venv/bin/python" benches/engine_duckdb.py --dql "$BENCH" --work "$WORK" \
  --threads "${THREADS:-1 2 all}" --repeat "${REPEAT:-3}" --queries "${QUERIES:-}" \
  --table "$WORK/table.md" \
  "events:api:$WORK/events-$EVENTS.ndjson" \
  "ingest:ingest:$WORK/ingest-$INGEST_EVENTS.ndjson" \
  "events-gz:api:$WORK/events-$EVENTS-gz:$GZ_QUERIES" \
  "ingest-gz:ingest:$WORK/ingest-$INGEST_EVENTS-gz:$GZ_QUERIES"
echo "# the whole run took $((SECONDS - started)) s"

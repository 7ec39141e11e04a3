#!/usr/bin/env bash
# The local engine against DuckDB on the same inputs and machine (issue 22). Not a timed test.
#
#   benches/engine_duckdb.sh [EVENTS=1000000] [INGEST_EVENTS=120000]
#
# One command runs everything: builds dql's `engine` bench and the two generators (release),
# writes EVENTS events of examples/gen_events (~1.8 KB each, the event API's shape) and
# INGEST_EVENTS of examples/gen_ingest (~11 KB each: long tag lists as pairs, large stack
# traces, ingest-style members, missing members) as plain NDJSON, and each again as a
# directory of GZ_FILES gzip files; installs DuckDB from PyPI into a throwaway venv; then runs
# every query of benches/engine.rs on every input at 1, 2 and all threads, each run a fresh
# process timed whole with its peak memory, dql and DuckDB alternating, REPEAT runs each
# (benches/engine_duckdb.py). It prints a markdown table (median seconds, peak MiB, the
# ratios) and fails if any answer differs from DuckDB's SQL.
#
# Environment: BENCH_DIR (default /tmp/dqlbench; inputs are kept there between runs),
# THREADS (default "1 2 all"), REPEAT (default 3), GZ_FILES (default 16), QUERIES (comma-separated
# names, default all), GZ_QUERIES (the queries run over the gzip directories; default all).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-1000000}
INGEST_EVENTS=${2:-120000}
WORK=${BENCH_DIR:-/tmp/dqlbench}
GZ_FILES=${GZ_FILES:-16}
mkdir -p "$WORK"

cargo build --release --quiet --features cli --example gen_events --example gen_ingest
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

run() { # queries datasets...
  local queries=$1
  shift
  "$WORK/venv/bin/python" benches/engine_duckdb.py --dql "$BENCH" --work "$WORK" \
    --threads "${THREADS:-1 2 all}" --repeat "${REPEAT:-3}" --queries "$queries" "$@"
}
run "${QUERIES:-}" \
  "events:api:$WORK/events-$EVENTS.ndjson" \
  "ingest:ingest:$WORK/ingest-$INGEST_EVENTS.ndjson" \
  "events-gz:api:$WORK/events-$EVENTS-gz:${GZ_QUERIES:-}" \
  "ingest-gz:ingest:$WORK/ingest-$INGEST_EVENTS-gz:${GZ_QUERIES:-}"

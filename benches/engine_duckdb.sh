#!/usr/bin/env bash
# Local engine vs DuckDB on the same file and machine (issue 8 part 8). Not a timed test.
#
#   benches/engine_duckdb.sh [EVENTS=1000000] [THREADS=2]
#
# Generates EVENTS events (examples/gen_events, ~0.8 KB each) as plain NDJSON once, installs
# DuckDB from PyPI into a throwaway venv, then runs each of the three queries in a fresh
# process per engine, printing one JSON line per run (seconds, events/s, MB/s, peak MiB).
# dql's queries are in benches/engine.rs; the SQL below computes the same answers.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-1000000}
THREADS=${2:-2}
WORK=${BENCH_DIR:-/tmp/dqlbench}
FILE="$WORK/events-$EVENTS.ndjson"
mkdir -p "$WORK"

if [ ! -s "$FILE" ]; then
  cargo run --release --quiet --features cli --example gen_events -- --events "$EVENTS" --out "$FILE"
fi
if [ ! -x "$WORK/venv/bin/python" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install --quiet duckdb
fi
BENCH=$(cargo bench --bench engine --no-run --message-format=json 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*engine-[^"]*\)".*/\1/p' | tail -1)

cat > "$WORK/duck.py" <<'PY'
import json, os, resource, sys, time
import duckdb
file, query, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
# Only the members the queries read; `tags` as Sentry's [{key, value}] list.
cols = ("{'type': 'VARCHAR', 'dateCreated': 'TIMESTAMP', "
        "'tags': 'STRUCT(key VARCHAR, value VARCHAR)[]', "
        "'startTimestamp': 'DOUBLE', 'endTimestamp': 'DOUBLE'}")
src = f"read_json('{file}', format='newline_delimited', columns={cols})"
tag = lambda k: f"list_extract(list_transform(list_filter(tags, lambda t: t.key = '{k}'), lambda t: t.value), 1)"
window = "dateCreated >= TIMESTAMP '2026-10-01' AND dateCreated < TIMESTAMP '2026-11-30'"
sql = {
  "count_by_release": f"SELECT {tag('release')} AS release, count(*) FROM {src} "
      f"WHERE type <> 'transaction' AND {tag('level')} = 'error' AND {window} GROUP BY 1 ORDER BY 1 LIMIT 1000",
  "p95_by_transaction": f"SELECT {tag('transaction')} AS t, quantile_cont(round((endTimestamp - startTimestamp) * 1000), 0.95) "
      f"FROM {src} WHERE type = 'transaction' AND {window} GROUP BY 1 ORDER BY 1 LIMIT 1000",
  "users_by_browser": f"SELECT {tag('browser.name')} AS b, count(DISTINCT {tag('user')}) FROM {src} "
      f"WHERE {window} GROUP BY 1 ORDER BY 1 LIMIT 1000",
}[query]
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
start = time.perf_counter()
rows = con.execute(sql).fetchall()
seconds = time.perf_counter() - start
size = os.path.getsize(file)
n = 0
print(json.dumps({"engine": "duckdb " + duckdb.__version__, "query": query, "threads": threads,
  "seconds": seconds, "mb_per_s": size / 1e6 / seconds,
  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": len(rows)}))
PY

for q in count_by_release p95_by_transaction users_by_browser; do
  "$BENCH" "$FILE" "$q" "$THREADS"
  "$WORK/venv/bin/python" "$WORK/duck.py" "$FILE" "$q" "$THREADS"
done

"""The local engine against DuckDB, run by benches/engine_duckdb.sh (not a timed test).

Every run is a fresh process (dql's `engine` bench binary, or this file in child mode running one
DuckDB query), timed whole from outside, with its peak resident memory from wait4. Runs of the
two engines alternate; each cell is the median of --repeat runs. Every run's answer is kept:
dql's answers must be the same at every thread count and the same as DuckDB's SQL, or the
table says so.

    python engine_duckdb.py --dql BENCH_BINARY --work DIR [--threads "1 2 all"] [--repeat 3]
        [--queries a,b] NAME:SHAPE:PATH[:QUERIES] ...

SHAPE is `api` (examples/gen_events: tags as {key, value}, entries) or `ingest`
(examples/gen_ingest: tags as [key, value] pairs, top-level exception/request, `datetime`).
PATH is a file or a directory of *.ndjson.gz files; QUERIES (comma-separated) overrides
--queries for that input.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

WINDOW_START = "2026-10-01"
WINDOW_END = "2026-11-30"  # dql: UNTIL 2026-11-29 includes that whole day


def shape_sql(shape):
    """Column types and expressions that read each dql field as the engine does (see the
    README, "Where each field is read from")."""
    if shape == "api":
        cols = {
            "tags": "STRUCT(key VARCHAR, value VARCHAR)[]",
            "ts": ("dateCreated", "TIMESTAMP"),
            "release": "STRUCT(version VARCHAR)",
            "entries": 'STRUCT(type VARCHAR, data STRUCT("values" STRUCT(type VARCHAR)[]))[]',
        }

        def tag(k):
            return f"list_extract(list_transform(list_filter(tags, lambda t: t.key = '{k}'), lambda t: t.value), 1)"

        release_member = "release.version"
        exceptions = "list_filter(entries, lambda e: e.type = 'exception')[1].data.\"values\""
        exc_cols = ["entries"]
    else:
        cols = {
            "tags": "VARCHAR[][]",
            "ts": ("datetime", "TIMESTAMP"),
            "release": "VARCHAR",
            "entries": 'STRUCT(type VARCHAR, data STRUCT("values" STRUCT(type VARCHAR)[]))[]',
            "exception": 'STRUCT("values" STRUCT(type VARCHAR)[])',
        }

        def tag(k):
            return f"list_extract(list_transform(list_filter(tags, lambda t: t[1] = '{k}'), lambda t: t[2]), 1)"

        release_member = "release"
        exceptions = (
            "coalesce(list_filter(entries, lambda e: e.type = 'exception')[1].data.\"values\", "
            'exception."values")'
        )
        exc_cols = ["entries", "exception"]
    common = {
        "type": "VARCHAR",
        "title": "VARCHAR",
        "message": "VARCHAR",
        "culprit": "VARCHAR",
        "projectSlug": "VARCHAR",
        "projectID": "VARCHAR",
        "startTimestamp": "DOUBLE",
        "endTimestamp": "DOUBLE",
        "user": "STRUCT(id VARCHAR, email VARCHAR, username VARCHAR, ip_address VARCHAR)",
        "contexts": "STRUCT(browser STRUCT(name VARCHAR), trace STRUCT(op VARCHAR, status VARCHAR))",
    }
    ts_name, ts_type = cols.pop("ts")
    types = dict(common, **cols)
    types[ts_name] = ts_type
    window = f"{ts_name} >= TIMESTAMP '{WINDOW_START}' AND {ts_name} < TIMESTAMP '{WINDOW_END}'"
    errors = "type IS DISTINCT FROM 'transaction'"
    txns = "type = 'transaction'"
    # transaction.duration: whole ms, truncated, from the difference rounded to microseconds.
    duration = "trunc(greatest(round((endTimestamp - startTimestamp) * 1000000), 0) / 1000)"
    release = f"coalesce({tag('release')}, {release_member})"
    transaction = f"coalesce({tag('transaction')}, CASE WHEN type = 'transaction' THEN title END)"
    browser = f"coalesce({tag('browser.name')}, contexts.browser.name)"
    user = (
        f"coalesce({tag('user')}, 'id:' || nullif(\"user\".id, ''), "
        "'username:' || nullif(\"user\".username, ''), 'email:' || nullif(\"user\".email, ''), "
        "'ip:' || nullif(\"user\".ip_address, ''))"
    )
    display = (
        'coalesce(nullif("user".email, \'\'), nullif("user".username, \'\'), '
        'nullif("user".id, \'\'), nullif("user".ip_address, \'\'))'
    )
    project = "coalesce(nullif(projectSlug, ''), projectID)"
    search = "lower(concat_ws(chr(10), nullif(message, ''), nullif(title, ''), nullif(culprit, '')))"
    queries = {
        "count_by_release": (
            ["type", ts_name, "tags", "release"],
            f"SELECT {release}, count(*) FROM SRC WHERE {errors} AND {tag('level')} = 'error' "
            f"AND {window} GROUP BY 1",
        ),
        "p95_by_transaction": (
            ["type", ts_name, "tags", "title", "startTimestamp", "endTimestamp"],
            f"SELECT {transaction}, quantile_cont({duration}, 0.95) FROM SRC "
            f"WHERE {txns} AND {window} GROUP BY 1",
        ),
        "users_by_browser": (
            [ts_name, "tags", "contexts", "user"],
            f"SELECT {browser}, count(DISTINCT {user}) FROM SRC WHERE {window} GROUP BY 1",
        ),
        "user_display_by_project": (
            [ts_name, "projectSlug", "projectID", "user"],
            f"SELECT {project}, count(DISTINCT {display}) FROM SRC WHERE {window} GROUP BY 1",
        ),
        "errors_by_type": (
            ["type", ts_name] + exc_cols,
            f"SELECT coalesce(list_transform({exceptions}, lambda x: x.type), []), count(*) FROM SRC "
            f"WHERE {errors} AND {window} GROUP BY 1",
        ),
        "p75_by_op_status": (
            ["type", ts_name, "contexts", "startTimestamp", "endTimestamp"],
            f"SELECT contexts.trace.op, contexts.trace.status, quantile_cont({duration}, 0.75) "
            f"FROM SRC WHERE {txns} AND {window} GROUP BY 1, 2",
        ),
        "message_contains": (
            ["type", ts_name, "projectSlug", "projectID", "message", "title", "culprit"],
            f"SELECT {project}, count(*) FROM SRC WHERE {errors} AND {search} LIKE '%timeout%' "
            f"AND {window} GROUP BY 1",
        ),
        "slow_share_by_release": (
            ["type", ts_name, "tags", "release", "contexts", "startTimestamp", "endTimestamp"],
            f"SELECT {release}, count_if({duration} > 1000), quantile_cont({duration}, 0.5), "
            f"quantile_cont({duration}, 0.99) FROM SRC WHERE {txns} "
            f"AND contexts.trace.op = 'http.server' AND {window} GROUP BY 1",
        ),
    }
    return types, queries


def duckdb_child(shape, path, query, threads):
    import duckdb

    types, queries = shape_sql(shape)
    needed, sql = queries[query]
    columns = "{" + ", ".join(f"'{c}': '{types[c]}'" for c in needed) + "}"
    source = os.path.join(path, "*.ndjson.gz") if os.path.isdir(path) else path
    src = f"read_json('{source}', format='newline_delimited', columns={columns})"
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    rows = con.execute(sql.replace("SRC", src)).fetchall()
    print(json.dumps({"rows": [list(r) for r in rows], "version": duckdb.__version__}, default=str))


def normal(value):
    """A value compared across engines: numbers to 10 significant digits, lists as tuples."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(f"{float(value):.10g}")
    if isinstance(value, (list, tuple)):
        return tuple(normal(v) for v in value)
    return str(value)


def answer(rows):
    return sorted((tuple(normal(v) for v in row) for row in rows), key=repr)


def timed(cmd, env=None):
    """Runs cmd; returns (wall seconds, peak MiB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024, out.decode()


def last_rows(out):
    for line in reversed(out.splitlines()):
        data = json.loads(line)
        if "rows" in data:
            return data
    return {"rows": []}


def read_floor(path):
    files = (
        [os.path.join(path, f) for f in sorted(os.listdir(path))] if os.path.isdir(path) else [path]
    )
    start = time.perf_counter()
    for f in files:
        with open(f, "rb") as fh:
            while fh.read(1 << 20):
                pass
    return time.perf_counter() - start


def size_of(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))
    return os.path.getsize(path)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child-duckdb":
        shape, path, query, threads = sys.argv[2:6]
        duckdb_child(shape, path, query, int(threads))
        return
    p = argparse.ArgumentParser()
    p.add_argument("--dql", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--threads", default="1 2 all")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--queries", default="")
    p.add_argument("--table", help="also write the summary and table (markdown) to this file")
    p.add_argument("datasets", nargs="+")
    a = p.parse_args()
    cpus = os.cpu_count() or 1
    threads = []
    for t in a.threads.split():
        n = cpus if t == "all" else int(t)
        if n not in threads:
            threads.append(n)
    results_path = os.path.join(a.work, "results.ndjson")
    results = open(results_path, "w")
    table = []
    mismatches = []
    load_start = os.getloadavg()
    began = time.time()
    env = dict(os.environ, DQL_BENCH_ROWS="1")
    for spec in a.datasets:
        name, shape, path, *only = spec.split(":", 3)
        only = only[0] if only and only[0] else a.queries
        _, queries = shape_sql(shape)
        wanted = [q for q in queries if not only or q in only.split(",")]
        floor = statistics.median(read_floor(path) for _ in range(3))
        print(f"# {name}: {path}, {size_of(path) / 1e6:.0f} MB, read floor {floor:.2f} s", flush=True)
        for query in wanted:
            reference = None
            for n in threads:
                runs = {"dql": [], "duckdb": []}
                for _ in range(a.repeat):
                    for engine in ("dql", "duckdb"):
                        if engine == "dql":
                            cmd = [a.dql, path, query, str(n)]
                        else:
                            cmd = [sys.executable, __file__, "--child-duckdb", shape, path, query, str(n)]
                        seconds, mib, out = timed(cmd, env)
                        got = answer(last_rows(out)["rows"])
                        if engine == "duckdb" and reference is None:
                            reference = got
                        runs[engine].append((seconds, mib, got))
                        results.write(json.dumps({"dataset": name, "query": query, "threads": n,
                                                  "engine": engine, "seconds": seconds,
                                                  "peak_mib": mib, "rows": len(got)}) + "\n")
                same = all(r[2] == reference for e in runs.values() for r in e)
                if not same:
                    mismatches.append((name, query, n))
                med = {e: statistics.median(r[0] for r in runs[e]) for e in runs}
                mem = {e: max(r[1] for r in runs[e]) for e in runs}
                row = (name, query, n, med["dql"], med["duckdb"], mem["dql"], mem["duckdb"], same)
                table.append(row)
                print(f"{name:10} {query:24} {n:>2}  dql {med['dql']:6.2f} s {mem['dql']:6.0f} MiB"
                      f"   duckdb {med['duckdb']:6.2f} s {mem['duckdb']:6.0f} MiB"
                      f"   {med['dql'] / med['duckdb']:.2f}x time {mem['dql'] / mem['duckdb']:.2f}x mem"
                      f"   {'same answer' if same else 'ANSWERS DIFFER'}", flush=True)
    results.close()
    load_end = os.getloadavg()
    # DuckDB's fixed cost in every run (the interpreter, the import, a connection), for scale.
    startup = statistics.median(
        timed([sys.executable, "-c", "import duckdb; duckdb.connect()"])[0] for _ in range(3))
    lines = [
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(began))}, {cpus} CPUs (all = {cpus} "
        f"threads), load average {load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end, "
        f"{(time.time() - began) / 60:.1f} min; median of {a.repeat} runs; DuckDB's start-up "
        f"(in every DuckDB run) {startup:.2f} s; runs in {results_path}",
        "",
        "| input | query | threads | dql s | DuckDB s | time ratio | dql MiB | DuckDB MiB | memory ratio | answers |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, query, n, ds, us, dm, um, same in table:
        lines.append(f"| {name} | {query} | {n} | {ds:.2f} | {us:.2f} | {ds / us:.2f} | {dm:.0f} "
                     f"| {um:.0f} | {dm / um:.2f} | {'same' if same else 'DIFFER'} |")
    worst_time = max(r[3] / r[4] for r in table)
    worst_mem = max(r[5] / r[6] for r in table)
    lines += [
        "",
        f"worst time ratio {worst_time:.2f} (target ≤ 0.50), worst memory ratio {worst_mem:.2f} "
        f"(target ≤ 0.25), answers differ in {len(mismatches)} of {len(table)}",
    ]
    print()
    print("\n".join(lines))
    if a.table:
        with open(a.table, "w") as out:
            out.write("\n".join(lines) + "\n")
        print(f"table written to {a.table}")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()

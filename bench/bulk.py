#!/usr/bin/env python3
"""bench/bulk.py — the bulk path against raw SQLite batched inserts (issue 15:
"bulk import >= 0.5 x raw SQLite batched inserts into that schema").

A: `xunji bench-seed` writing N problems (each with its report_problems row)
into a fresh demo database (no clues, tasks or accountability): the
"problems" step's rows per second as the generator prints it -- one
transaction with the aggregate triggers dropped, the rows through prepared
statements, the aggregates rebuilt from the records and the triggers
recreated, the audit entry, COMMIT (fsync), all inside the step's time.

B: python3's sqlite3 inserting the very same rows (read back from A's first
database) into a fresh file holding the same tables with the same indexes
(problems, report_problems: their CREATE TABLE / CREATE INDEX text copied
from the demo database, no triggers), WAL, synchronous=FULL, the same page
cache (256 MB), one transaction, executemany in chunks of 10,000 rows; the
time from BEGIN to the end of COMMIT. Foreign keys off (xunji checks them:
the reference is, if anything, favoured).

A and B alternate (A B A B ...), BENCH_REPEAT times each; medians and the ratio
A/B are printed. Never fails on timing.

  python3 bench/bulk.py [--problems N] [--repeat R]     (default 200000, BENCH_REPEAT or 2)
  XUNJI_BIN=... picks the binary (default build/release/xunji)
"""
import argparse
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(os.environ.get("XUNJI_BIN", os.path.join(ROOT, "build/release/xunji")))


def seed_args(n):
    targets = max(50, n // 200 // 50 * 50)
    return ["--problems", str(n), "--clues", "0", "--tasks", "0", "--accountability", "0",
            "--targets", str(targets), "--rounds", "50"]


def measure(n=200000, repeat=2, binary=BIN, say=print):
    """Returns {"a": rows/s, "b": rows/s, "ratio": a/b, "rows": rows, "a_runs": [...], "b_runs": [...]}."""
    work = tempfile.mkdtemp(prefix="xunji-bench-bulk-")
    try:
        tpl = os.path.join(work, "tpl")
        os.mkdir(tpl)
        subprocess.run([binary, "init", "--demo", "--db", os.path.join(tpl, "t.db"), "--accounts-file",
                        os.path.join(tpl, "acc.json")], check=True, capture_output=True)
        ddl = [r[0] for r in sqlite3.connect(os.path.join(tpl, "t.db")).execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name IN ('problems','report_problems') "
            "AND type IN ('table','index') AND sql IS NOT NULL ORDER BY type DESC, name")]
        rows = None
        a_runs, b_runs = [], []

        def run_a(i):
            nonlocal rows
            d = os.path.join(work, f"a{i}")
            shutil.copytree(tpl, d)
            db = os.path.join(d, "t.db")
            p = subprocess.run([binary, "bench-seed", "--db", db, *seed_args(n)], capture_output=True, text=True)
            if p.returncode:
                raise SystemExit("bench/bulk.py: bench-seed failed: " + p.stderr)
            m = re.search(r"^\s*problems\s+(\d+) 行\s+([\d.]+) s", p.stdout, re.M)
            nrows, secs = int(m.group(1)), float(m.group(2))
            if rows is None:  # B inserts exactly these rows
                c = sqlite3.connect(db)
                rows = (c.execute("SELECT * FROM problems WHERE id LIKE '01900007-%' ORDER BY id").fetchall(),
                        c.execute("SELECT * FROM report_problems WHERE problem_id LIKE '01900007-%' "
                                  "ORDER BY problem_id").fetchall())
                c.close()
                assert len(rows[0]) + len(rows[1]) == nrows, (len(rows[0]), len(rows[1]), nrows)
            shutil.rmtree(d, ignore_errors=True)
            return nrows / secs

        def run_b(i):
            path = os.path.join(work, f"b{i}.db")
            c = sqlite3.connect(path, isolation_level=None)
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=FULL")
            c.execute("PRAGMA cache_size=-262144")
            for s in ddl:
                c.execute(s)
            probs, links = rows
            pph = ",".join("?" * len(probs[0]))
            lph = ",".join("?" * len(links[0]))
            t0 = time.monotonic()
            c.execute("BEGIN IMMEDIATE")
            for k in range(0, len(probs), 10000):
                c.executemany(f"INSERT INTO problems VALUES({pph})", probs[k:k + 10000])
                c.executemany(f"INSERT INTO report_problems VALUES({lph})", links[k:k + 10000])
            c.execute("COMMIT")
            secs = time.monotonic() - t0
            c.close()
            for suf in ("", "-wal", "-shm"):
                if os.path.exists(path + suf):
                    os.unlink(path + suf)
            return (len(probs) + len(links)) / secs

        for i in range(repeat):
            a_runs.append(run_a(i))
            say(f"  A bench-seed problems step   {a_runs[-1]:10.0f} rows/s")
            b_runs.append(run_b(i))
            say(f"  B raw SQLite batched inserts {b_runs[-1]:10.0f} rows/s")
        a, b = statistics.median(a_runs), statistics.median(b_runs)
        return {"a": a, "b": b, "ratio": a / b if b else 0, "rows": len(rows[0]) + len(rows[1]),
                "a_runs": a_runs, "b_runs": b_runs}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problems", type=int, default=200000)
    ap.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "2")))
    o = ap.parse_args()
    print(f"bulk: {o.problems} problems (+ their report_problems rows), A B alternating, {o.repeat} runs each")
    r = measure(o.problems, o.repeat)
    print(f"\n| bulk path | rows/s (median) | reference | rows/s (median) | ratio |\n|---|---|---|---|---|\n"
          f"| xunji bench-seed, problems step ({r['rows']} rows, one transaction) | {r['a']:.0f} "
          f"| raw SQLite batched inserts, same rows, same tables and indexes | {r['b']:.0f} | {r['ratio']:.3f} |")
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print(f"\nA runs {[round(x) for x in r['a_runs']]}, B runs {[round(x) for x in r['b_runs']]}; "
          f"load average {load}; target >= 0.5: {'met' if r['ratio'] >= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()

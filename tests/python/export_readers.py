"""Reads `arb export` Parquet with DuckDB, polars and pandas and checks it against the
journal (via `arb inspect`), the paper run and `arb report`.

Usage: export_readers.py ARB_BINARY WORK_DIR. Prints one line per check and
"N passed, M failed"; exits 1 if any failed."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

arb, work = sys.argv[1], Path(sys.argv[2])
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def run(*args):
    out = subprocess.run([arb, *map(str, args)], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"arb {' '.join(map(str, args))} failed: {out.stderr}")
    return out.stdout


journal, out = work / "j", work / "out"
paper = json.loads(run("paper", "--journal", journal, "--json"))
export = json.loads(run("export", journal, "--parquet", out, "--json"))
report = json.loads(run("report", journal, "--json"))

# What the journal holds, counted from its records as `arb inspect` prints them.
want = {"market_data": 0, "decisions": 0, "orders": 0, "fills": 0, "pnl": 0}
order_ids = set()
for line in run("inspect", journal).splitlines():
    rec = json.loads(line)
    body = rec["body"]
    name, value = (body, None) if isinstance(body, str) else next(iter(body.items()))
    if rec["kind"] == "decision":
        want["decisions"] += 1
        if name == "PlaceOrder":
            order_ids.add(json.dumps(value["id"], sort_keys=True))
        elif name == "OpportunityFound":
            want["pnl"] += 1
    elif name == "BookSnapshot":
        want["market_data"] += max(1, len(value["bids"]) + len(value["asks"]))
    elif name in ("BookDelta", "Trade"):
        want["market_data"] += 1
    elif name == "BookBatch":
        want["market_data"] += len(value["deltas"])
    elif name in ("Fill", "FillReversed"):
        want["fills"] += 1
want["orders"] = len(order_ids)

con = duckdb.connect()


def table(t):
    return f"read_parquet('{out}/{t}/**/*.parquet', hive_partitioning=true)"


def one(sql):
    return con.execute(sql).fetchone()


for t, n in want.items():
    got = one(f"select count(*) from {table(t)}")[0]
    check(f"duckdb {t} rows = journal ({n})", got == n, f"got {got}")
    summary = next(x["rows"] for x in export["tables"] if x["table"] == t)
    check(f"export summary {t} rows = journal", summary == n, f"got {summary}")

venues = {r[0] for r in con.execute(f"select distinct venue from {table('fills')}").fetchall()}
check("hive partition venue seen", venues == {"kalshi", "polymarket"}, str(venues))
date_type = one(f"select typeof(date) from {table('market_data')} limit 1")[0]
check("hive partition date seen as DATE", date_type == "DATE", date_type)

qty, fee = one(f"select sum(qty), sum(fee) from {table('fills')} where not rejected")
check("sum(fills.qty) = paper filled contracts", qty == Decimal(paper["filled_contracts"]), f"{qty} vs {paper['filled_contracts']}")
check("sum(fills.fee) = paper fees", fee == Decimal(paper["fees"]), f"{fee} vs {paper['fees']}")

joined, mismatched = one(
    f"""select count(*), count(*) filter (where o.filled_qty <> f.qty)
        from (select client_order_id, sum(qty) qty from {table('fills')} group by 1) f
        join {table('orders')} o using (client_order_id)"""
)
check("join fills to orders: every fill has its order", joined == one(f"select count(distinct client_order_id) from {table('fills')}")[0])
check("orders.filled_qty = sum of its fills", mismatched == 0, f"{mismatched} differ")
limit_ok = one(
    f"select count(*) from {table('fills')} f join {table('orders')} o using (client_order_id) where f.limit_price <> o.price or f.price > o.price"
)[0]
check("fills at or under their order's limit", limit_ok == 0, f"{limit_ok} not")

expected = one(f"select sum(expected_profit) from {table('pnl')}")[0]
check("sum(pnl.expected_profit) = paper expected profit", expected == Decimal(paper["expected_profit"]), f"{expected}")
realized = one(f"select sum(realized_pnl) from {table('pnl')} where traded")[0]
check("sum(pnl.realized_pnl) = report realized", realized == Decimal(report["pnl"]["realized_pnl"]), f"{realized}")
for lane in report["lanes"]:
    n = one(f"select count(*) from {table('pnl')} where lane = '{lane['lane']}'")[0]
    check(f"pnl {lane['lane']} rows = report opportunities", n == lane["opportunities"], f"{n}")
skips = dict(con.execute(f"select reason, count(*) from {table('decisions')} where kind = 'skipped' group by 1").fetchall())
check("decisions skip reasons = report", skips == {s["name"]: s["count"] for s in report["skip_reasons"]}, str(skips))

orders = pl.read_parquet(f"{out}/orders/**/*.parquet", hive_partitioning=True)
check("polars reads orders", orders.height == want["orders"] and "venue" in orders.columns, str(orders.shape))
fills = pd.read_parquet(out / "fills")
check("pandas reads fills", len(fills) == want["fills"] and set(fills["venue"].astype(str)) == venues, str(fills.shape))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

"""Prints the Markdown comparison from the res-*.json files in WORK.   table.py WORK EVENTS"""
import json
import os
import statistics
import sys

work, events = sys.argv[1], int(sys.argv[2])
NAMES = [("orgpulse", "orgpulse"), ("sqlite", "SQLite"), ("postgres", "PostgreSQL"), ("duckdb", "DuckDB")]
res = {k: json.load(open(f"{work}/res-{k}.json")) for k, _ in NAMES if os.path.exists(f"{work}/res-{k}.json")}
dbs = [(k, n) for k, n in NAMES[1:] if k in res]
labels = [k for k in res["orgpulse"] if not k.startswith("_")]


def p50(k, label):
    return statistics.median(res[k][label]["ms"])


def fmt(x):
    return f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def timed_out(k, label):
    return "timed_out_s" in res[k][label]


def cell(k, label):
    return ("> " if timed_out(k, label) else "") + fmt(p50(k, label))


def ratio(k, label, op):
    return ("> " if timed_out(k, label) else "") + f"{p50(k, label) / op:,.0f}x"


head = ["question", "orgpulse p50 ms"] + [f"{n} p50 ms" for _, n in dbs] + [f"{n} / orgpulse" for _, n in dbs] + \
       ["same answer"]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for label in labels:
    op = p50("orgpulse", label)
    cells = [label, fmt(op)] + [cell(k, label) for k, _ in dbs] + [ratio(k, label, op) for k, _ in dbs]
    c = res["orgpulse"][label]["check"]
    ran = [(k, n) for k, n in dbs if not timed_out(k, label)]
    same = all(res[k][label]["check"] == c for k, _ in ran)
    cells.append(("yes" if same else "NO: " + ", ".join(f"{n} {res[k][label]['check']}" for k, n in ran)) +
                 f" ({c})" + "".join(f"; {n} timed out" for k, n in dbs if timed_out(k, label)))
    print("| " + " | ".join(cells) + " |")
print()
n_warm = {n: len(res[k][labels[0]]["ms"]) for k, n in NAMES if k in res}
print(f"{events:,} events; p50 of warm runs per question: " + ", ".join(f"{n} {v}" for n, v in n_warm.items()) +
      f". orgpulse: server-side time from its access log (startup with index rebuild "
      f"{res['orgpulse']['_startup_s']:.1f} s); databases: client-side time of the query and fetching its rows.")
print("'same answer' compares report total_count / the sum of the chart's buckets with orgpulse's (in brackets).")
print()
print("| database | load (bulk path) | index + analyze | size |")
print("|---|---|---|---|")
for k, n in dbs:
    l = res[k]["_load"]
    print(f"| {n} | {l['load_s']:.1f} s | {l['index_s']:.1f} s | {l['bytes'] / 1048576:,.0f} MiB |")

"""The report: the block for README.md's Performance section (how the run was set up, then the
table of figures), written to bench/results/ beside the run's JSON."""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap

from bench import pooling
from bench.environment import RESULTS


def table(result: dict) -> str:
    lines = [
        f"Measured {result['started_at']} on commit {result['commit']}, "
        f"{result['listings']:,} listings, {result['machine']['cpus']} CPUs.",
        "",
        "| figure | value | baseline | ratio | target | met |",
        "|---|---:|---:|---:|---|:-:|",
    ]
    for figure in result["figures"].values():
        met = {True: "yes", False: "**no**", None: "-"}[figure["ok"]]
        lines.append(
            f"| {figure['label']} | {figure['value']} | {figure['baseline']} | "
            f"{figure['ratio']} | {figure['target']} | {met} |"
        )
    for name, figure in result["figures"].items():
        if name.startswith("api_"):
            lines.append(
                f"\n`{name}`: API p50/p99 {figure['p50_ms']}/{figure['p99_ms']} ms "
                f"(p99/p50 {figure['p99_over_p50']}, target <= 4), raw p50/p99 "
                f"{figure['raw_p50_ms']}/{figure['raw_p99_ms']} ms"
            )
    return "\n".join(lines)


def setup(result: dict) -> str:
    """How the run was set up, from what it recorded: the command, the cores, PostgreSQL's
    settings, the worker class and counts gunicorn resolved for each server, wrk's load."""
    s = result["setup"]
    pg = s["postgres"]
    shared_buffers = re.sub(r"(\d)([kMGT]?B)$", r"\1 \2", pg["shared_buffers"])
    if pg["changed"]:
        postgres = f"`shared_buffers` {shared_buffers}; not default: {', '.join(pg['changed'])}"
    else:
        postgres = f"default settings, `shared_buffers` {shared_buffers}"
    api, raw = (_workers(s["gunicorn"][name]) for name in ("api", "raw"))
    gunicorn = f"{api} per server" if api == raw else f"API: {api}; raw replay: {raw}"
    text = (
        f"Command: `{s['command']}`. Machine: {result['machine']['cpus']} cores shared by "
        f"PostgreSQL {pg['version']} ({postgres}), gunicorn ({gunicorn}) and wrk "
        f"({s['wrk']['connections']} connections, {s['wrk']['seconds']} s per figure). "
        f"Total run time {_run_time(result)}."
    )
    # Wrapped as README.md's prose is, before column 99.
    return textwrap.fill(text, width=98, break_long_words=False, break_on_hyphens=False)


def _workers(config: dict) -> str:
    threads = f" × {config['threads']} threads" if config["kind"] == "gthread" else ""
    return f"{config['workers']} {config['kind']} workers{threads}"


def _run_time(result: dict) -> str:
    seconds = round(
        (
            dt.datetime.fromisoformat(result["finished_at"])
            - dt.datetime.fromisoformat(result["started_at"])
        ).total_seconds()
    )
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def readme_block(result: dict) -> str:
    """What goes between README.md's bench markers, above the hand-written "How to read it"."""
    block = f"{setup(result)}\n\n{table(result)}"
    if result.get("pooling"):
        block += f"\n\n{pooling.table(result['pooling'])}"
    return block


def write(result: dict) -> str:
    """bench/results/<stamp>.json and .md, and latest.md; returns the block."""
    stamp = result["started_at"].replace(":", "").replace("-", "")
    (RESULTS / f"{stamp}.json").write_text(json.dumps(result, indent=2))
    block = readme_block(result)
    (RESULTS / f"{stamp}.md").write_text(block + "\n")
    (RESULTS / "latest.md").write_text(block + "\n")
    return block

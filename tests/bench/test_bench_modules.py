"""The bench's modules without the 20-minute run: each imports, the CLI parses its arguments,
wrk's output is read, and gunicorn's resolved worker configuration is what the report states."""

import importlib
import pkgutil
import socket
from pathlib import Path

import pytest

import bench
from bench import cli, figures, load, run
from bench.servers import api_server, free_port, raw_server, worker_config, worker_kind

HERE = Path(__file__).parent


def test_every_bench_module_imports(tmp_path, monkeypatch):
    scenarios = tmp_path / "raw.json"
    scenarios.write_text("{}")
    monkeypatch.setenv("BENCH_SCENARIOS", str(scenarios))  # bench.raw_app reads it on import
    names = [m.name for m in pkgutil.iter_modules(bench.__path__)]

    for name in names:
        importlib.import_module(f"bench.{name}")

    assert {"cli", "run", "servers", "load", "figures", "report", "databases"} <= set(names)


def test_the_cli_parses_bench_args(monkeypatch):
    for name in ("BENCH_DATABASE", "BENCH_SMALL_DATABASE", "BENCH_PORTS"):
        monkeypatch.delenv(name, raising=False)
    defaults = cli.parser().parse_args([])
    args = cli.parser().parse_args(
        "--listings 1000 --small 500 --duration 2 --connections 4 --workers 2 --rebuild "
        "--skip-backup --database b1 --small-database b2 --ports 8180-8189 --only q_*,detail"
        "".split()
    )

    assert vars(defaults) == {
        "listings": 1_000_000, "small": 10_000, "duration": 8, "connections": 16, "workers": 4,
        "rebuild": False, "skip_backup": False, "database": "havre_bench",
        "small_database": "havre_bench_small", "ports": None, "only": None,
        "skip_pooling": False, "pgbouncer_pool": 8,
    }  # fmt: skip
    assert vars(args) == {
        "listings": 1000, "small": 500, "duration": 2, "connections": 4, "workers": 2,
        "rebuild": True, "skip_backup": True, "database": "b1", "small_database": "b2",
        "ports": range(8180, 8190), "only": ["q_*", "detail"],
        "skip_pooling": False, "pgbouncer_pool": 8,
    }  # fmt: skip
    assert cli.command([]) == "make bench"
    assert cli.command(["--listings", "1000"]) == "make bench BENCH_ARGS='--listings 1000'"


def test_databases_and_ports_come_from_the_environment_too(monkeypatch, capsys):
    monkeypatch.setenv("BENCH_DATABASE", "havre_search_bench_1m")
    monkeypatch.setenv("BENCH_SMALL_DATABASE", "havre_search_bench_10k")
    monkeypatch.setenv("BENCH_PORTS", "8180-8181")

    args = cli.parser().parse_args([])

    assert (args.database, args.small_database) == (
        "havre_search_bench_1m",
        "havre_search_bench_10k",
    )
    assert args.ports == range(8180, 8182)
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["--ports", "9000-8000"])
    assert "ports between 1024 and 65535, in order" in capsys.readouterr().err


def test_servers_take_free_ports_of_the_range_each_once():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        taken = busy.getsockname()[1]
        ports = range(taken, taken + 3)

        first, second = free_port(ports), free_port(ports)

    assert taken not in (first, second) and first != second
    assert {first, second} <= set(ports)


def test_a_focused_run_measures_the_matching_scenarios_on_both_databases():
    captured = {"urls": dict.fromkeys(["detail", "search_city", "q_rare_date", "q_none_price"])}

    assert run.scenario_names(captured, "big", None) == list(captured["urls"])
    assert run.scenario_names(captured, "small", None) == [
        "search_city", "q_rare_date", "q_none_price"
    ]  # fmt: skip
    assert run.scenario_names(captured, "small", ["q_*_date"]) == ["q_rare_date"]
    assert run.scenario_names(captured, "big", ["detail", "q_none*"]) == [
        "detail", "q_none_price"
    ]  # fmt: skip


def test_every_q_shape_is_a_figure_of_the_big_database_against_the_small_one():
    def measured(p50):
        return {"api": {"rps": 1000 / p50, "p50_ms": p50}}

    shapes = [
        f"q_{s}_{o}" for s in ("common", "rare", "none") for o in ("relevance", "date", "price")
    ]
    result = {
        "listings": 1_000_000,
        "figures": {},
        "http_big": {name: measured(10.0 + i) for i, name in enumerate(shapes)},
        "http_small": {name: measured(8.0) for name in shapes},
    }

    figures.summarise(result)

    assert list(result["figures"]) == shapes
    rare_date = result["figures"]["q_rare_date"]
    assert rare_date["label"] == (
        "q = a rare word by date: p50 with 1,000,000 vs 10,000 listings (ms)"
    )
    assert (rare_date["value"], rare_date["baseline"], rare_date["ratio"]) == (14.0, 8.0, 1.75)
    assert rare_date["ok"] is False and result["figures"]["q_common_date"]["ok"] is True


def test_the_cli_refuses_unknown_arguments_and_a_missing_wrk(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no wrk there: nothing past parsing runs

    with pytest.raises(SystemExit) as unknown:
        cli.main(["--no-such-option", "10"])
    with pytest.raises(SystemExit, match="wrk is missing"):
        cli.main(["--listings", "1000"])
    assert unknown.value.code == 2
    assert "--no-such-option" in capsys.readouterr().err


def test_wrk_output_is_read_into_rates_latencies_and_statuses():
    # A real wrk 4.1 run (--latency, post_booking.lua's status lines) against a server that
    # answers every POST with 501.
    measured = load.read_wrk((HERE / "wrk_output.txt").read_text())

    assert measured == {
        "rps": 1699.12, "p50_ms": 1.76, "p99_ms": 9.75, "non_2xx": 1702,
        "statuses": {"501": 1702},
    }  # fmt: skip
    assert load.read_wrk("    50%  812.00us\n    99%    1.20s\nRequests/sec: 3.5\n") == {
        "rps": 3.5, "p50_ms": 0.812, "p99_ms": 1200.0, "non_2xx": 0, "statuses": {},
    }  # fmt: skip


@pytest.fixture
def gunicorn_environment(monkeypatch, tmp_path):
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_WORKER_CLASS"):
        monkeypatch.delenv(name, raising=False)
    scenarios = tmp_path / "raw.json"
    scenarios.write_text("{}")
    return scenarios


def test_the_report_states_the_workers_gunicorn_resolves_for_each_command(gunicorn_environment):
    url = "postgres://postgres@127.0.0.1:5432/havre_bench_unused"

    api = worker_config(api_server(url, workers=3))
    raw = worker_config(raw_server(url, gunicorn_environment, workers=3))

    assert api == {
        "worker_class": "config.gunicorn_worker.JsonErrorThreadWorker", "kind": "gthread",
        "workers": 3, "threads": 4,
    }  # fmt: skip
    assert raw == {"worker_class": "sync", "kind": "sync", "workers": 3, "threads": 1}


def test_the_workers_follow_the_servers_environment(gunicorn_environment, monkeypatch):
    monkeypatch.setenv("GUNICORN_THREADS", "2")
    monkeypatch.setenv("GUNICORN_WORKER_CLASS", "sync")

    api = worker_config(api_server("postgres://127.0.0.1/havre_bench_unused", workers=2))

    # gunicorn runs a sync worker given more than one thread as gthread
    assert api == {"worker_class": "sync", "kind": "gthread", "workers": 2, "threads": 2}
    assert worker_kind("sync", 1) == "sync"
    assert worker_kind("gunicorn.workers.gthread.ThreadWorker", 1) == "gthread"


def test_booking_creation_waits_for_the_last_figures_backlog(monkeypatch, tmp_path):
    """bookings_under_load drains the server (its /health/ answers fast again) and the
    database (no query of the previous figure still running) before wrk starts, so that the
    searches queued by the previous figure are not measured as bookings."""
    calls, scripts = [], []
    drained = []
    monkeypatch.setattr(
        load,
        "drain",
        lambda url, seconds=120, database=None: (
            calls.append(("drain", url)),
            drained.append(database),
        ),
    )

    def wrk(url, duration, connections, script):
        scripts.append(Path(script).read_text())
        calls.append(("wrk", url))
        return {"rps": 1.0}

    monkeypatch.setattr(load, "wrk", wrk)
    captured = {"booking_listing_ids": [11, 12], "tokens": ["key-a", "key-b"], "token": "key-a"}

    load.bookings_under_load("http://127.0.0.1:1", captured, 1, database="postgres://db/x")

    assert [name for name, _ in calls] == ["drain", "wrk"]
    assert drained == ["postgres://db/x"]
    assert calls[0][1].startswith("http://127.0.0.1:1/")
    # Every request books one of the picked listings as one of many guests (a guest holds at
    # most three pending requests: one guest would measure the cap's refusals).
    assert "local ids = {11,12}" in scripts[0]
    assert 'local tokens = {"key-a","key-b"}' in scripts[0]
    assert "__" not in scripts[0]

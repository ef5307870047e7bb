"""The bench's modules without the 20-minute run: each imports, the CLI parses its arguments,
wrk's output is read, and gunicorn's resolved worker configuration is what the report states."""

import importlib
import pkgutil
from pathlib import Path

import pytest

import bench
from bench import cli, load
from bench.servers import api_server, raw_server, worker_config, worker_kind

HERE = Path(__file__).parent


def test_every_bench_module_imports(tmp_path, monkeypatch):
    scenarios = tmp_path / "raw.json"
    scenarios.write_text("{}")
    monkeypatch.setenv("BENCH_SCENARIOS", str(scenarios))  # bench.raw_app reads it on import
    names = [m.name for m in pkgutil.iter_modules(bench.__path__)]

    for name in names:
        importlib.import_module(f"bench.{name}")

    assert {"cli", "run", "servers", "load", "figures", "report", "databases"} <= set(names)


def test_the_cli_parses_bench_args():
    defaults = cli.parser().parse_args([])
    args = cli.parser().parse_args(
        "--listings 1000 --small 500 --duration 2 --connections 4 --workers 2 --rebuild "
        "--skip-backup".split()
    )

    assert vars(defaults) == {
        "listings": 1_000_000, "small": 10_000, "duration": 8, "connections": 16, "workers": 4,
        "rebuild": False, "skip_backup": False,
    }  # fmt: skip
    assert vars(args) == {
        "listings": 1000, "small": 500, "duration": 2, "connections": 4, "workers": 2,
        "rebuild": True, "skip_backup": True,
    }  # fmt: skip
    assert cli.command([]) == "make bench"
    assert cli.command(["--listings", "1000"]) == "make bench BENCH_ARGS='--listings 1000'"


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

"""The bench's figures and table for a fixed set of measurements, against golden files written
by bench/__main__.py before it was split (tests/bench/measurements.json → golden_*.*), and the
setup paragraph the README block now opens with."""

import json
from pathlib import Path

from bench import figures, report

HERE = Path(__file__).parent
# The configuration of the run README.md reports (commit b7c99d2): both servers ran 4 sync
# workers, as config/gunicorn.conf.py then said.
B7C99D2_SETUP = {
    "command": "make bench",
    "wrk": {"connections": 16, "seconds": 8},
    "postgres": {"version": 15, "shared_buffers": "128MB", "changed": []},
    "gunicorn": {
        name: {"worker_class": "sync", "kind": "sync", "workers": 4, "threads": 1}
        for name in ("api", "raw")
    },
}


def summarised() -> dict:
    result = json.loads((HERE / "measurements.json").read_text())
    figures.summarise_seed(result, result.pop("seed_copy_baseline"))
    figures.summarise(result)
    figures.summarise_backup(result)
    figures.summarise_bulk(result)
    return result


def test_figures_and_table_match_the_golden_files():
    result = summarised()

    assert (
        json.dumps(result["figures"], indent=2) + "\n" == (HERE / "golden_figures.json").read_text()
    )
    assert report.table(result) + "\n" == (HERE / "golden_table.md").read_text()


def test_the_setup_paragraph_of_the_reported_run_is_the_one_written_by_hand():
    result = {**summarised(), "setup": B7C99D2_SETUP}

    # README.md's Performance block for that run, as it was written by hand (commit 210fe06).
    assert report.setup(result) == (
        "Command: `make bench`. Machine: 2 cores shared by PostgreSQL 15 (default settings,\n"
        "`shared_buffers` 128 MB), gunicorn (4 sync workers per server) and wrk (16 connections, "
        "8 s per\n"
        "figure). Total run time 14 min 44 s."
    )


def test_the_setup_paragraph_names_each_servers_workers_and_postgres_changes():
    api = {"worker_class": "config.gunicorn_worker.JsonErrorThreadWorker", "kind": "gthread",
           "workers": 4, "threads": 4}  # fmt: skip
    setup = {
        **B7C99D2_SETUP,
        "command": "make bench BENCH_ARGS='--listings 1000 --duration 2'",
        "postgres": {"version": 15, "shared_buffers": "256MB", "changed": ["autovacuum = off"]},
        "gunicorn": {**B7C99D2_SETUP["gunicorn"], "api": api},
    }
    result = {**summarised(), "setup": setup, "finished_at": "2026-12-01T07:08:31+00:00"}

    paragraph = report.setup(result)

    assert " ".join(paragraph.split()) == (
        "Command: `make bench BENCH_ARGS='--listings 1000 --duration 2'`. Machine: 2 cores shared "
        "by PostgreSQL 15 (`shared_buffers` 256 MB; not default: autovacuum = off), gunicorn "
        "(API: 4 gthread workers × 4 threads; raw replay: 4 sync workers) and wrk "
        "(16 connections, 8 s per figure). Total run time 41 s."
    )
    assert max(len(line) for line in paragraph.splitlines()) <= 98


def test_the_results_files_hold_the_json_and_the_readme_block(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    result = {**summarised(), "setup": B7C99D2_SETUP}

    block = report.write(result)

    assert block == report.setup(result) + "\n\n" + (HERE / "golden_table.md").read_text()[:-1]
    assert (tmp_path / "20261201T070750+0000.md").read_text() == block + "\n"
    assert (tmp_path / "latest.md").read_text() == block + "\n"
    assert json.loads((tmp_path / "20261201T070750+0000.json").read_text()) == result

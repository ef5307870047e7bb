"""The connection-handling comparison of `make bench` (bench.pooling): the modes' environments
and the table that puts their figures side by side."""

from bench import pooling
from bench.pgbouncer import Bouncer
from bench.report import readme_block
from tests.bench.test_report_golden import B7C99D2_SETUP, summarised


def figures(rps):
    return {"rps": rps, "p50_ms": 4.2, "p99_ms": 12.0, "non_2xx": 0, "server_connections": 8}


RESULT = {
    "database": "havre_bench_small",
    "threads": 4,
    "workers": 3,
    "pgbouncer_pool": 8,
    "modes": {
        mode: {name: figures(100 * (i + 1)) for name in pooling.SCENARIOS}
        for i, mode in enumerate(pooling.MODES)
    },
}


def test_the_table_shows_every_mode_and_scenario_side_by_side():
    lines = pooling.table(RESULT).splitlines()

    assert "3 gthread workers × 4 threads" in lines[0] and "8 server connections" in lines[0]
    assert lines[2] == (
        "| mode | detail req/s | p50/p99 ms | conns | search_city req/s | p50/p99 ms | conns |"
    )
    rows = {line.split(" | ")[0].strip("| "): line for line in lines[4:]}
    assert list(rows) == list(pooling.MODES)
    assert rows["pgbouncer"] == "| pgbouncer | 300 | 4.2/12.0 | 8 | 300 | 4.2/12.0 | 8 |"


def test_the_pgbouncer_login_url_and_direct_parameters_come_from_the_database_url():
    direct = pooling._direct("postgres://havre:s3cret@db.example:6543/havre_bench")
    bouncer = Bouncer(host="127.0.0.1", port=6432, login="havre_bench_login")

    assert direct == {
        "host": "db.example",
        "port": 6543,
        "user": "havre",
        "password": "s3cret",
        "dbname": "havre_bench",
    }
    assert bouncer.url("havre_bench") == "postgres://havre_bench_login@127.0.0.1:6432/havre_bench"


def test_the_readme_block_carries_the_pooling_table_when_measured():
    result = {**summarised(), "setup": B7C99D2_SETUP}

    without = readme_block(result)
    assert readme_block({**result, "pooling": RESULT}) == without + "\n\n" + pooling.table(RESULT)

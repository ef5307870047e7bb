"""The bench's pipeline on a database of 1,000 listings, short of wrk (which CI machines do not
install): the database is built (and the seed figure's bare COPY baseline run on it) then
reused, the API's SQL captured, both servers started on free ports, and every scenario answered
by both, as wrk would then drive them."""

import json
import secrets
import urllib.request

import pytest
from django.db import connection

from bench import databases
from bench.environment import psql, with_db
from bench.load import active_queries, drain
from bench.run import capture
from bench.servers import api_server, raw_server, servers
from tests.gunicorn import test_database_url as suite_database_url

LISTINGS = 1_000


@pytest.fixture
def tiny_url(monkeypatch):
    url = with_db(suite_database_url(), f"{connection.settings_dict['NAME']}_bench_tiny")
    prefix = f"bench-tests-{secrets.token_hex(4)}"
    monkeypatch.setenv("CACHE_KEY_PREFIX", prefix)  # the servers' throttle counters, our own
    yield url
    psql(
        with_db(url, "postgres"), f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'
    )
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    for key in redis.scan_iter(match=f"{prefix}:*"):
        redis.delete(key)


def get(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 — our own servers
        return response.status, json.loads(response.read())


def test_a_tiny_database_is_built_reused_captured_and_served(tiny_url, tmp_path):
    built = databases.prepare_database(tiny_url, LISTINGS, rebuild=True)
    reused = databases.prepare_database(tiny_url, LISTINGS, rebuild=False)
    postgres = databases.postgres_settings(tiny_url)
    captured = capture(tiny_url, "tiny", tmp_path)

    assert built["reused"] is False and built["seed_listing_rows_per_s"] > 0
    # The seed figure's baseline: the seeder's own listing tuples, COPY'd bare (rows/s).
    assert databases.copy_baseline(tiny_url, 500) > 0
    assert reused == {"reused": True}
    assert postgres["version"] == int(psql(tiny_url, "SHOW server_version_num")) // 10000
    assert postgres["shared_buffers"] == psql(tiny_url, "SHOW shared_buffers")
    assert int(psql(tiny_url, "SELECT count(*) FROM listings")) >= LISTINGS
    assert set(captured["urls"]) >= {"detail", "search_city", "page_1", "offset_deep"}
    assert set(json.loads((tmp_path / "raw-tiny.json").read_text())) == set(captured["urls"])
    # The booking figure's guests and the listings whose rules admit its stays.
    assert len(set(captured["tokens"])) > 100
    assert captured["booking_listing_ids"]
    picked = ",".join(map(str, captured["booking_listing_ids"]))
    query = f"SELECT DISTINCT (min_nights, booking_window_days >= 330) FROM listings WHERE id = ANY ('{{{picked}}}')"  # noqa: S608, E501 — integers of our own
    rules = psql(tiny_url, query)
    assert rules == "(1,t)"

    api = api_server(tiny_url, workers=2)
    raw = raw_server(tiny_url, tmp_path / "raw-tiny.json", workers=2)
    with servers(api, raw, tmp_path / "logs"):
        answers = {
            name: (get(api.url + path), get(f"{raw.url}/{name}"))
            for name, path in captured["urls"].items()
        }
        # Servers and PostgreSQL alike: no query left running once drained.
        drain(api.url + captured["urls"]["detail"], seconds=30, database=tiny_url)
        assert active_queries(tiny_url) == 0

    for name, ((api_status, _), (raw_status, raw_body)) in answers.items():
        assert (name, api_status, raw_status) == (name, 200, 200)
        assert "results" in raw_body
    detail_id = int(captured["urls"]["detail"].rstrip("/").rsplit("/", 1)[1])
    assert answers["detail"][0][1]["id"] == detail_id

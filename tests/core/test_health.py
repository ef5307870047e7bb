import logging

import pytest
from django.core.management import call_command
from django.db import connection

from tests.db import connection_to

SLOW_LOGGER = "havre.db.slow"


@pytest.mark.django_db
def test_health_answers_while_the_process_is_up(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_health_db_runs_select_1(client):
    response = client.get("/health/db/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert "timestamp" in body


@pytest.mark.django_db(transaction=True)
def test_health_db_answers_503_when_the_database_is_unreachable(client):
    with connection_to(connection.settings_dict["HOST"], 1):  # nothing listens there
        response = client.get("/health/db/")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "unavailable"
    assert "timestamp" in body
    assert "Traceback" not in response.content.decode()
    # Once the database is back, so is the probe (no broken connection kept).
    assert client.get("/health/db/").status_code == 200


def slow_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == SLOW_LOGGER]


@pytest.mark.django_db
def test_a_slow_query_is_logged_with_its_sql_and_duration_but_not_its_parameters(settings, caplog):
    settings.SLOW_QUERY_MS = 0

    with caplog.at_level(logging.WARNING, logger=SLOW_LOGGER):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.01), %s::text", ["jane@example.com"])

    [record] = [r for r in slow_records(caplog) if "pg_sleep" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert record.sql == "SELECT pg_sleep(0.01), %s::text"
    assert record.duration_ms >= 10
    assert f"{record.duration_ms:.1f} ms" in record.getMessage()
    # Parameters may hold personal data: they are never logged.
    assert "jane@example.com" not in record.getMessage()


@pytest.mark.django_db
def test_queries_under_the_threshold_are_not_logged(settings, caplog):
    settings.SLOW_QUERY_MS = 60_000

    with caplog.at_level(logging.WARNING, logger=SLOW_LOGGER):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.01)")
        call_command("seed", "--reference-only")

    assert slow_records(caplog) == []


@pytest.mark.django_db
def test_management_commands_log_their_slow_queries_too(settings, caplog):
    settings.SLOW_QUERY_MS = 0

    with caplog.at_level(logging.WARNING, logger=SLOW_LOGGER):
        call_command("seed", "--reference-only")

    logged_sql = [record.sql for record in slow_records(caplog)]
    assert any('FROM "categories"' in sql for sql in logged_sql), logged_sql
    assert any('INSERT INTO "amenities"' in sql for sql in logged_sql), logged_sql

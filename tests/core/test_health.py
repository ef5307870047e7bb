import pytest


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
    from django.db import connection

    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = client.get("/health/db/")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "timestamp" in body
    assert "Traceback" not in response.content.decode()
    assert client.get("/health/").status_code == 200  # the process itself is fine


@pytest.mark.django_db
def test_slow_queries_are_logged_with_their_duration_and_sql(settings, caplog):
    from django.core.management import call_command
    from django.db import connection

    settings.SLOW_QUERY_MS = 0
    with caplog.at_level("WARNING", logger="havre.db.slow"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.01)")
    [record] = [r for r in caplog.records if "pg_sleep" in r.getMessage()]
    assert record.levelname == "WARNING"
    assert record.duration_ms >= 10
    assert "slow query" in record.getMessage()

    caplog.clear()
    with caplog.at_level("WARNING", logger="havre.db.slow"):
        call_command("seed", "--reference-only")  # commands go through the same backend
    assert any("categories" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_fast_queries_are_not_logged(settings, caplog):
    from django.db import connection

    settings.SLOW_QUERY_MS = 60_000
    with caplog.at_level("WARNING", logger="havre.db.slow"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert not [r for r in caplog.records if r.name == "havre.db.slow"]

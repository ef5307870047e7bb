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

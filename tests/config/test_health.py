"""/health tells a load balancer whether the database, Redis and Celery answer."""

from urllib.parse import urlsplit, urlunsplit

import pytest


@pytest.mark.parametrize("host", ["localhost", "casa-azul.localhost"])
def test_health_is_ok_when_database_redis_and_a_worker_answer(db, celery_worker, client, host):
    response = client.get("/health", HTTP_HOST=host)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert body["components"]["celery"]["workers"] >= 1


def test_health_reports_503_naming_redis_when_redis_is_unreachable(db, client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/health", HTTP_HOST="casa-azul.localhost")

    assert response.status_code == 503
    body = response.json()
    assert "redis" in body["down"]
    assert body["components"]["database"] == {"up": True}
    assert body["components"]["redis"]["up"] is False
    assert body["components"]["celery"]["up"] is False


def test_health_reports_503_naming_celery_when_no_worker_answers(db, client, settings):
    # The same Redis server, but a database no worker listens on.
    parts = urlsplit(settings.REDIS_URL)
    settings.REDIS_URL = urlunsplit(parts._replace(path="/15"))

    response = client.get("/health", HTTP_HOST="localhost")

    assert response.status_code == 503
    assert response.json()["down"] == ["celery"]

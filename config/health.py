"""Liveness of the platform's components: database, Redis and the Celery workers."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

TIMEOUT_SECONDS = 1.5


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"up": True}


def _redis() -> dict:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()
    return {"up": True}


def _celery() -> dict:
    from config.celery import app

    with app.connection_for_write(settings.REDIS_URL) as broker:
        replies = app.control.ping(timeout=TIMEOUT_SECONDS, connection=broker)
    if not replies:
        return {"up": False, "error": "no worker answered the ping"}
    return {"up": True, "workers": len(replies)}


@never_cache
def health(request):
    """200 when every component answers, 503 naming those that do not."""
    components = {}
    for name, check in [("database", _database), ("redis", _redis), ("celery", _celery)]:
        if name == "celery" and not components["redis"]["up"]:
            components[name] = {"up": False, "error": "broker (redis) unreachable"}
            continue
        try:
            components[name] = check()
        except Exception as error:  # noqa: BLE001 - any failure means the component is down
            components[name] = {"up": False, "error": error.__class__.__name__}
    down = [name for name, state in components.items() if not state["up"]]
    return JsonResponse(
        {"status": "down" if down else "ok", "down": down, "components": components},
        status=503 if down else 200,
    )

"""Liveness of the platform's components: database, Redis and the Celery workers.

Answers in a few milliseconds: one ``SELECT 1`` and one Redis call, which both proves Redis
up and counts the workers whose heartbeat is fresh (``config/heartbeat.py``).
"""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from config import heartbeat


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"up": True}


def _redis_and_celery() -> tuple[dict, dict]:
    try:
        workers = heartbeat.workers_alive(heartbeat.client())
    except Exception as error:  # noqa: BLE001 - any failure means Redis is down
        return (
            {"up": False, "error": error.__class__.__name__},
            {"up": False, "error": "broker (redis) unreachable"},
        )
    if not workers:
        return {"up": True}, {"up": False, "error": "no worker heartbeat in the last 30 s"}
    return {"up": True}, {"up": True, "workers": workers}


@never_cache
def health(request):
    """200 when every component answers, 503 naming those that do not."""
    try:
        database = _database()
    except Exception as error:  # noqa: BLE001 - any failure means the database is down
        database = {"up": False, "error": error.__class__.__name__}
    redis, celery = _redis_and_celery()
    components = {"database": database, "redis": redis, "celery": celery}
    down = [name for name, state in components.items() if not state["up"]]
    return JsonResponse(
        {"status": "down" if down else "ok", "down": down, "components": components},
        status=503 if down else 200,
    )

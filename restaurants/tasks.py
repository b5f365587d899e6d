"""Scheduled work for every restaurant: one dispatcher per job, its tasks per restaurant.

Celery beat sends ``restaurants.dispatch`` with a job's name; the dispatcher sends each of
that job's tasks once per active restaurant, naming its schema. Each task runs in that schema
only; a restaurant that is gone, inactive or broken is logged with its schema name and
leaves the others untouched. The jobs' services are idempotent, so a redelivered task or
two beats running at once change nothing the second time.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.utils import translation
from django_tenants.utils import get_public_schema_name, tenant_context

from config.celery import app
from restaurants.hosts import restaurant_for_schema
from restaurants.models import Restaurant

logger = logging.getLogger(__name__)

# job → the tasks run for each restaurant (each app cleans up its own records)
JOBS: dict[str, tuple[str, ...]] = {
    "activate": ("booking.clock",),
    "metrics": ("analytics.metrics", "analytics.rollups"),
    "alerts": ("analytics.alerts",),
    "forecast": ("analytics.forecast",),
    "cleanup": ("analytics.cleanup", "assistant.cleanup", "reservations.book_changes"),
    "reminders": ("notifications.reminders",),
    "outbox": ("notifications.outbox",),
    "chats": ("assistant.expire",),
}


def restaurant_task(name: str, **options) -> Callable:
    """A Celery task run for one restaurant, given its schema name first, then the task's
    own arguments (ids); ``options`` are Celery's task options."""

    def decorate(function: Callable):
        @app.task(name=name, **options)
        @functools.wraps(function)
        def task(schema_name: str, *args):
            restaurant = restaurant_for_schema(schema_name)
            if restaurant is None:
                logger.warning("%s skipped: no active restaurant schema=%s", name, schema_name)
                return None
            # In its schema, and in its language (alert messages are stored as text).
            with tenant_context(restaurant), translation.override(restaurant.language):
                try:
                    return function(*args)
                except DatabaseError:
                    logger.exception("%s failed schema=%s", name, schema_name)
                    raise

        return task

    return decorate


@app.task(name="restaurants.dispatch")
def dispatch(job: str) -> int:
    """Send each of ``job``'s tasks once per active restaurant; returns how many were sent."""
    task_names = JOBS[job]
    connection.set_schema_to_public()
    schemas = (
        Restaurant.objects.filter(is_active=True)
        .exclude(schema_name=get_public_schema_name())
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )
    sent = 0
    for schema_name in schemas:
        for task_name in task_names:
            app.send_task(task_name, args=[schema_name], headers={"_schema_name": "public"})
            sent += 1
    return sent

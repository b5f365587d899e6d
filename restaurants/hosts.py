"""Which restaurant a host serves, remembered by each process for a few seconds.

Every request and socket needs its restaurant, and hosts change rarely. A restaurant or
domain saved in this process is forgotten at once; other processes see the change within
``HOST_CACHE_SECONDS``. Unknown hosts are not remembered.

The lookup reads the public tables by their qualified names on the connection's own psycopg
cursor, whatever schema the connection is in: through Django's cursor, django-tenants would
first send ``SET search_path`` to public, and then again to the restaurant's schema — two
round trips per request where one is needed (with a thousand restaurants, most requests
miss this cache).
"""

import functools
import threading
import time

from django.db import connection

HOST_CACHE_SECONDS = 10
HOST_CACHE_SIZE = 10_000
_hosts: dict[str, tuple[float, object]] = {}
_hosts_lock = threading.Lock()


def restaurant_for_hostname(hostname: str):
    """The active restaurant served at ``hostname``; Domain.DoesNotExist if none."""
    from restaurants.models import Domain

    now = time.monotonic()
    cached = _hosts.get(hostname)
    if cached is not None and cached[0] > now:
        return cached[1]
    restaurant = _restaurant_of(hostname)
    if restaurant is None:
        raise Domain.DoesNotExist(f"no active restaurant at {hostname}")
    with _hosts_lock:
        if len(_hosts) >= HOST_CACHE_SIZE:
            _hosts.clear()
        _hosts[hostname] = (now + HOST_CACHE_SECONDS, restaurant)
    return restaurant


def _restaurant_of(hostname: str):
    return _restaurant_where("domain", hostname)


def restaurant_for_schema(schema_name: str):
    """The active restaurant of ``schema_name``, or None: read as the hosts are, without
    moving the connection to public (a scheduled task's lookup)."""
    return _restaurant_where("schema_name", schema_name)


@functools.cache
def _lookup_sql(by: str) -> str:
    """The restaurant's columns, selected by its host (``domain``) or ``schema_name``."""
    from restaurants.models import Domain, Restaurant

    quote = connection.ops.quote_name
    columns = ", ".join(
        f"restaurant.{quote(field.column)}" for field in Restaurant._meta.concrete_fields
    )
    condition = {
        "domain": f"restaurant.id = (SELECT tenant_id FROM public.{Domain._meta.db_table}"
        " WHERE domain = %s)",
        "schema_name": "restaurant.schema_name = %s",
    }[by]
    return (
        f"SELECT {columns} FROM public.{Restaurant._meta.db_table} AS restaurant"
        f" WHERE {condition} AND restaurant.is_active"
    )


def _restaurant_where(by: str, value: str):
    from restaurants.models import Restaurant

    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(_lookup_sql(by), [value])
        row = cursor.fetchone()
    if row is None:
        return None
    fields = Restaurant._meta.concrete_fields
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, row, strict=True)
    ]
    return Restaurant.from_db(connection.alias, [field.attname for field in fields], values)


def hosts_forget() -> None:
    """Drop this process's remembered hosts (after a restaurant or domain changes)."""
    with _hosts_lock:
        _hosts.clear()

"""Many simultaneous callers, each on its own database connection."""

import threading

from django.core.exceptions import ValidationError
from django.db import connection


def run_at_once(restaurant, count: int, work) -> list:
    """Run ``work(index)`` in ``count`` threads, each on its own connection, released together."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int):
        connection.set_tenant(restaurant)
        try:
            barrier.wait()
            results[index] = ("ok", work(index))
        except ValidationError as error:
            results[index] = ("refused", " ".join(error.messages))
        except Exception as error:  # noqa: BLE001 - a crash must show up in the assertion
            results[index] = ("crashed", repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results

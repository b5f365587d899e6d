"""``Server-Timing: db;dur=<ms>;desc="<n> queries"`` on every response, when
``COMENSAL_SERVER_TIMING`` is on: what each door costs the database, seen from outside
(browsers' developer tools show it; bench/http.py prints it per door)."""

import time

from django.db import connections


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        spent = [0, 0.0]

        def measured(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[0] += 1
                spent[1] += time.perf_counter() - started

        with connections["default"].execute_wrapper(measured):
            response = self.get_response(request)
        response["Server-Timing"] = f'db;dur={spent[1] * 1000:.1f};desc="{spent[0]} queries"'
        return response

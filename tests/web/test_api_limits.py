"""The API's plan limits across an upgrade: a history the former throttle kept (a pickled
list of request times under the same key) does not break the next request."""

import time

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import tenant_context

from restaurants.throttling import plan_requests_used
from tests.conftest import MANAGER_A, host_of
from tests.factories import api_key_for


def test_a_history_in_the_former_format_is_replaced_not_a_server_error(restaurant_a):
    with tenant_context(restaurant_a):
        user = get_user_model().objects.get(username=MANAGER_A)
        key = api_key_for(user)
        cache.set("throttle:plan:restaurant", [time.time()] * 3, 900)
        assert plan_requests_used() == 0
    api = Client(HTTP_HOST=host_of(restaurant_a), HTTP_AUTHORIZATION=f"Token {key}")

    assert api.get("/api/v1/tables/").status_code == 200
    with tenant_context(restaurant_a):
        assert plan_requests_used() == 1

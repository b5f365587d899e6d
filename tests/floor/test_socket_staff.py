"""The live floor's socket is for the restaurant's staff: a manager's permissions alone, on a
user whose staff access was withdrawn, do not open it."""

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context

from restaurants.roles import MANAGER
from restaurants.services import staff_user_ensure
from tests.conftest import PASSWORD
from tests.floor.conftest import CARLA, session_cookie

pytestmark = pytest.mark.asyncio

CARRERA = "carrera.localhost"
DIEGO = "diego@carrera.test"


@pytest.fixture
def diego(committed_restaurant, live_db):
    """Diego, a second manager of Carrera, logged in on its admin; removed afterwards."""
    with tenant_context(committed_restaurant):
        staff_user_ensure(email=DIEGO, password=PASSWORD, role=MANAGER)
    cookie = session_cookie(CARRERA, DIEGO)
    yield committed_restaurant, cookie
    with tenant_context(committed_restaurant):
        get_user_model().objects.filter(username=DIEGO).delete()


def withdraw_staff_access(restaurant) -> tuple[set[str], set[str]]:
    """Diego is no longer staff; returns his permissions and those of Carla, a manager."""
    with tenant_context(restaurant):
        users = get_user_model().objects
        users.filter(username=DIEGO).update(is_staff=False)
        diego = users.get(username=DIEGO)
        assert not diego.is_staff
        return diego.get_all_permissions(), users.get(username=CARLA).get_all_permissions()


async def test_a_manager_whose_staff_access_is_withdrawn_no_longer_gets_the_floor(
    open_socket, diego
):
    restaurant, cookie = diego
    socket, connected, _code = await open_socket(CARRERA, cookie=cookie)
    assert connected
    assert (await socket.receive_json_from(timeout=5))["type"] == "initial_state"

    permissions, managers_permissions = await database_sync_to_async(withdraw_staff_access)(
        restaurant
    )
    _socket, connected, code = await open_socket(CARRERA, cookie=cookie)

    assert permissions == managers_permissions
    assert "reservations.view_reservation" in permissions
    assert (connected, code) == (False, 4403)

"""The staff screens' WebSocket: the live floor of one restaurant."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from notifications import selectors
from notifications.live import live_group
from restaurants.websocket import CLOSE_BAD_MESSAGE, CLOSE_FORBIDDEN, restaurant_database

logger = logging.getLogger(__name__)

# What the floor needs to read; cashiers and customers have no business here.
LIVE_PERMISSIONS = ("reservations.view_table", "reservations.view_reservation")
# A client that keeps sending garbage is closed after this many bad messages.
BAD_MESSAGES_ALLOWED = 5


def can_watch_floor(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perms(LIVE_PERMISSIONS)
    )


class LiveFloorConsumer(AsyncJsonWebsocketConsumer):
    """Sends ``initial_state`` on connect, then every event of the restaurant's group.

    Client messages: ``{"type": "resync"}`` (the state again) and
    ``{"type": "day", "day": "YYYY-MM-DD"}`` (that day's bookings for the timeline).
    """

    group_name: str | None = None
    bad_messages = 0

    async def connect(self):
        restaurant, user = self.scope.get("restaurant"), self.scope.get("user")
        if restaurant is None or user is None or not can_watch_floor(user):
            logger.info(
                "live floor refused schema=%s user=%s",
                getattr(restaurant, "schema_name", "-"),
                getattr(user, "pk", None),
            )
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.restaurant = restaurant
        self.group_name = live_group(restaurant.schema_name)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        await self.send_json(await restaurant_database(restaurant, selectors.live_state))

    async def disconnect(self, code):
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = json.loads(text_data or "")
            kind = content["type"]
        except (ValueError, TypeError, KeyError):
            await self._refuse_message()
            return
        if kind == "resync":
            await self.send_json(await restaurant_database(self.restaurant, selectors.live_state))
        elif kind == "day":
            try:
                day = dt.date.fromisoformat(str(content.get("day")))
            except ValueError:
                await self._refuse_message()
                return
            reservations = await restaurant_database(self.restaurant, selectors.live_day, day=day)
            await self.send_json(
                {"type": "day", "day": day.isoformat(), "reservations": reservations}
            )
        else:
            await self._refuse_message()

    async def _refuse_message(self):
        self.bad_messages += 1
        if self.bad_messages > BAD_MESSAGES_ALLOWED:
            await self.close(code=CLOSE_BAD_MESSAGE)
            return
        await self.send_json({"type": "error", "error": "bad_message"})

    async def dispatch(self, message):
        # Channels closes stale database connections (a hop to the sync thread) before every
        # handler; forwarding an event touches no database, and at 200 screens that hop cost
        # more than the sending itself.
        if message["type"] == "live.event":
            await self.live_event(message)
        else:
            await super().dispatch(message)

    async def live_event(self, message):
        """An event of this restaurant's group, as published after a commit."""
        try:
            # A screen that stops reading (its buffers full, a send never ends) is let go:
            # otherwise its events would pile up in this process's memory.
            async with asyncio.timeout(settings.LIVE_SEND_TIMEOUT_SECONDS):
                await self.send(text_data=message["text"])
        except TimeoutError:
            logger.warning(
                "live floor: a screen stopped reading, let go schema=%s",
                self.restaurant.schema_name,
            )
            await self.channel_layer.group_discard(self.group_name, self.channel_name)
            self.group_name = None
            raise StopConsumer from None

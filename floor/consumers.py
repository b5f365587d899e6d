"""The staff screens' WebSocket: the live floor of one restaurant.

A web process reads each restaurant's events from Redis once (``LiveHub``) and puts them on
the backlog of each of its screens of that restaurant; each screen sends its own backlog.
Not the channel layer's groups: channels-redis queues every event once per consumer without
bound, decodes it once per consumer and wakes each consumer through a new task and an
``asyncio.wait`` per event, and re-subscribes silently after Redis drops the connection, so
a screen could miss events without anyone knowing. Here a screen that falls behind, or that
may have missed something, gets the whole state again, marked ``"resync": true``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections import deque

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone
from redis.asyncio.connection import Connection, parse_url
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from config.metrics import WEBSOCKETS
from floor import selectors
from floor.selectors import can_see_chats, can_watch_floor
from restaurants import live
from restaurants.websocket import CLOSE_BAD_MESSAGE, CLOSE_FORBIDDEN, restaurant_database

logger = logging.getLogger(__name__)

# What the floor needs to read; cashiers and customers have no business here.
# A client that keeps sending garbage is closed after this many bad messages.
BAD_MESSAGES_ALLOWED = 5
# A screen this many events behind gets the state instead of them: at a busy restaurant's few
# events a second it is a minute behind, and one state costs less than that many events.
BACKLOG_LIMIT = 200
# How long a new screen waits for Redis to confirm its restaurant's subscription before it
# reads the state anyway (it is resynced once the subscription is confirmed).
SUBSCRIBE_WAIT_SECONDS = 2
# The hub looks for sends that take too long this often, and pings Redis every PING_SECONDS:
# a connection that has said nothing for twice that long is dropped and made again.
WATCH_SECONDS = 1
PING_SECONDS = 15
RECONNECT_MAX_SECONDS = 10
# Close code for a screen that is let go (it reconnects and starts again).
CLOSE_TRY_AGAIN = 1013
# The customers' chats: kept from screens whose staff may not read them.
CHAT_EVENTS = live.event_text_start("conversation_")
# The days the timeline may ask for: ten years either side of today is more than any screen
# needs, and keeps far from the calendar's ends, where a day's bounds overflow.
TIMELINE_REACH = dt.timedelta(days=3653)


class LiveFloorConsumer(AsyncJsonWebsocketConsumer):
    """Sends ``initial_state`` on connect, then every event of the restaurant.

    Client messages: ``{"type": "resync"}`` (the state again) and
    ``{"type": "day", "day": "YYYY-MM-DD"}`` (that day's bookings for the timeline).
    An ``initial_state`` that is not the first of the socket carries ``"resync": true``.
    Staff who may not read customers' chats get neither the chats waiting in the state nor
    their events.
    """

    # Events come from the process's LiveHub, not from a channel-layer channel per socket.
    channel_layer_alias = None
    hub: LiveHub | None = None
    restaurant = None
    bad_messages = 0
    sees_chats = False

    async def __call__(self, scope, receive, send):
        loop = asyncio.get_running_loop()
        self.backlog: deque[dict] = deque()
        self.synced = False  # the first state has been sent
        self.resync_due = False
        self.wakeup: asyncio.Future | None = None
        self.sender: asyncio.Task | None = None
        self.send_started: float | None = None  # loop time the pending send began
        self.send_kind = ""
        self.timed_out = False
        self.let_go_reason: asyncio.Future = loop.create_future()

        async def receive_unless_let_go():
            receiving = asyncio.ensure_future(receive())
            try:
                await asyncio.wait(
                    (receiving, self.let_go_reason), return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                if not receiving.done():
                    receiving.cancel()
            if receiving.done() and not receiving.cancelled():
                return receiving.result()
            return {"type": "live.let_go"}

        try:
            await super().__call__(scope, receive_unless_let_go, send)
        finally:
            self._leave()

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
        self.sees_chats = can_see_chats(user)
        self.channel = live.live_channel(restaurant.schema_name)
        await self.accept()
        self.hub = LiveHub.of_running_loop()
        WEBSOCKETS.inc()  # counted while it has a hub: _leave takes it off once
        await self.hub.join(self)
        self.resync_due = True
        self.sender = asyncio.create_task(self._send_loop())

    async def disconnect(self, code):
        self._leave()

    def _leave(self) -> None:
        if self.hub is not None:
            self.hub.leave(self)
            self.hub = None
            WEBSOCKETS.dec()
        if self.sender is not None:
            self.sender.cancel()
            self.sender = None

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = json.loads(text_data or "")
            kind = content["type"]
        except (ValueError, TypeError, KeyError, RecursionError):
            await self._refuse_message()
            return
        if kind == "resync":
            self.resync("asked by the screen", log=False)
        elif kind == "day":
            day = _timeline_day(content.get("day"))
            if day is None:
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
            self._leave()
            await self.close(code=CLOSE_BAD_MESSAGE)
            return
        await self.send_json({"type": "error", "error": "bad_message"})

    async def dispatch(self, message):
        # Channels closes stale database connections (a hop to the sync thread) before every
        # handler; letting a screen go touches no database.
        if message["type"] == "live.let_go":
            self._leave()
            with contextlib.suppress(TimeoutError, OSError):
                async with asyncio.timeout(1):  # a screen that reads nothing takes no close frame
                    await self.close(code=CLOSE_TRY_AGAIN)
            raise StopConsumer
        await super().dispatch(message)

    # --- Events: from the hub to the backlog, from the backlog to the socket ------------------

    def deliver(self, message: dict) -> None:
        """Queue an event (called by the hub for every event of the restaurant)."""
        if not self.sees_chats and message["text"].startswith(CHAT_EVENTS):
            return
        self.backlog.append(message)
        if len(self.backlog) > BACKLOG_LIMIT:
            self.resync(f"more than {BACKLOG_LIMIT} events behind")
        else:
            self._wake()

    def resync(self, reason: str, *, log: bool = True) -> None:
        """Drop the backlog and send the whole state next: the screen may have missed events."""
        if log and self.hub is not None:
            self.hub.log_resync(self.restaurant.schema_name, reason, len(self.backlog))
        self.backlog.clear()
        self.resync_due = True
        self._wake()

    def _wake(self) -> None:
        if self.wakeup is not None:
            if not self.wakeup.done():  # done: cancelled with the sender
                self.wakeup.set_result(None)
            self.wakeup = None

    def let_go(self, reason: str) -> None:
        """End this socket (from the hub or the sender): the screen reconnects and starts again."""
        if not self.let_go_reason.done():
            self.let_go_reason.set_result(reason)

    def check_send(self, now: float, timeout: float) -> None:
        """Called by the hub's watch: cancel a send that has taken longer than ``timeout``."""
        if self.send_started is not None and now - self.send_started > timeout:
            self.send_started = None
            self.timed_out = True
            if self.sender is not None:
                self.sender.cancel()

    async def _send_loop(self) -> None:
        while True:
            try:
                await self._send_pending()
                return
            except asyncio.CancelledError:
                if not self.timed_out:
                    raise
                # The hub's watch cancelled a send that took too long: not the end of the task.
                asyncio.current_task().uncancel()
                self.timed_out = False
                if self.send_kind == "state":
                    logger.warning(
                        "live floor: a screen took no state in %s s, let go schema=%s",
                        settings.LIVE_SEND_TIMEOUT_SECONDS,
                        self.restaurant.schema_name,
                    )
                    self.let_go("stopped reading")
                    return
                self.resync(f"an event took over {settings.LIVE_SEND_TIMEOUT_SECONDS} s to send")

    async def _send_pending(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self.resync_due:
                self.resync_due = False
                resync = self.synced
                try:
                    text = await self.hub.state_text(self, resync=resync)
                except Exception:
                    logger.exception(
                        "live floor: the state could not be read schema=%s",
                        self.restaurant.schema_name,
                    )
                    self.let_go("no state")
                    return
                if not await self._send({"type": "websocket.send", "text": text}, "state"):
                    return
                self.synced = True
            elif self.backlog:
                if not await self._send(self.backlog.popleft(), "event"):
                    return
            else:
                self.wakeup = loop.create_future()
                await self.wakeup

    async def _send(self, message: dict, kind: str) -> bool:
        """Send one frame; False once the socket is gone (the consumer then ends by itself)."""
        self.send_kind = kind
        self.send_started = asyncio.get_running_loop().time()
        try:
            await self.base_send(message)
        except (OSError, RuntimeError):  # gone (uvicorn's ClientDisconnected) or closed
            return False
        finally:
            self.send_started = None
        return True


def _timeline_day(value) -> dt.date | None:
    """The day a screen asked for (``"YYYY-MM-DD"``), or None if it is not one it may ask for."""
    if not isinstance(value, str) or len(value) > len("YYYY-MM-DD"):
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    if abs(day - timezone.now().date()) > TIMELINE_REACH:
        return None
    return day


class _StateRead:
    """One read of a restaurant's state, shared by every screen that asked before it began."""

    def __init__(self):
        self.started = False
        self.task: asyncio.Task | None = None
        self.texts: dict[tuple[bool, bool], str] = {}  # by (resync, sees chats)


class LiveHub:
    """This process's subscription to the live events of the restaurants it has screens of.

    One Redis connection, subscribed to the channel of each restaurant with a screen here and
    to the gaps channel; each event is read and decoded once, then put on the backlog of every
    screen of its restaurant. When the connection is lost, events may have been missed: once
    subscribed again, every screen resyncs. One hub per event loop (uvicorn runs one per
    process); it closes its connection when its last screen leaves.
    """

    _hubs: dict[asyncio.AbstractEventLoop, LiveHub] = {}

    @classmethod
    def of_running_loop(cls) -> LiveHub:
        loop = asyncio.get_running_loop()
        hub = cls._hubs.get(loop)
        if hub is None:
            hub = cls._hubs[loop] = cls(loop)
        return hub

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.url = settings.REDIS_URL
        self.gaps = live.gaps_channel()
        self.screens: dict[str, set[LiveFloorConsumer]] = {}  # by channel
        self.subscribed: dict[str, asyncio.Future] = {}  # by channel: done once Redis confirms
        self.unsynced: set[str] = set()  # channels whose screens resync once subscribed
        self.reads: dict[str, _StateRead] = {}  # by schema
        self.connection: Connection | None = None
        self.heard_at = self.pinged_at = loop.time()
        self.failures = live.LogLimit(60)
        self.resync_logs: dict[str, live.LogLimit] = {}
        self.tasks = [loop.create_task(self._listen()), loop.create_task(self._watch())]

    # --- Screens --------------------------------------------------------------------------

    async def join(self, screen: LiveFloorConsumer) -> None:
        """Add a screen; returns once its restaurant's events reach this process (or after
        SUBSCRIBE_WAIT_SECONDS without Redis: the screen resyncs once they do)."""
        channel = screen.channel
        screens = self.screens.setdefault(channel, set())
        screens.add(screen)
        if channel not in self.subscribed:
            self.subscribed[channel] = self.loop.create_future()
            self._command("SUBSCRIBE", channel)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SUBSCRIBE_WAIT_SECONDS):
                await asyncio.shield(self.subscribed[channel])

    def leave(self, screen: LiveFloorConsumer) -> None:
        screens = self.screens.get(screen.channel)
        if screens is None or screen not in screens:
            return
        screens.discard(screen)
        if not screens:
            del self.screens[screen.channel]
            self.subscribed.pop(screen.channel, None)
            self.unsynced.discard(screen.channel)
            self._command("UNSUBSCRIBE", screen.channel)
        if not self.screens:
            self._close()

    def screens_of(self, schema_name: str) -> int:
        """How many screens of the restaurant this process serves."""
        return len(self.screens.get(live.live_channel(schema_name), ()))

    def log_resync(self, schema_name: str, reason: str, dropped: int) -> None:
        limit = self.resync_logs.setdefault(schema_name, live.LogLimit(10))
        held = limit.allow()
        if held is not None:
            logger.warning(
                "live floor: a screen resyncs (%s), %d unsent events dropped%s schema=%s",
                reason,
                dropped,
                f"; {held} more resyncs since the last report" if held else "",
                schema_name,
            )

    async def state_text(self, screen: LiveFloorConsumer, *, resync: bool) -> str:
        """The restaurant's ``initial_state`` as JSON, read after the screen asked for it; one
        read serves every screen of the restaurant that asked before it began."""
        schema_name = screen.restaurant.schema_name
        if not self._is_subscribed(screen.channel):
            self.unsynced.add(screen.channel)
        read = self.reads.get(schema_name)
        if read is None or read.started:
            read = self.reads[schema_name] = _StateRead()
            read.task = self.loop.create_task(self._read_state(read, screen.restaurant))
        state = await asyncio.shield(read.task)
        key = (resync, screen.sees_chats)
        text = read.texts.get(key)
        if text is None:
            if not screen.sees_chats:
                state = {name: part for name, part in state.items() if name != "conversations"}
            text = read.texts[key] = json.dumps(
                {**state, "resync": True} if resync else state, separators=(",", ":")
            )
        return text

    async def _read_state(self, read: _StateRead, restaurant) -> dict:
        def live_state():
            read.started = True  # screens asking from now on need a read of their own
            return selectors.live_state()

        try:
            return await restaurant_database(restaurant, live_state)
        finally:
            if self.reads.get(restaurant.schema_name) is read:
                del self.reads[restaurant.schema_name]

    # --- Redis ----------------------------------------------------------------------------

    def _is_subscribed(self, channel: str) -> bool:
        subscribed = self.subscribed.get(channel)
        return subscribed is not None and subscribed.done()

    def _command(self, *args: str) -> None:
        # Written in the order asked (the connection writes before its first await); a
        # connection being made subscribes to every channel by itself.
        if self.connection is not None:
            self.loop.create_task(self._send_command(self.connection, *args))

    async def _send_command(self, connection: Connection, *args: str) -> None:
        try:
            await connection.send_command(*args, check_health=False)
        except (RedisError, OSError):
            await connection.disconnect(nowait=True)  # the listener makes a new connection

    def _deliver(self, channel: str, text: str) -> None:
        if channel == self.gaps:  # a publisher lost events of the restaurant named
            for screen in list(self.screens.get(live.live_channel(text), ())):
                screen.resync("an event did not reach Redis")
            return
        screens = self.screens.get(channel)
        if screens:
            message = {"type": "websocket.send", "text": text}
            for screen in screens:
                screen.deliver(message)

    def _confirmed(self, channel: str) -> None:
        subscribed = self.subscribed.get(channel)
        if subscribed is not None and not subscribed.done():
            subscribed.set_result(None)
        if channel in self.unsynced:
            self.unsynced.discard(channel)
            for screen in list(self.screens.get(channel, ())):
                screen.resync("subscribed again after losing Redis")

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            connection = self._new_connection()
            try:
                await connection.connect()
                self.connection = connection
                self.heard_at = self.pinged_at = self.loop.time()
                await connection.send_command(
                    "SUBSCRIBE", self.gaps, *self.screens, check_health=False
                )
                while True:
                    reply = await connection.read_response()
                    self.heard_at = self.loop.time()
                    kind = reply[0]
                    if kind == b"message":
                        delay = 0.5
                        self._deliver(reply[1].decode(), reply[2].decode())
                        # The screens send it before the next event is read: no burst of
                        # events piles up on their backlogs while the process catches up.
                        await asyncio.sleep(0)
                    elif kind == b"subscribe":
                        self._confirmed(reply[1].decode())
            except Exception as error:
                if self.failures.allow() is not None:
                    logger.warning(
                        "live floor: lost Redis (%s: %s), screens resync once it is back",
                        type(error).__name__,
                        error,
                        exc_info=not isinstance(error, RedisError | OSError),
                    )
            finally:
                self.connection = None
                with contextlib.suppress(Exception):
                    await connection.disconnect(nowait=True)
            # Whatever was published meanwhile is lost: every screen resyncs once subscribed.
            self.unsynced.update(self.screens)
            for channel in self.screens:
                self.subscribed[channel] = self.loop.create_future()
            await asyncio.sleep(delay)
            delay = min(2 * delay, RECONNECT_MAX_SECONDS)

    def _new_connection(self) -> Connection:
        options = parse_url(self.url)
        connection_class = options.pop("connection_class", Connection)
        return connection_class(
            **options,
            socket_connect_timeout=live.REDIS_TIMEOUT_SECONDS,
            socket_timeout=None,  # a subscriber waits for events as long as it takes
            retry=Retry(NoBackoff(), 0),
            protocol=2,
        )

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            now, timeout = self.loop.time(), settings.LIVE_SEND_TIMEOUT_SECONDS
            for screens in self.screens.values():
                for screen in screens:
                    screen.check_send(now, timeout)
            connection = self.connection
            if connection is None:
                continue
            if now - self.heard_at > 2 * PING_SECONDS:
                await connection.disconnect(nowait=True)  # silent for too long: make it again
            elif now - self.pinged_at > PING_SECONDS:
                self.pinged_at = now
                self._command("PING")

    def _close(self) -> None:
        if self._hubs.get(self.loop) is self:
            del self._hubs[self.loop]
        for task in self.tasks:
            task.cancel()

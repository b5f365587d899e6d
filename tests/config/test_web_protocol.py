"""The web tier's HTTP protocol hands a connection that asks for a WebSocket over for good:
the HTTP keep-alive timeout of an earlier request on it never closes the socket."""

import asyncio

import uvicorn
from uvicorn.server import ServerState

from config.web import HttpProtocol, Worker

KEY = b"dGhlIHNhbXBsZSBub25jZQ=="


class Transport(asyncio.Transport):
    """A connection's server end, as the event loop hands it to a protocol."""

    def __init__(self):
        super().__init__()
        self.closed = False
        self.protocol = None

    def get_extra_info(self, name, default=None):
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def is_closing(self):
        return self.closed

    def close(self):
        self.closed = True

    def write(self, data):
        pass

    def set_protocol(self, protocol):
        self.protocol = protocol

    def pause_reading(self):
        pass

    def set_write_buffer_limits(self, high=None, low=None):
        pass

    def get_write_buffer_size(self):
        return 0

    def resume_reading(self):
        pass


async def asgi(scope, receive, send):
    pass


def test_the_web_workers_speak_http_through_this_protocol():
    assert Worker.CONFIG_KWARGS["http"] == "config.web:HttpProtocol"
    config = uvicorn.Config(app=asgi, **Worker.CONFIG_KWARGS)
    config.load()
    assert config.http_protocol_class is HttpProtocol


def test_a_socket_opened_after_a_request_on_the_same_connection_outlives_its_keep_alive():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # the WebSocket protocol asks for the current one
    try:
        config = uvicorn.Config(app=asgi, **Worker.CONFIG_KWARGS, timeout_keep_alive=5)
        protocol = HttpProtocol(config=config, server_state=ServerState(), app_state={}, _loop=loop)
        transport = Transport()
        protocol.connection_made(transport)
        # A page, then a staff screen's socket, on one kept-alive connection.
        protocol.data_received(b"GET /robots.txt HTTP/1.1\r\nHost: carrera.localhost\r\n\r\n")
        protocol.data_received(
            b"GET /ws/live/ HTTP/1.1\r\nHost: carrera.localhost\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: " + KEY + b"\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
        )
        assert transport.protocol is not protocol  # the socket's now

        # The page's response completes only now (its last, empty body message comes apart),
        # and its keep-alive timeout passes.
        protocol.on_response_complete()
        protocol.timeout_keep_alive_handler()

        assert not transport.closed
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
        asyncio.set_event_loop(None)

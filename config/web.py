"""The web tier: gunicorn supervising uvicorn worker processes, two per core.

HTTP and WebSockets (``/ws/live/``) share the same processes and the same port. Django
runs synchronous views one at a time per process (under the GIL), so throughput comes
from processes, not threads: ``COMENSAL_WEB_WORKERS`` (default: twice the machine's cores)
processes of ``COMENSAL_WEB_THREADS`` (default 2) threads each. Measured with
bench/http.py on 2 cores: 4 processes of 2 threads served mixed traffic at 218 req/s,
2 of 4 at 175 and 6 of 1 at 229 with a longer tail; more threads per process spend their
time handing the GIL to each other around every database round trip.

    gunicorn -c config/web.py config.asgi:application
"""

import glob
import os

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker

bind = os.environ.get("COMENSAL_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("COMENSAL_WEB_WORKERS") or 2 * (os.cpu_count() or 1))
worker_class = "config.web.Worker"
# Staff screens keep their socket open: a worker is not recycled under them.
graceful_timeout = 20
keepalive = 5
# No gunicornc control socket: its default path is shared by every gunicorn of the machine.
control_socket_disable = True
accesslog = "-" if os.environ.get("COMENSAL_ACCESS_LOG", "").lower() in {"1", "true"} else None
errorlog = "-"


def on_starting(server):
    """Metrics files of processes no longer running (a previous start) are of nobody now;
    the dir is shared with the Celery worker, whose live files stay (config/metrics.py)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    for path in glob.glob(os.path.join(directory, "*.db")):
        pid = os.path.basename(path).removesuffix(".db").rsplit("_", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            os.remove(path)


def child_exit(server, worker):
    """A worker gone: its live gauges (sockets, pool) stop counting; its totals stay."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, whose keep-alive timeout never closes a connection that
    has become a WebSocket.

    A socket opened on a connection kept alive from an earlier request (a proxy's upstream
    connection, a client's pool) was closed five seconds later: the earlier response's last,
    empty body message (a2wsgi sends it apart) completed after the upgrade and armed the
    keep-alive timer on the connection the socket now used (uvicorn 0.54; a pipelined
    upgrade meets the same timer, Kludex/uvicorn#3107).
    """

    upgraded = False

    def handle_websocket_upgrade(self) -> None:
        self.upgraded = True
        self._unset_keepalive_if_required()
        super().handle_websocket_upgrade()

    def timeout_keep_alive_handler(self) -> None:
        if not self.upgraded:
            super().timeout_keep_alive_handler()


class Worker(UvicornWorker):
    """uvicorn's worker with uvloop and httptools (``HttpProtocol``), and no per-message
    deflate on sockets.

    The live floor's events are ~200 bytes: compressing them costs more memory per socket
    than it saves on the wire.
    """

    CONFIG_KWARGS = {
        "loop": "uvloop",
        "http": "config.web:HttpProtocol",
        "ws_per_message_deflate": False,
    }

import os

from celery import signals
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Tasks carry the schema they were sent from and run inside it (tenant-schemas-celery).
app = CeleryApp("comensal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _heartbeat_install() -> None:
    from config.heartbeat import Heartbeat

    app.steps["worker"].add(Heartbeat)


_heartbeat_install()


# Tasks timed by name and final state for /metrics (config/metrics.py, imported when the first
# task runs: not while the settings that import this module are still loading).
@signals.task_prerun.connect
def _task_started(task_id=None, **kwargs):
    from config import metrics

    metrics.task_started(task_id)


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    from config import metrics

    metrics.task_finished(task_id, getattr(task, "name", "unknown"), state)


# After every task a worker ran, its database connection goes back to the pool, as after a
# request (Django's own end-of-request check): a broken one is dropped there
# (CELERY_DB_REUSE_MAX, settings). A task run in its caller's process (``apply()``) leaves
# the caller's connection alone, in whatever transaction it is.
@signals.task_postrun.connect
def _connections_return(sender=None, **kwargs):
    from django.db import close_old_connections

    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()


@signals.worker_process_shutdown.connect
def _worker_process_gone(pid=None, **kwargs):
    from config import metrics

    metrics.process_dead(pid or os.getpid())

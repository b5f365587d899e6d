import os

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

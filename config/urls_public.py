"""URLs of the platform operator's host (public schema)."""

from django.urls import include, path

from assistant import voice
from assistant import webhooks as chats
from config.health import health
from config.metrics import metrics
from restaurants.admin import platform_admin
from restaurants.views import platform_home, robots_txt

urlpatterns = [
    path("", platform_home, name="platform-home"),
    path("admin/", platform_admin.urls),
    path("health", health, name="health"),
    # For Prometheus, to a bearer of COMENSAL_METRICS_TOKEN; on this host only.
    path("metrics", metrics, name="metrics"),
    path("robots.txt", robots_txt, name="robots"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Providers' webhooks shared by every restaurant: the number written to picks it.
    path(
        "webhooks/twilio/whatsapp/",
        chats.platform_twilio_whatsapp,
        name="platform-twilio-whatsapp",
    ),
    path("webhooks/meta/whatsapp/", chats.platform_meta_whatsapp, name="platform-meta-whatsapp"),
    # The voice agent's, shared likewise: its agent id picks the restaurant.
    path("webhooks/retell/tools/", voice.platform_retell_tools, name="platform-retell-tools"),
    path("webhooks/retell/events/", voice.platform_retell_events, name="platform-retell-events"),
    path("webhooks/retell/status/", voice.platform_retell_status, name="platform-retell-status"),
]

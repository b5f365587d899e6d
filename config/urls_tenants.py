"""URLs of a restaurant's host (its own schema)."""

from django.contrib import admin
from django.urls import include, path

from analytics import views as reports
from assistant import voice
from assistant import webhooks as chats
from booking import views as public
from config.health import health
from floor import views as live
from notifications import webhooks
from restaurants.views import robots_txt

admin.site.site_header = admin.site.site_title = "Comensal"

urlpatterns = [
    path("", public.booking_page, name="restaurant-home"),
    path("availability/", public.booking_availability, name="booking-availability"),
    path("booking/<str:token>/", public.booking_manage, name="booking-manage"),
    path("widget/", public.booking_widget, name="booking-widget"),
    path("widget/booking/<str:token>/", public.booking_widget_manage, name="booking-widget-manage"),
    path("widget.js", public.widget_script, name="booking-widget-script"),
    path("admin/live/", admin.site.admin_view(live.live_floor), name="live-floor"),
    path(
        "admin/live/action/",
        admin.site.admin_view(live.live_floor_action),
        name="live-floor-action",
    ),
    path("admin/reports/", admin.site.admin_view(reports.period_reports), name="analytics-reports"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("health", health, name="health"),
    path("robots.txt", robots_txt, name="robots"),
    path("twilio/status/", webhooks.twilio_status, name="twilio-status"),
    path("twilio/inbound/", chats.twilio_inbound, name="twilio-inbound"),
    path("whatsapp/meta/", chats.meta_whatsapp, name="meta-whatsapp"),
    path("voice/retell/tools/", voice.retell_tools, name="retell-tools"),
    path("voice/retell/events/", voice.retell_events, name="retell-events"),
    path("voice/retell/status/", voice.retell_status, name="retell-status"),
    path("i18n/", include("django.conf.urls.i18n")),
]

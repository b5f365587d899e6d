"""The demo's week: its notes are paid when their parties left, and its hourly metrics show
the money those notes brought in (the last two days' notes made by the billing services,
the week's others with the history before them)."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum
from django_tenants.utils import tenant_context

from analytics.models import MetricsSnapshot
from billing.models import ConsumptionNote, NoteStatus
from booking.demo import seed_restaurant

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
# A Thursday at noon, Casa Azul's time: the demo's week runs from the Thursday before.
NOW = dt.datetime(2030, 3, 7, 12, 20, tzinfo=MEXICO)
WEEK_START = dt.datetime(2030, 2, 28, 0, 0, tzinfo=MEXICO)
LAST_COMPLETE_HOUR_ENDS = dt.datetime(2030, 3, 7, 12, 0, tzinfo=MEXICO)


@pytest.fixture
def demo_week(restaurant_a):
    with tenant_context(restaurant_a), time_machine.travel(NOW, tick=False):
        seed_restaurant(today=NOW.date(), history_days=10)
        yield
    connection.set_schema_to_public()


def test_the_demos_metrics_add_up_to_the_notes_paid_in_their_hours(demo_week):
    snapshots = MetricsSnapshot.objects.filter(
        hour__gte=WEEK_START, hour__lt=LAST_COMPLETE_HOUR_ENDS
    )
    paid = ConsumptionNote.objects.filter(
        status=NoteStatus.PAID, paid_at__gte=WEEK_START, paid_at__lt=LAST_COMPLETE_HOUR_ENDS
    )

    assert snapshots.count() == (LAST_COMPLETE_HOUR_ENDS - WEEK_START) // dt.timedelta(hours=1)
    revenue = snapshots.aggregate(total=Sum("revenue"))["total"]
    assert revenue == paid.aggregate(total=Sum("total"))["total"]
    assert revenue > 0
    # Every note paid since the week began was paid before the last complete hour.
    assert (
        paid.count()
        == ConsumptionNote.objects.filter(status=NoteStatus.PAID, paid_at__gte=WEEK_START).count()
    )
    assert snapshots.filter(revenue__gt=0).count() > 7  # spread over the week's services


def test_the_demos_notes_are_paid_when_their_party_left(demo_week):
    paid = ConsumptionNote.objects.filter(status=NoteStatus.PAID).select_related("reservation")

    assert paid.exists()
    for note in paid:
        booking = note.reservation
        assert booking.starts_at < note.paid_at <= booking.ends_at, note.number
        assert note.created_at < note.finalised_at <= note.paid_at, note.number
        assert {payment.created_at for payment in note.payments.all()} == {note.paid_at}


def test_hours_the_scheduled_job_took_before_the_demo_are_taken_again(restaurant_a):
    from analytics.services import metrics_take

    with tenant_context(restaurant_a), time_machine.travel(NOW, tick=False):
        metrics_take()  # the job ran first: two days of hours without the demo's notes
        seed_restaurant(today=NOW.date(), history_days=10)

        since = NOW - dt.timedelta(days=2)
        revenue = MetricsSnapshot.objects.filter(hour__gte=since).aggregate(total=Sum("revenue"))[
            "total"
        ]
        paid = ConsumptionNote.objects.filter(
            status=NoteStatus.PAID,
            paid_at__gte=MetricsSnapshot.objects.filter(hour__gte=since).earliest("hour").hour,
        ).aggregate(total=Sum("total"))["total"]
    connection.set_schema_to_public()

    assert revenue == paid and revenue > 0

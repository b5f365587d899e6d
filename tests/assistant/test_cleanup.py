"""Idle chats end by themselves and old ones go: the chats job ends those idle longer than
the assistant settings allow, the retention job deletes those that ended longer ago than
the booking policy keeps records, in every restaurant."""

import datetime as dt
import time

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from assistant import inbox
from assistant.models import AssistantSettings, Conversation, ConversationMessage
from reservations.models import BookingPolicy
from restaurants.tasks import dispatch
from tests.assistant.chats import chat

NOW = dt.datetime(2026, 11, 20, 22, 0, tzinfo=dt.UTC)


def test_a_chat_idle_longer_than_the_settings_allow_ends_when_it_went_quiet(restaurant_a):
    with tenant_context(restaurant_a):
        AssistantSettings.objects.create(idle_minutes=45)
        quiet = chat(phone="+525500000001", last_message_at=NOW - dt.timedelta(minutes=50))
        with_staff = chat(
            phone="+525500000002",
            last_message_at=NOW - dt.timedelta(hours=3),
            speaker="staff",
            handoff_reason="asked",
        )
        talking = chat(phone="+525500000003", last_message_at=NOW - dt.timedelta(minutes=40))

        ended = inbox.conversations_expire(now=NOW)
        again = inbox.conversations_expire(now=NOW)

        closed = dict(Conversation.objects.values_list("pk", "closed_at"))
    connection.set_schema_to_public()
    assert (ended, again) == (2, 0)
    assert closed[quiet.pk] == NOW - dt.timedelta(minutes=5)
    assert closed[with_staff.pk] == NOW - dt.timedelta(hours=3) + dt.timedelta(minutes=45)
    assert closed[talking.pk] is None


def test_the_cleanup_deletes_chats_ended_before_the_retention_and_keeps_the_rest(
    restaurant_a, monkeypatch
):
    monkeypatch.setattr(inbox, "CLEANUP_BATCH", 2)  # several batches
    retention = dt.timedelta(days=30)
    with tenant_context(restaurant_a):
        BookingPolicy.objects.filter(pk=1).update(retention_days=30)
        old = [
            chat(
                phone=f"+52550000010{number}",
                last_message_at=NOW - retention - dt.timedelta(days=number + 1),
                closed_at=NOW - retention - dt.timedelta(days=number),
            )
            for number in range(1, 6)
        ]
        # Open and forgotten: it ended (idle) long ago, so it goes too.
        forgotten = chat(
            phone="+525500000200", last_message_at=NOW - retention - dt.timedelta(days=2)
        )
        recent = chat(
            phone="+525500000300",
            last_message_at=NOW - retention + dt.timedelta(days=1),
            closed_at=NOW - retention + dt.timedelta(days=1),
        )
        open_now = chat(phone="+525500000400", last_message_at=NOW - dt.timedelta(minutes=3))

        deleted = inbox.conversations_cleanup(now=NOW)

        left = set(Conversation.objects.values_list("pk", flat=True))
        messages_left = set(ConversationMessage.objects.values_list("conversation", flat=True))
    connection.set_schema_to_public()
    assert deleted == len(old) + 1
    assert left == {recent.pk, open_now.pk}
    assert messages_left == left
    assert forgotten.pk not in left


def wait_for(check, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_the_beat_jobs_end_idle_chats_and_remove_old_ones_in_every_restaurant(
    committed_restaurants, celery_worker
):
    long_ago = timezone.now() - dt.timedelta(days=500)  # beyond the default 400 days
    chats = {}
    for restaurant in committed_restaurants:
        with tenant_context(restaurant):
            chats[restaurant.slug] = (
                chat(phone="+525500000001", last_message_at=long_ago, closed_at=long_ago),
                chat(phone="+525500000002", last_message_at=timezone.now() - dt.timedelta(hours=2)),
            )
    connection.set_schema_to_public()

    dispatch.delay("chats")

    def idle_ones_ended():
        for restaurant in committed_restaurants:
            with tenant_context(restaurant):
                _old, idle = chats[restaurant.slug]
                if Conversation.objects.get(pk=idle.pk).closed_at is None:
                    return False
        return True

    assert wait_for(idle_ones_ended)
    connection.set_schema_to_public()

    dispatch.delay("cleanup")

    def old_ones_gone():
        for restaurant in committed_restaurants:
            with tenant_context(restaurant):
                old, _idle = chats[restaurant.slug]
                if Conversation.objects.filter(pk=old.pk).exists():
                    return False
        return True

    assert wait_for(old_ones_gone)
    for restaurant in committed_restaurants:
        with tenant_context(restaurant):
            _old, idle = chats[restaurant.slug]
            assert Conversation.objects.filter(pk=idle.pk).exists()  # ended two hours ago: kept
    connection.set_schema_to_public()

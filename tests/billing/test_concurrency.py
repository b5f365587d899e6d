"""Note numbers under simultaneous issues on real connections: unique, consecutive, no gap."""

import datetime as dt
import re

from django.db import connection, transaction

from billing.models import ConsumptionNote, NoteCounter
from billing.services import note_issue
from tests.billing.conftest import MEXICO, NOW
from tests.factories import CustomerFactory, TableFactory, book, open_every_day
from tests.threads import run_at_once

DAYS = [dt.date(2030, 3, 5), dt.date(2030, 3, 6)]


def test_fifty_simultaneous_issues_over_two_days_number_each_day_from_one_without_gaps(
    committed_restaurant,
):
    connection.set_tenant(committed_restaurant)
    open_every_day("12:00", "23:30", max_days_ahead=365)
    tables = [TableFactory(code=f"M{index:02d}", max_capacity=4) for index in range(25)]
    reservations = [
        book(
            customer=CustomerFactory(),
            starts_at=dt.datetime.combine(day, dt.time(20), tzinfo=MEXICO),
            party_size=2,
            table=table,
            now=NOW,
        )
        for day in DAYS
        for table in tables
    ]
    # Every fifth issue fails after taking its number and rolls back: the number returns.
    failing = set(range(0, 50, 5))

    def issue(index: int) -> str:
        with transaction.atomic():
            number = note_issue(reservation=reservations[index]).number
            if index in failing:
                raise RuntimeError("rolled back on purpose")
        return number

    results = run_at_once(committed_restaurant, 50, issue)

    for index, (outcome, detail) in enumerate(results):
        if index in failing:
            assert (outcome, detail) == ("crashed", "RuntimeError('rolled back on purpose')")
        else:
            assert outcome == "ok", results
    connection.set_tenant(committed_restaurant)
    numbers = sorted(ConsumptionNote.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 40
    for day in DAYS:
        sequence = sorted(
            int(re.fullmatch(rf"NC-{day:%Y%m%d}-(\d{{6}})", number).group(1))
            for number in numbers
            if number.startswith(f"NC-{day:%Y%m%d}-")
        )
        assert sequence == list(range(1, 21)), (day, sequence)
        assert NoteCounter.objects.get(day=day).last_number == 20

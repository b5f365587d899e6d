"""Install Celery beat's default schedule in the database (django-celery-beat).

Safe to run again: existing entries keep whatever the operator changed in the platform
admin (interval, enabled); missing ones are added.
"""

import json

from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

# job → (every how many minutes, or a daily time "HH:MM" UTC)
DEFAULT_SCHEDULE = {
    "activate": 1,
    "alerts": 5,
    "metrics": 10,
    "forecast": 60,
    "reminders": 5,
    "outbox": 1,
    "chats": 5,
    "cleanup": "04:30",
}


class Command(BaseCommand):
    help = "Install the default schedule of the recurring jobs (Celery beat, in the database)."

    def handle(self, *args, **options):
        added = 0
        for job, every in DEFAULT_SCHEDULE.items():
            name = f"comensal: {job}"
            if PeriodicTask.objects.filter(name=name).exists():
                continue
            schedule = {}
            if isinstance(every, int):
                schedule["interval"], _ = IntervalSchedule.objects.get_or_create(
                    every=every, period=IntervalSchedule.MINUTES
                )
            else:
                hour, minute = every.split(":")
                schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    minute=str(int(minute)),
                    hour=str(int(hour)),
                    day_of_week="*",
                    day_of_month="*",
                    month_of_year="*",
                    timezone="UTC",
                )
            PeriodicTask.objects.create(
                name=name,
                task="restaurants.dispatch",
                args=json.dumps([job]),
                description=f"Runs '{job}' for every active restaurant.",
                **schedule,
            )
            added += 1
        self.stdout.write(f"Schedule: {added} job(s) added, {len(DEFAULT_SCHEDULE) - added} kept.")

from django.db import migrations, models

# Every restaurant has its policy row from this migration on, so reading the policy never
# writes. SQL, not RunPython: a new restaurant's schema replays its migrations' SQL (see
# restaurants/schemas.py). The values are the model's defaults at this migration; the price
# brackets are the SPEC's (Tables: 1–2 people 5.00; 3–4 6.00; 5–6 8.00; 7–10 10.00; more
# than 10 15.00), written only with a policy row created here.
POLICY_ROW = """
WITH created AS (
    INSERT INTO reservations_bookingpolicy (
        id, reservations_enabled, auto_confirm, duration_minutes, slot_interval_minutes,
        min_notice_minutes, max_days_ahead, seat_window_minutes, finish_after_minutes,
        no_show_after_minutes, finish_when_paid, high_occupancy_percent,
        high_occupancy_cooldown_minutes, low_occupancy_percent, low_occupancy_cooldown_minutes,
        table_conflict_cooldown_minutes, retention_days, phone_region, tax_rate,
        cashier_discount_limit, address, online_max_party_size, cancel_cutoff_minutes,
        embed_origins, updated_at
    )
    VALUES (
        1, true, true, 120, 30, 60, 60, 30, 180, 30, true, 85, 15, 20, 30, 10, 400, 'MX',
        15.00, 10.00, '', 8, 120, '', now()
    )
    ON CONFLICT (id) DO NOTHING
    RETURNING id
)
INSERT INTO reservations_tablepricebracket (policy_id, up_to_capacity, price)
SELECT created.id, bracket.up_to_capacity, bracket.price
FROM created,
     (VALUES (2, 5.00), (4, 6.00), (6, 8.00), (10, 10.00), (NULL::integer, 15.00))
         AS bracket (up_to_capacity, price)
"""
# Empty used to mean "never a no-show": a party that never came stayed booked for ever.
NO_SHOW_DEFAULT = (
    "UPDATE reservations_bookingpolicy SET no_show_after_minutes = 30 "
    "WHERE no_show_after_minutes IS NULL"
)


class Migration(migrations.Migration):
    dependencies = [("reservations", "0007_book_version")]

    operations = [
        migrations.AlterField(
            model_name="bookingpolicy",
            name="no_show_after_minutes",
            field=models.PositiveSmallIntegerField(
                blank=True,
                default=30,
                help_text=(
                    "A confirmed booking never seated is marked as a no-show this long after "
                    "its start. Empty: never automatically."
                ),
                null=True,
                verbose_name="no-show after (minutes)",
            ),
        ),
        migrations.AddField(
            model_name="bookingpolicy",
            name="finish_when_paid",
            field=models.BooleanField(
                default=True,
                help_text=(
                    "When a seated party's consumption note is paid, the party is finished "
                    "and its table freed, in the cashier's name."
                ),
                verbose_name="free the table when the bill is paid",
            ),
        ),
        migrations.RunSQL(POLICY_ROW, migrations.RunSQL.noop),
        migrations.RunSQL(NO_SHOW_DEFAULT, migrations.RunSQL.noop),
    ]

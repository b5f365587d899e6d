from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0008_clock_and_payment_defaults"),
    ]

    operations = [
        migrations.AddField(
            model_name="bookingpolicy",
            name="phone",
            field=models.CharField(
                blank=True,
                default="",
                help_text=(
                    "The restaurant's phone for customers: shown on the booking pages, the "
                    "printed note and the messages."
                ),
                max_length=30,
                verbose_name="phone",
            ),
            preserve_default=False,
        ),
    ]

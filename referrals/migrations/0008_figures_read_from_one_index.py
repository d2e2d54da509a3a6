"""The partnership-and-period index holds every column the figures group and count by.

Counting the largest partnership's year (55,022 referrals) read 8,383 heap pages through a
bitmap; from the index alone it reads none once the visibility map is set (docs/performance.md,
the fourteenth change).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("referrals", "0007_referral_decided_has_decision")]

    operations = [
        migrations.RemoveIndex(model_name="referral", name="referral_by_partnership"),
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(
                fields=["partnership", "received_at"],
                include=(
                    "id",
                    "status",
                    "decision",
                    "decided_at",
                    "decision_due_on",
                    "is_repeat",
                    "referrer_agency",
                    "front_door",
                    "immediate_danger",
                    "quality_rating",
                ),
                name="referral_figures",
            ),
        ),
    ]

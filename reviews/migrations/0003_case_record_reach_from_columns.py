"""Case records no longer carry object-permission rows: who reaches one follows from its
partnership and its incident's agencies (reviews/policies.py), which every row here repeated."""

from django.db import migrations

RECORDS = ("SeriousIncident", "IncidentChild", "RapidReview", "AgencyReturn", "PracticeReview")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_pseudonymised_at"),
    ]

    operations = [
        migrations.DeleteModel(name=f"{record}{holder}ObjectPermission")
        for record in RECORDS
        for holder in ("Group", "User")
    ]

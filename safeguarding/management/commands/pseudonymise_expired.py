from django.core.management.base import BaseCommand

from safeguarding.retention import expired_records_pseudonymise


class Command(BaseCommand):
    help = (
        "Pseudonymise every record past its retention period: children's identifying details "
        "and the free text that can name them. Celery beat runs the same nightly "
        "(safeguarding.tasks.pseudonymise_expired_records); this is for running it by hand."
    )

    def handle(self, *args, **options):
        done = expired_records_pseudonymise()
        for label, count in done.items():
            self.stdout.write(f"{label}: {count}")
        self.stdout.write(self.style.SUCCESS(f"{sum(done.values())} records pseudonymised."))

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from bench import report, runner, sweep
from referrals.models import Referral


class Command(BaseCommand):
    help = "Drive the served app with wrk, measure the floors and the reminder sweep, and report."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=int, default=15, help="wrk duration per target.")
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--dataset", help="The JSON file bench_generate --record wrote.")
        parser.add_argument("--started", type=float, default=None, help="When make bench began.")

    def handle(self, *args, seconds, connections, dataset, started, **options):
        if not Referral.objects.filter(concerns__startswith="Bruising seen").exists():
            raise CommandError("No benchmark dataset here: run bench_generate first.")
        started = started or time.time()
        with connection.cursor() as cursor:
            # What autovacuum would have done by the time a live system held this much: the
            # visibility map lets index-only scans skip the tables.
            cursor.execute("VACUUM ANALYZE")
        today = timezone.localdate()
        results = {
            "date": today.isoformat(),
            "machine": report.machine(),
            "workers": 2,
            "connections": connections,
            "seconds": seconds,
            "dataset": json.loads(Path(dataset).read_text()) if dataset else None,
            "referrals": Referral.objects.count(),
        }
        results.update(
            runner.drive(runner.targets(today), seconds=seconds, connections=connections)
        )
        results["sweep"] = sweep.run()
        results["sweep_week"] = sweep.week_of_sweeps()
        results["total_seconds"] = round(time.time() - started)
        path = report.write_results(results)
        report.write_table(results)
        self.stdout.write(f"Wrote {path} and docs/performance.md")

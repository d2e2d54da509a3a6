import json
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.dataset import Generator, Sizes
from partnerships.models import User
from referrals.models import Referral


class Command(BaseCommand):
    help = "Add the benchmark's national-scale dataset to a PostgreSQL database with the demo data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Shrink every size (0.01 = 10,000 referrals)."
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--record", help="Also write the sizes and timings to this JSON file.")

    def handle(self, *args, scale, seed, record, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark dataset is written with COPY: use PostgreSQL.")
        # Its people are committed before its records, so either marks a dataset begun here.
        if (
            User.objects.filter(username__startswith="bench.").exists()
            or Referral.objects.filter(concerns__startswith="Bruising seen").exists()
        ):
            raise CommandError(
                "This database already holds a benchmark dataset, or part of one: "
                "`make bench` starts from an empty database."
            )
        call_command("seed_demo", verbosity=0)
        result = Generator(Sizes().scaled(scale), seed=seed).run()
        self.stdout.write(json.dumps(result, indent=2))
        if record:
            Path(record).write_text(json.dumps(result))

"""Drive the served app with wrk and measure it against the framework and database floors.

Each target is a page or endpoint as one persona meets it. For each one the runner:
1. requests it once in-process to check it answers 200 and to capture its SQL and query count;
2. warms it up, then drives gunicorn (production settings, 2 workers) with wrk at a fixed
   concurrency from a separate process;
3. replays the captured SQL directly with psycopg2 on one connection: the database floor.
The framework floor is a view with the full middleware stack and no database work.
"""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import psycopg2
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from audits.models import Audit
from partnerships import indicators
from partnerships.models import Partnership, User
from reviews.models import RapidReview
from safeguarding.drafts import mark_sign_in
from safeguarding.sessions import mark_renewed_at_sign_in

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
HOST, PORT = "127.0.0.1", 8099
FLOOR_REPEATS = 30
FLOOR_SECONDS = 5  # a slow page is replayed at least 3 times, else for up to 5 s
SERVER_SIDE_CURSOR = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR (WITH(OUT)? HOLD )?FOR ')
FLOOR_PATH, FRAME_PATH, API_FRAME_PATH = "/bench/floor/", "/bench/frame/", "/bench/api-frame/"


@dataclass
class Target:
    name: str
    persona: str
    path: str
    api: bool = False
    cached: bool = False  # figures cached until a counted record changes (figures_version)
    result: dict = field(default_factory=dict)


def targets(today: date) -> list[Target]:
    riverside = Partnership.objects.get(name__startswith="Riverside and Hillford")
    review = RapidReview.objects.filter(partnership=riverside).latest("clock_started_on", "pk")
    audit = Audit.objects.filter(partnership=riverside, returns__status="submitted").latest("pk")
    year_from, year_to = today - timedelta(days=365), today - timedelta(days=1)
    return [
        Target("Framework floor (no database)", "", FLOOR_PATH),
        Target("Signed-in frame (no page work)", "business.riverside", FRAME_PATH),
        Target("API frame (no endpoint work)", "business.riverside", API_FRAME_PATH, api=True),
        Target("Front door queue", "frontdoor.hillford", "/referrals/queue/"),
        Target("A referrer's own referrals", "practitioner.health", "/referrals/"),
        Target("Rapid review dashboard", "business.riverside", "/reviews/dashboard/"),
        Target("Rapid review detail", "business.riverside", f"/reviews/{review.pk}/"),
        Target("Audit results", "business.riverside", f"/audits/{audit.pk}/results/"),
        Target("Actions list", "business.riverside", "/partnerships/actions/"),
        Target("Audit returns list", "business.riverside", "/audits/returns/"),
        Target("Access log", "business.riverside", "/access-log/"),
        Target(
            "Access log, one person's reads",
            "business.riverside",
            "/access-log/?person=frontdoor.hillford",
        ),
        Target("Access log, every partnership", "admin", "/access-log/"),
        Target("Partnership page", "business.riverside", riverside.get_absolute_url()),
        Target("Referral figures", "business.riverside", "/referrals/dashboard/", cached=True),
        Target(
            "Escalation figures",
            "business.riverside",
            "/referrals/escalations/dashboard/",
            cached=True,
        ),
        Target(
            "Indicators API, one year",
            "business.riverside",
            f"/api/v1/partnerships/{riverside.pk}/indicators/?from={year_from}&to={year_to}",
            api=True,
            cached=True,
        ),
        Target(
            "Scrutineer dashboard",
            "scrutineer.riverside",
            "/partnerships/indicators/",
            cached=True,
        ),
        Target("API: referrals", "frontdoor.hillford", "/api/v1/referrals/", api=True),
        Target("API: escalations", "lead.la", "/api/v1/escalations/", api=True),
        Target("API: rapid reviews", "business.riverside", "/api/v1/rapid-reviews/", api=True),
        Target("API: audit returns", "business.riverside", "/api/v1/audit-returns/", api=True),
        Target("API: actions", "business.riverside", "/api/v1/actions/", api=True),
    ]


# -- who is asking ---------------------------------------------------------------------------


def session_cookie(user: User) -> str:
    """A signed-in, second-factor-verified session, as after signing in with a TOTP code."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    # What signing in marks on the session, so the first page measured does not save it again.
    signed_in = SimpleNamespace(session=session)
    for mark in (mark_renewed_at_sign_in, mark_sign_in):
        mark(sender=User, request=signed_in, user=user)
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def headers_for(target: Target) -> dict[str, str]:
    headers = {"X-Forwarded-Proto": "https"}
    if not target.persona:
        return headers
    user = User.objects.get(username=target.persona)
    if target.api:
        _, token = AuthToken.objects.create(user=user)
        headers["Authorization"] = f"Token {token}"
    else:
        headers["Cookie"] = session_cookie(user)
    return headers


# -- in-process: status, queries, SQL --------------------------------------------------------


def capture(target: Target, headers: dict[str, str]) -> list[str]:
    client = Client(HTTP_HOST=HOST)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    if "Cookie" in headers:
        name, _, value = headers["Cookie"].partition("=")
        client.cookies[name] = value
        meta.pop("HTTP_COOKIE")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target.path, **meta)
    if response.status_code != 200:
        raise RuntimeError(f"{target.name}: {target.path} answered {response.status_code}")
    statements = [q["sql"] for q in queries.captured_queries]
    target.result["queries"] = len(statements)
    # A server-side cursor's SQL is captured as DECLARE ... FOR <query>: replay the query.
    statements = [SERVER_SIDE_CURSOR.sub("", s) for s in statements]
    return [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def database_floor(statements: list[str]) -> float:
    """Median milliseconds to run a request's SQL directly, one connection, no Django."""
    if not statements:
        return 0.0
    db = settings.DATABASES["default"]
    with psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"],
        options=db.get("OPTIONS", {}).get("options", ""),  # the planner's settings the app has
    ) as conn:
        timings = []
        deadline = time.monotonic() + FLOOR_SECONDS
        while len(timings) < FLOOR_REPEATS and (len(timings) < 3 or time.monotonic() < deadline):
            with conn.cursor() as cursor:
                started = time.perf_counter()
                for statement in statements:
                    cursor.execute(statement)
                    if cursor.description:
                        cursor.fetchall()
                timings.append((time.perf_counter() - started) * 1000)
            conn.rollback()  # session saves and access-log rows are written once, for real
    return round(statistics.median(timings), 2)


# -- the served app --------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, workers: int = 2):
        self.workers = workers
        self.process = None

    def __enter__(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "safeguarding.wsgi:application",
                f"--config={REPO_DIR / 'gunicorn.conf.py'}",
                f"--workers={self.workers}",
                f"--bind={HOST}:{PORT}",
                "--timeout=300",  # a slow page is measured, not killed
                "--log-level=warning",
            ],
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://{HOST}:{PORT}{FLOOR_PATH}", timeout=2)
                return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def worker_rss_mb(self) -> list[float]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(round(int(line.split()[1]) / 1024, 1))
        return sorted(sizes)


def wrk(path: str, headers: dict[str, str], *, seconds: int, connections: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout=10s"]
    command += ["-s", str(BENCH_DIR / "latency.lua")]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{HOST}:{PORT}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    result = json.loads(line.removeprefix("BENCH "))
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    return result


def sequential_ms(target: Target, headers: dict[str, str], *, repeats: int, before=None):
    """Median milliseconds for the served page asked for alone, one request after another."""
    timings = []
    for _ in range(repeats):
        if before:
            before()
        request = urllib.request.Request(f"http://{HOST}:{PORT}{target.path}", headers=headers)
        started = time.perf_counter()
        urllib.request.urlopen(request, timeout=300).read()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 1)


def settle() -> None:
    """Wait until requests a load run left queued are served, so runs do not overlap."""
    for _ in range(2):
        urllib.request.urlopen(f"http://{HOST}:{PORT}{FLOOR_PATH}", timeout=300).read()


def drive(all_targets: list[Target], *, seconds: int, connections: int) -> dict:
    prepared = []
    for target in all_targets:
        headers = headers_for(target)
        if target.cached:
            indicators.figures_changed()  # so the SQL captured is the counting, not a cache hit
        statements = capture(target, headers)
        target.result["database_floor_ms"] = database_floor(statements)
        prepared.append((target, headers))
    with Gunicorn() as server:
        memory = {"after_start_mb": server.worker_rss_mb()}
        for target, headers in prepared:
            wrk(target.path, headers, seconds=2, connections=connections)
            settle()
        memory["after_warm_up_mb"] = server.worker_rss_mb()
        for target, headers in prepared:
            target.result.update(
                wrk(target.path, headers, seconds=seconds, connections=connections)
            )
            settle()
            target.result["alone_ms"] = sequential_ms(target, headers, repeats=10)
            if target.cached:
                # Each request made just after the figures went out of date.
                target.result["cold_ms"] = sequential_ms(
                    target, headers, repeats=5, before=indicators.figures_changed
                )
            print(f"{target.name}: {target.result}", file=sys.stderr, flush=True)
        memory["after_run_mb"] = server.worker_rss_mb()
    compare_with_floors(all_targets)
    return {"targets": [asdict(t) for t in all_targets], "worker_memory": memory}


def compare_with_floors(all_targets: list[Target]) -> None:
    """Each target's throughput as a share of the framework floor's and of its signed-in
    frame's (what any page, or any endpoint signed in by token, pays before its own work); its
    p50 and, for cached figures, its time counted afresh against its own SQL."""
    by_path = {target.path: target.result for target in all_targets}
    floor = by_path[FLOOR_PATH]
    for target in all_targets:
        if target.path == FLOOR_PATH:
            continue
        result = target.result
        frame = by_path[API_FRAME_PATH if target.api else FRAME_PATH]
        result["throughput_vs_framework_floor"] = round(result["rps"] / max(floor["rps"], 1), 3)
        result["throughput_vs_signed_in_frame"] = round(result["rps"] / max(frame["rps"], 1), 3)
        if result["database_floor_ms"]:
            result["p50_vs_database_floor"] = round(
                result["p50_ms"] / result["database_floor_ms"], 2
            )
            if "cold_ms" in result:
                result["cold_vs_database_floor"] = round(
                    result["cold_ms"] / result["database_floor_ms"], 2
                )

"""The benchmark's report: each row's throughput against both floors, written between the
markers in docs/performance.md and nowhere else."""

from dataclasses import asdict

from bench import report
from bench.runner import API_FRAME_PATH, FLOOR_PATH, FRAME_PATH, Target, compare_with_floors


def measured(name, persona, path, *, rps, api=False, database_floor_ms=0.0):
    target = Target(name, persona, path, api=api)
    target.result = {
        "queries": 6,
        "database_floor_ms": database_floor_ms,
        "p50_ms": 20.0,
        "p95_ms": 30.0,
        "p99_ms": 40.0,
        "rps": rps,
        "non_2xx": 0,
        "socket_errors": 0,
        "alone_ms": 5.0,
    }
    return target


def run_of(targets):
    return {
        "date": "2026-12-06",
        "machine": {"cores": 2, "cpu": "test", "memory_gib": 23.5},
        "workers": 2,
        "connections": 8,
        "seconds": 15,
        "targets": [asdict(t) for t in targets],
        "worker_memory": {"after_start_mb": [1], "after_warm_up_mb": [2], "after_run_mb": [3]},
        "sweep": [],
        "dataset": None,
        "total_seconds": 600,
    }


def targets_measured():
    targets = [
        measured("Floor", "", FLOOR_PATH, rps=3200),
        measured("Frame", "business.riverside", FRAME_PATH, rps=400, database_floor_ms=0.8),
        measured("API frame", "business.riverside", API_FRAME_PATH, rps=800, api=True),
        measured("Queue", "frontdoor.hillford", "/referrals/queue/", rps=100, database_floor_ms=4),
        measured("API", "frontdoor.hillford", "/api/v1/referrals/", rps=160, api=True),
    ]
    compare_with_floors(targets)
    return targets


def test_each_row_is_compared_with_the_framework_floor_and_the_frame_it_signs_in_through():
    floor, frame, api_frame, queue, api = (t.result for t in targets_measured())

    assert "throughput_vs_framework_floor" not in floor
    assert queue["throughput_vs_framework_floor"] == 0.031  # 100 of 3,200 a second
    assert queue["throughput_vs_signed_in_frame"] == 0.25  # 100 of the page frame's 400
    assert frame["throughput_vs_signed_in_frame"] == 1
    assert queue["p50_vs_database_floor"] == 5  # 20 ms against 4 ms of SQL
    # The API signs in by token: it is compared with the API frame, not the page frame.
    assert api["throughput_vs_framework_floor"] == 0.05
    assert api["throughput_vs_signed_in_frame"] == 0.2  # 160 of 800
    assert api_frame["throughput_vs_signed_in_frame"] == 1


def test_the_table_shows_each_share_as_a_percentage(tmp_path, monkeypatch):
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Before\n{report.START}\nold table\n{report.END}\n# After\n")
    monkeypatch.setattr(report, "DOC", doc)

    report.write_table(run_of(targets_measured()))

    text = doc.read_text()
    assert text.startswith("# Before\n") and text.endswith(f"{report.END}\n# After\n")
    assert "old table" not in text
    rows = {line.split(" | ")[0]: line.split(" | ") for line in text.splitlines()}
    assert rows["| Floor"][6:8] == ["100.0%", "n/a"]
    assert rows["| Frame"][6:8] == ["12.5%", "100.0%"]
    assert rows["| API frame"][6:8] == ["25.0%", "100.0%"]
    assert rows["| Queue"][6:8] == ["3.1%", "25.0%"]
    assert rows["| API"][6:8] == ["5.0%", "20.0%"]


def test_the_week_of_sweeps_is_tabled_day_by_day(tmp_path, monkeypatch):
    doc = tmp_path / "performance.md"
    doc.write_text(f"{report.START}\n{report.END}\n")
    monkeypatch.setattr(report, "DOC", doc)
    days = [
        {"day": 1, "already_told_overdue": 0, "reminders_sent": 3300, "seconds": 11.5},
        {"day": 3, "already_told_overdue": 1000, "reminders_sent": 6600, "seconds": 22.1},
    ]

    report.write_table({**run_of([]), "sweep_week": {"open": 100_000, "due": 1000, "week": days}})

    assert "A week of sweeps (100,000 open, 1,000 falling due each day" in doc.read_text()
    assert "| 3 | 1,000 | 6,600 | 22.1 |" in doc.read_text().splitlines()

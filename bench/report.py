"""The results file and the Markdown table in docs/performance.md."""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


def machine() -> dict:
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    return {"cores": os.cpu_count(), "memory_gib": round(memory_kb / 1024**2, 1), "cpu": model}


def write_results(results: dict) -> Path:
    path = ROOT / "bench" / "results" / f"{results['date']}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


def _table(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Run on {results['date']}: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB; "
        f"gunicorn with {results['workers']} workers, wrk at concurrency "
        f"{results['connections']} for {results['seconds']} s per row.",
        "",
        "| Page or endpoint | p50 ms | p95 ms | p99 ms | req/s | queries | "
        "req/s share of framework floor | req/s share of signed-in frame | alone ms | "
        "DB floor ms | p50 / DB floor | counted afresh ms | counted afresh / DB floor | "
        "non-2xx |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for target in results["targets"]:
        r = target["result"]
        lines.append(
            f"| {target['name']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['rps']:.0f} | {r['queries']} | "
            f"{_percent(r.get('throughput_vs_framework_floor', 1))} | "
            f"{_percent(r.get('throughput_vs_signed_in_frame'))} | "
            f"{r.get('alone_ms', '')} | {r['database_floor_ms']:.1f} | "
            f"{r.get('p50_vs_database_floor', 'n/a')} | "
            f"{r.get('cold_ms', '')} | {r.get('cold_vs_database_floor', '')} | "
            f"{r['non_2xx'] + r['socket_errors']} |"
        )
    lines += [
        "",
        "*Alone* is the median of ten requests made one after another with nothing else "
        "running: the time one request costs, which concurrency 8 on two workers queues about "
        "four deep. The indicator pages are counted once and then served from the cache until "
        "a record they count changes: their load figures are cache hits, *counted afresh* is "
        "the median of five requests each made just after the figures went out of date, and "
        "their DB floor is the counting SQL. The signed-in frame is a page with nothing of its "
        "own behind the sign-in and second factor, and the API frame an endpoint with nothing "
        "of its own behind a token: what any page or endpoint pays before its own work. Pages "
        "are compared with the first, endpoints with the second.",
    ]
    memory = results["worker_memory"]
    lines += [
        "",
        f"Gunicorn worker memory (RSS, MB): {memory['after_start_mb']} after start, "
        f"{memory['after_warm_up_mb']} after warm-up, {memory['after_run_mb']} after the run.",
        "",
        "Reminder sweep (referral decision deadlines):",
        "",
        "| Open deadlines | Due today | Reminders sent | Seconds | ms per due referral | "
        "Re-run sent | Re-run seconds |",
        "|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for s in results["sweep"]:
        lines.append(
            f"| {s['open']:,} | {s['due']:,} | {s['reminders_sent']:,} | {s['seconds']} | "
            f"{s['ms_per_due_referral']} | {s['rerun_reminders_sent']} | {s['rerun_seconds']} |"
        )
    if week := results.get("sweep_week"):
        lines += [
            "",
            f"A week of sweeps ({week['open']:,} open, {week['due']:,} falling due each day, "
            "none decided; each day's overdue referrals are told once and stay open):",
            "",
            "| Day | Already told they are overdue | Reminders sent | Seconds |",
            "|--:|--:|--:|--:|",
        ]
        lines += [
            f"| {day['day']} | {day['already_told_overdue']:,} | {day['reminders_sent']:,} | "
            f"{day['seconds']} |"
            for day in week["week"]
        ]
    if results["dataset"]:
        rows = results["dataset"]["rows"]
        seconds = results["dataset"]["seconds"]
        lines += [
            "",
            f"Dataset generation: {sum(seconds.values()):.0f} s "
            f"({', '.join(f'{step} {s:.0f} s' for step, s in seconds.items())}). "
            f"Rows written: {', '.join(f'{label} {count:,}' for label, count in rows.items())}.",
        ]
    lines += ["", f"Whole run: {results['total_seconds'] / 60:.1f} minutes."]
    return "\n".join(lines)


def _percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.1%}"


def write_table(results: dict) -> None:
    text = DOC.read_text()
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    DOC.write_text(f"{before}{START}\n{_table(results)}\n{END}{after}")

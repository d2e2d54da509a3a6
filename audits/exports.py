"""Audit results and self-assessment overviews as CSV and XLSX tables.

Callers pass rows they have already read through the permission layer.
"""

import csv
import io

from openpyxl import Workbook

from .choices import Grade, Rating

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    """Text that a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return value


def write_csv(stream, rows) -> None:
    writer = csv.writer(stream)
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])


def results_table(results) -> list[list]:
    """Grades by agency, overall and agreed at moderation, with the share good or better."""
    header = ["Agency", *Grade.labels, "Total", "Good or better (%)"]
    rows = [*results.agencies, results.overall, results.agreed]
    return [header, *([r.label, *r.cells(), r.total, r.good_or_better] for r in rows)]


RETURN_COLUMNS = (
    "Case",
    "Agency",
    "Grade",
    "What worked well",
    "What worries",
    "Child's voice heard",
    "Family feedback",
    "Immediate concern",
    "Submitted",
)


def results_workbook(results, returns=None) -> bytes:
    """Grades by agency; with `returns` (a queryset), a second sheet listing them."""
    workbook = Workbook(write_only=True)
    grades = workbook.create_sheet("Grades by agency")
    for row in results_table(results):
        grades.append([_safe(cell) for cell in row])
    if returns is not None:
        sheet = workbook.create_sheet("Returns")
        sheet.append(RETURN_COLUMNS)
        for r in returns.iterator(chunk_size=1000):
            sheet.append(
                [
                    _safe(cell)
                    for cell in (
                        r.case.reference,
                        r.agency.name,
                        r.get_grade_display(),
                        r.worked_well,
                        r.worries,
                        {True: "Yes", False: "No"}.get(r.child_voice_heard, ""),
                        r.family_feedback,
                        "Yes" if r.immediate_concern else "No",
                        r.submitted_at.replace(tzinfo=None) if r.submitted_at else "",
                    )
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def round_table(overview: dict, *, detail: bool) -> list[list]:
    """Per standard: the count of each rating this year; with `detail`, each agency by year."""
    years = overview["years"]
    if not detail:
        header = ["Standard", *Rating.labels]
        return [
            header,
            *([row["standard"].title, *row["totals"].values()] for row in overview["rows"]),
        ]
    header = ["Standard", "Agency", *(str(y) for y in years)]
    table = [header]
    for row in overview["rows"]:
        for agency, cells in zip(overview["agencies"], row["cells"], strict=True):
            table.append([row["standard"].title, agency.name, *(label for _, label in cells)])
    return table

"""Charts with their figures: Chart.js data and the accessible table shown beside each.

A chart is a dict the `includes/chart.html` template lays out: the canvas (drawn by
static/src/js/charts.js from the JSON the template writes with `json_script`, so no inline
script) and a table of the same figures for everyone who cannot see the chart.
"""


def chart(
    key: str,
    title: str,
    columns: list[str],
    rows: list[list],
    *,
    labels: list[str],
    datasets: list[dict],
    kind: str = "bar",
    stacked: bool = True,
    wide: bool = False,
    empty: str = "Nothing to show for this period.",
) -> dict:
    """`columns` head the table and `rows` fill it (the first cell of a row is its label);
    `labels` and `datasets` are Chart.js's. A `wide` chart has its table below it, not beside."""
    return {
        "id": key,
        "title": title,
        "columns": columns,
        "rows": rows,
        "wide": wide,
        "empty": empty,
        "data_id": f"{key}-data",
        "data": {"type": kind, "stacked": stacked, "labels": labels, "datasets": datasets},
    }

"""CSV exports of what a screen shows, for the carrier, the customer or a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from golive_tui.domain.phone import format_number

NUMBER_COLUMNS = (
    "number", "national", "state", "rejection_code", "site", "order", "carrier",
    "type", "assigned_to", "temp_number",
)


def write_numbers_csv(
    path: Path,
    rows: Iterable[Any],
    *,
    sites: Mapping[str, str],
    orders: Mapping[str, Any],
) -> int:
    """Write numbers to ``path`` (UTF-8 with a header row); returns how many were written.

    Written to a temporary file first and renamed, so a failed export never leaves half
    a file where a good one was.
    """
    tmp = path.with_name(path.name + ".part")
    count = 0
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(NUMBER_COLUMNS)
        for row in rows:
            order = orders.get(row.order_id or "")
            writer.writerow([
                row.e164,
                format_number(row.e164),
                row.porting_state.value,
                row.rejection_code or "",
                sites.get(row.site_id or "", ""),
                order.pon if order is not None else "",
                order.carrier if order is not None else "",
                row.number_type.value,
                row.assigned_to,
                row.temp_number or "",
            ])
            count += 1
    tmp.replace(path)
    return count

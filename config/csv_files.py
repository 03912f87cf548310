"""Larder's one CSV writer, for every export a person opens in a spreadsheet (orders, pick
lists, the bulk report).

- Cells that a spreadsheet would run as a formula (text starting with =, +, -, @, a tab or a
  carriage return: a product named "=HYPERLINK(…)") are written with a leading apostrophe, as
  OWASP's "CSV injection" advice says; numbers are written as they are (-1.5 stays a number).
- Text is UTF-8, without a byte-order mark (as Larder's exports always were), and rows end in
  CRLF (RFC 4180, the csv module's default).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell as written: None is empty, formula-like text is quoted with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """The header and the rows as CSV text, every cell through `csv_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(value) for value in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue()


def csv_response(text: str, *, filename: str) -> HttpResponse:
    """A download of CSV text (`csv_text`) as `filename`."""
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

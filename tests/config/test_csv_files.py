"""The one CSV writer (config/csv_files.py)."""

import csv
import io
from decimal import Decimal

from config.csv_files import csv_text


def test_csv_cells_a_spreadsheet_would_run_are_quoted_numbers_are_not():
    text = csv_text(
        ["product", "quantity"],
        [['=HYPERLINK("http://x")', Decimal("-1.5")], ["+33 1", None], ["@SUM(A1)", 2]],
    )

    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["product", "quantity"],
        ['\'=HYPERLINK("http://x")', "-1.5"],
        ["'+33 1", ""],
        ["'@SUM(A1)", "2"],
    ]
    assert not text.startswith("\ufeff")

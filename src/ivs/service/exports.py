"""Tables the service offers for spreadsheets (``ivs.formats.spreadsheet``): a taxpayer's
accounting, formula-like cells neutralised by a leading apostrophe. (A response's rows are
made safe the same way by its recipient: ``ivs package open --spreadsheet``.)"""

from __future__ import annotations

from ivs.formats.spreadsheet import FORMULA_START, spreadsheet_csv, spreadsheet_safe

__all__ = ["FORMULA_START", "spreadsheet_csv", "spreadsheet_safe"]

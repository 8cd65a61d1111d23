"""Oversight reports computed from the accounting ledger alone: a batch, a period, a year."""

from ivs.report.build import AnnualRow, annual_report, annual_rows, batch_report, period_report
from ivs.report.document import Figure, Report, Section, Table, Total, render_html
from ivs.report.source import LedgerBasis, LedgerView, Scope, read_view

__all__ = [
    "AnnualRow",
    "Figure",
    "LedgerBasis",
    "LedgerView",
    "Report",
    "Scope",
    "Section",
    "Table",
    "Total",
    "annual_report",
    "annual_rows",
    "batch_report",
    "period_report",
    "read_view",
    "render_html",
]

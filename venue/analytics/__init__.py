"""Analysis of simulation runs: PnL accounting and the run report."""

from venue.analytics.pnl import pnl_by_type, positions_from_trades
from venue.analytics.report import make_report

__all__ = ["make_report", "pnl_by_type", "positions_from_trades"]

"""Dates as a case states them: parsed statements (`dates`), the network of constraints between events
(`network`), each event's bounds and drawn day (`resolution`), and dates said back in words (`when`)."""

from .dates import DateProblem, parse_date
from .resolution import FOLLOW_UP
from .when import say_days

__all__ = ["FOLLOW_UP", "DateProblem", "parse_date", "say_days"]

"""Every write of the supervision app: audits (``audits``), KPIs, rules and rewards (``rewards``)."""

from .audits import *  # noqa: F403
from .rewards import *  # noqa: F403

"""`make run` on one machine: the real server on loopback over plain HTTP."""

from .base import *  # noqa: F403

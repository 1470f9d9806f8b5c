"""安信 Anxin — information management for service businesses."""

__version__ = "0.1.0"

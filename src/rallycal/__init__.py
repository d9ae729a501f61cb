"""rallycal: one hand-edited events.yaml in, calendar feeds that real clients accept out."""

__version__ = "0.1.0"

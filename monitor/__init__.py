"""monitor: a self-hosted news monitor that reports only genuinely new developments."""

__version__ = "0.1.0"

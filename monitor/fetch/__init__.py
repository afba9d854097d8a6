"""Fetching: ``http`` is the only outbound-HTTP seam; ``feed`` and ``page`` build on it."""

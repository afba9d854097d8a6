"""Digests: select and cap (build), render per format (render), schedule and deliver (run)."""

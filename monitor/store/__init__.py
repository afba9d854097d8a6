"""Storage: SQLAlchemy models, sessions, one module per aggregate, Alembic migrations.

ORM rows never leave this package: functions here take and return the typed values
of :mod:`monitor.types`.
"""

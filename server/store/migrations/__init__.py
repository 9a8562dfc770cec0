"""Alembic migrations for the Makaverse store."""

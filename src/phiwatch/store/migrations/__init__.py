"""Alembic migrations of the operational store (one branch per capability)."""

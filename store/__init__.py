"""Persistence: typed SQLAlchemy models, dedupe rules and migrations.

Deduplication lives in the database (unique constraints and a partial unique
index), so two workers racing on the same declaration end with one row.
"""

"""Persistence: SQLAlchemy Core tables, migrations, queries and set-based forms of the rules."""

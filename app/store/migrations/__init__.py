"""Alembic's environment (env.py) and revisions (versions/), loaded by path: see ../migrate.py."""

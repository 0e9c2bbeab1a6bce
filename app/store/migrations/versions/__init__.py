"""The revisions, oldest first; Alembic loads each by path."""

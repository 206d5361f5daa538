"""Alembic environment and revisions for the robocall schema (run by ivr.storage.db.migrate)."""

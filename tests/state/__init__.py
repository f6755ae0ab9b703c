"""The state-store test suite (run on SQLite and PostgreSQL)."""

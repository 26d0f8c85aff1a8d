"""SQLite persistence through sqlite-utils: migrations and one module per table group."""

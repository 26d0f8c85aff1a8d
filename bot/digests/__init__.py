"""Daily and weekly insight digests: schedule, read, compose, chart, post."""

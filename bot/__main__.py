"""`python -m bot` runs the igbot command line."""

from bot.cli import main

main()

"""Accounts as people see them: /ig accounts, /ig settings and the App Home, from stored state only."""

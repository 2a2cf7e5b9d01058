"""Accounts, role assignments, sessions and log-in."""

"""Accounts, roles, login with lock-out, and the jurisdiction every list is filtered by."""

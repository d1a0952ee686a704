"""Verifiable credentials: each completion certificate also issued as a signed Open Badges 3.0 credential."""

"""Personal information under China's Personal Information Protection Law (PIPL).

The privacy notice and its acceptance, each person's copy of their data, retention and pseudonymisation,
deletion requests, and the log of who opened whose records.
"""

"""In-app notifications and email, sent only when the transaction that caused them commits."""

"""Background work: the transactional outbox (emails, xAPI statements), scheduled jobs, Celery."""

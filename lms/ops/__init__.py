"""Running the application: logging with request ids, health and readiness, production start checks."""

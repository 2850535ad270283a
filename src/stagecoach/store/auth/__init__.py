"""Accounts, tokens, web sessions, rate-limit leases, idempotency keys."""

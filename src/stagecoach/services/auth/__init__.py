"""Accounts, tokens and web users."""

"""Lifecycle reports computed in the database."""

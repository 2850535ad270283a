"""Contacts arriving from outside: forms, tracking events."""

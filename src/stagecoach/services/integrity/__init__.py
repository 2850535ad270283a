"""Checking and repairing derived data (`stagecoach verify`)."""

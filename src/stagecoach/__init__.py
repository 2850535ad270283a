"""Stagecoach: an open-source CRM lifecycle-stage engine."""

__version__ = "0.1.0"

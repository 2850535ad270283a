"""Lifecycle stages: automation, settings and backfills, demotion, explain, time travel."""

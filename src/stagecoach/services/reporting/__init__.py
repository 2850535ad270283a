"""Lifecycle reports."""

"""The rules, pure: no I/O, no framework, no clock (time is always passed in)."""

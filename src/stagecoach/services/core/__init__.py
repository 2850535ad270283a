"""The unit of work and the single write path every change goes through."""

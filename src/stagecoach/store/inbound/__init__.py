"""Form definitions and submissions."""

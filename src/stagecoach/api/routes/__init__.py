"""One module per route family; each exposes `router`."""

"""Background work: one queue in the database (store/worker/work_items.py) and the worker
that drains it (worker.py), with one handler per kind of work (handlers.py)."""

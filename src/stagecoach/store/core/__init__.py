"""Engines, transactions, ids and the SQL helpers every store module uses."""

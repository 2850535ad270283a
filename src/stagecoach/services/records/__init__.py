"""Records and their associations: create, update, archive, merge, upsert, read."""

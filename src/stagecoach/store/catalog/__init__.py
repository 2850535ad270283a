"""The account's catalog: loading it, its version, property and pipeline rows."""

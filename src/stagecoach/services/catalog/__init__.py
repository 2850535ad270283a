"""The account's catalog: property definitions and deal pipelines."""

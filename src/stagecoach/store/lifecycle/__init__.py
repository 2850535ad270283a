"""Set-based forms of the lifecycle rules: stage moves, reactions, stays, paths."""

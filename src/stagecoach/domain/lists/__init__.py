"""Lists (automation spec rules 54-58): the filter branch, its parsing, and the order in
which lists that name other lists are kept."""

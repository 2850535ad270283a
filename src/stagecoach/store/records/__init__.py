"""Record rows, their history, associations, and the reads behind search and pages."""

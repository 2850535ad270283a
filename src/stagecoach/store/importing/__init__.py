"""Import jobs, their error rows and their files."""

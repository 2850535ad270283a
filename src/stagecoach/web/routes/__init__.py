"""The web app's page families, one module each."""

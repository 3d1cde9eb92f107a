"""Shared test helpers: the stack read from template.yaml, and the local server run as a subprocess."""

"""Entities and errors of the registry. Imports nothing else of the project."""

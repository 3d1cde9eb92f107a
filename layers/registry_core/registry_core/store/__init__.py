"""Persistence of the registry: the abstract store, its DynamoDB implementation and an in-memory fake."""

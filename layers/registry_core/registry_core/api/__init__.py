"""API Gateway HTTP API (payload v2.0) <-> the registry: parsing, responses, and the one place errors are mapped."""

"""The registry's rules, over an abstract store (services are built in registry_core/wiring.py)."""

"""smr: the Python client and command line of smr, the serverless MLflow-compatible model registry."""

__version__ = "0.1.0"

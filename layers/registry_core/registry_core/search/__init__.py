"""MLflow's search grammar (filter strings, order_by clauses) for the registry; pure, no AWS, no mlflow import."""

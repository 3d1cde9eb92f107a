"""smr_local: the registry on a laptop (`make run`).

An embedded AWS (moto's server, every request made atomic), the table and bucket created from template.yaml, and an
HTTP server that turns requests into API Gateway HTTP API v2.0 events for the very handlers Lambda runs. Data is
kept in a folder (`.smr/` by default) across restarts; see `smr_local.persistence`.
"""

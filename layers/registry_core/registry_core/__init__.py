"""smr's shared code, shipped to every function as a Lambda layer."""

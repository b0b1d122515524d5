"""`venue bench`: latency and throughput of the engine (being written)."""

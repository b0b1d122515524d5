"""venue: an exchange simulator and market-microstructure lab (stub, being written)."""

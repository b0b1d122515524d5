"""Trading agents."""

"""Testing tools for users and licensees: the reference model and the fuzzer (being written)."""

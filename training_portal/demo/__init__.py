"""Demo data for a newcomer and for the tests: a believable province."""

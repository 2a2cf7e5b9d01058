"""Fixtures for training tests: ``users`` (the demo's accounts by name) is the root one;
makers are in tests/training/helpers.py and tests/factories.py."""

"""Fixtures for training tests: the demo province with its accounts by name."""

from __future__ import annotations

import pytest

from ..exams.conftest import users_by_name


@pytest.fixture()
def users(demo):
    return users_by_name()

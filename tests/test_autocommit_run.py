"""``core.db.autocommit_run``: statements compiled once and run on a pooled connection that
commits each by itself, lent and given back as it came."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import StaticPool

from training_portal.core.db import Prepared, autocommit_run


def test_the_connection_goes_back_to_the_pool_as_it_came(database_url):
    """The connection is lent in autocommit; the next user of the same connection gets it
    transactional again (a rollback undoes its work)."""
    engine = create_engine(database_url, poolclass=StaticPool)
    try:
        count = Prepared(text("SELECT count(*) FROM quick_probe"))
        with autocommit_run(engine) as run:
            run(Prepared(text("CREATE TEMPORARY TABLE quick_probe (n INTEGER)")), {})
            run(Prepared(text("INSERT INTO quick_probe VALUES (1)")), {})
        with engine.connect() as conn:
            conn.execute(text("INSERT INTO quick_probe VALUES (2)"))
            conn.rollback()
        with autocommit_run(engine) as run:
            assert run(count, {}) == [(1,)]
    finally:
        engine.dispose()


def test_a_driver_error_is_sqlalchemys_and_the_connection_stays_usable(database_url):
    engine = create_engine(database_url, poolclass=StaticPool)
    try:
        with pytest.raises(sa_exc.DBAPIError), autocommit_run(engine) as run:
            run(Prepared(text("SELECT n FROM no_such_table")), {})
        with autocommit_run(engine) as run:
            assert run(Prepared(text("SELECT 1")), {}) == [(1,)]
    finally:
        engine.dispose()

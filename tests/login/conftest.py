"""Shared fixtures of the login tests: the certificates (made once)."""
import shutil
import tempfile

import pytest

from loginserver import Certs, check_prerequisites


@pytest.fixture(scope="session")
def certs():
    check_prerequisites()
    base = tempfile.mkdtemp(prefix="login-certs.", dir="/tmp")
    try:
        yield Certs(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)

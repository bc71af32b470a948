"""Failed logins end the connection after the third one (imapd: "* BYE Too
many login failures"; ipop3d closes after the third -ERR), whatever
mechanism failed.  The growing delay between them (3 s, 6 s, ...) is not
timed: the servers run under libfaketime with fast clocks so that it costs
little wall time."""
import re

import pytest

from loginserver import PASSWORD, CramMD5, Plain, Server, run_sasl

SECRET = "failure secret"
SPEED = 20


@pytest.fixture(scope="module")
def imap(certs):
    s = Server("imapd", certs, speed=SPEED)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def imap_secrets(certs):
    s = Server("imapd", certs, secrets={"demo": SECRET}, speed=SPEED)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def pop(certs):
    s = Server("ipop3d", certs, speed=SPEED)
    yield s
    s.stop()


def test_imap_bye_after_three_failed_logins(imap):
    m = imap.mark()
    with imap.imap() as c:
        for i in range(3):
            done = c.login("demo", "wrong%d" % i)
            assert re.fullmatch(r"t\d+ NO Login failed\.", done), (i, done)
        assert c.readline() == "* BYE Too many login failures"
        assert c.read_to_eof() == b""
    log = imap.wait_log("Too many login failures", since=m)
    assert len(re.findall(r"Login failed user=demo auth=demo host=\[127\.0\.0\.1\]",
                          log)) == 3, log
    assert "wrong0" not in imap.log_text()


def test_imap_two_failures_then_success(imap):
    with imap.imap() as c:
        for i in range(2):
            assert " NO Login failed." in c.login("demo", "wrong")
        ok = c.login("demo", PASSWORD)
        assert re.match(r"t\d+ OK \[CAPABILITY ", ok), ok
        assert c.cmd("NOOP")[1].split()[1] == "OK"


def test_imap_sasl_failures_count_too(imap_secrets):
    with imap_secrets.imap() as c:
        done = c.login("demo", "wrong")
        assert " NO Login failed." in done, done
        done, _ = run_sasl(c, "PLAIN", Plain("demo", "wrong"), ir=True)
        assert " NO Login failed." in done, done
        done, _ = run_sasl(c, "CRAM-MD5", CramMD5("demo", "wrong"))
        assert " NO Login failed." in done, done
        assert c.readline() == "* BYE Too many login failures"
        assert c.read_to_eof() == b""


def test_pop_closes_after_three_failed_logins(pop):
    with pop.pop() as c:
        for i in range(3):
            assert c.cmd("USER demo").startswith("+OK")
            assert c.cmd("PASS wrong%d" % i) == "-ERR [AUTH] Bad login", i
        c.read_to_eof()
    pop.wait_log("Too many login failures")

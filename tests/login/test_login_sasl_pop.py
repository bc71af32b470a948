"""SASL over POP3 AUTH (RFC 5034) end to end, APOP with the secrets file,
and the AUTH-RESP-CODE replies.  Same mechanisms as IMAP except ANONYMOUS,
which POP3 never offers.  The servers run with fast clocks (libfaketime)
so failed-login delays are short; nothing is timed."""
import hashlib
import re

import pytest

from loginserver import (PASSWORD, CramMD5, External, Login, Plain, Scram,
                         Server, auth_start, b64, is_challenge, run_sasl,
                         unb64)

SECRET = "pop cram secret"
SECRETS = {"demo": SECRET, "demo2": "other", "demo2@example.org": "other"}
WRONG = "Wrong-Guess-17"
SPEED = 20
BAD_LOGIN = "-ERR [AUTH] Bad login"
MECHS = ["SCRAM-SHA-256", "CRAM-MD5", "EXTERNAL", "PLAIN", "LOGIN"]


@pytest.fixture(scope="module")
def srv(certs):
    # the anonymous file exists: POP3 must still not offer ANONYMOUS
    s = Server("ipop3d", certs, client_ca=True, secrets=SECRETS, anonymous=True,
               speed=SPEED)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def bare(certs):
    s = Server("ipop3d", certs, client_ca=True, speed=SPEED)
    yield s
    s.stop()


def tls_conn(s, certs, cert=None):
    c = s.pop()
    assert c.cmd("STLS") == "+OK Begin TLS negotiation"
    c.starttls(certs.client_ctx(cert))
    return c


def assert_open(c, done):
    assert re.fullmatch(r"\+OK Mailbox open, 1 messages?", done), done
    assert c.cmd("STAT").startswith("+OK 1 ")
    assert c.cmd("QUIT").startswith("+OK")


def assert_failed(s, c, done, user, since, secret=None):
    assert done == BAD_LOGIN, done
    s.wait_log("Login failed user=%s auth=%s host=[127.0.0.1]" % (user, user),
               since=since)
    if secret:
        assert secret not in s.log_text() and b64(secret) not in s.log_text()
    assert "USER" in c.capa()      # still in AUTHORIZATION


# ------------------------------------------------------------ offered

def test_capa_sasl_line(srv, certs):
    with srv.pop() as c:
        caps = c.capa()
        assert "SASL SCRAM-SHA-256 CRAM-MD5 PLAIN LOGIN" in caps, caps
        assert "AUTH-RESP-CODE" in caps and "STLS" in caps, caps
    with tls_conn(srv, certs, "client-demo") as c:
        caps = c.capa()
        assert "SASL " + " ".join(MECHS) in caps, caps


def test_auth_without_argument_lists_mechanisms(srv, certs):
    with tls_conn(srv, certs, "client-demo") as c:
        assert c.cmd("AUTH").startswith("+OK")
        assert c.lines() == MECHS


def test_anonymous_never_offered(srv):
    with srv.pop() as c:
        assert not [x for x in c.capa() if "ANONYMOUS" in x]
        assert c.cmd("AUTH ANONYMOUS " + b64("x@example.org")) == \
            "-ERR Unsupported authentication mechanism"
        assert c.cmd("AUTH ANONYMOUS") == "-ERR Unsupported authentication mechanism"


def test_no_secrets_no_cram_scram_apop(bare):
    with bare.pop() as c:
        assert not re.search(r"<[^<>]+>", c.greeting), c.greeting
        caps = c.capa()
        assert "SASL PLAIN LOGIN" in caps, caps
        for mech in ("CRAM-MD5", "SCRAM-SHA-256"):
            assert c.cmd("AUTH " + mech) == "-ERR Unsupported authentication mechanism"
        assert c.cmd("APOP demo 0123456789abcdef0123456789abcdef").startswith("-ERR")
        assert c.cmd("USER demo").startswith("+OK")
        assert c.cmd("PASS " + PASSWORD).startswith("+OK Mailbox open")


def test_unknown_mechanism(srv):
    with srv.pop() as c:
        assert c.cmd("AUTH X-NOSUCH") == "-ERR Unsupported authentication mechanism"


# ------------------------------------------------------------ success

@pytest.mark.parametrize("ir", [False, True], ids=["no-ir", "ir"])
@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN", "SCRAM-SHA-256"])
def test_mechanism_success(srv, mech, ir):
    m = srv.mark()
    cl = {"PLAIN": Plain("demo", SECRET), "LOGIN": Login("demo", SECRET),
          "SCRAM-SHA-256": Scram("demo", SECRET)}[mech]
    with srv.pop() as c:
        done, _ = run_sasl(c, mech, cl, ir=ir, pop=True)
        if mech == "SCRAM-SHA-256":
            assert cl.server_final == cl.expected_v, cl.server_final
        assert_open(c, done)
    srv.wait_log(re.compile(r"Auth user=demo host=\[127\.0\.0\.1\] nmsgs=1"), since=m)


def test_cram_md5(srv):
    with srv.pop() as c:
        done, ch = run_sasl(c, "CRAM-MD5", CramMD5("demo", SECRET), pop=True)
        assert len(ch) == 1
        assert_open(c, done)


@pytest.mark.parametrize("ir", [False, True], ids=["no-ir", "ir"])
def test_external(srv, certs, ir):
    with tls_conn(srv, certs, "client-demo") as c:
        done, _ = run_sasl(c, "EXTERNAL", External(), ir=ir, pop=True)
        assert_open(c, done)


def test_apop_with_secrets(srv):
    m = srv.mark()
    with srv.pop() as c:
        stamp = re.search(r"<[^<>]+>", c.greeting)
        assert stamp, c.greeting
        digest = hashlib.md5((stamp.group(0) + SECRET).encode()).hexdigest()
        assert_open(c, c.cmd("APOP demo " + digest))
    srv.wait_log("user=demo", since=m)


# ------------------------------------------------------------ failures

def test_apop_wrong_secret(srv):
    m = srv.mark()
    with srv.pop() as c:
        stamp = re.search(r"<[^<>]+>", c.greeting).group(0)
        digest = hashlib.md5((stamp + WRONG).encode()).hexdigest()
        assert_failed(srv, c, c.cmd("APOP demo " + digest), "demo", m)


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"])
def test_wrong_password(srv, mech):
    m = srv.mark()
    cl = {"PLAIN": Plain("demo", WRONG), "LOGIN": Login("demo", WRONG),
          "CRAM-MD5": CramMD5("demo", WRONG), "SCRAM-SHA-256": Scram("demo", WRONG)}[mech]
    with srv.pop() as c:
        done, _ = run_sasl(c, mech, cl, pop=True)
        assert_failed(srv, c, done, "demo", m, WRONG)


def test_user_pass_checks_secret_not_account_password(srv):
    m = srv.mark()
    with srv.pop() as c:
        assert c.cmd("USER demo").startswith("+OK")
        assert_failed(srv, c, c.cmd("PASS " + PASSWORD), "demo", m, PASSWORD)


def test_scram_unknown_user_fails_at_the_end(srv):
    m = srv.mark()
    with srv.pop() as c:
        cl = Scram("nosuchuser", SECRET)
        done, ch = run_sasl(c, "SCRAM-SHA-256", cl, ir=True, pop=True)
        assert len(ch) == 1 and ch[0].startswith(b"r="), ch
        assert_failed(srv, c, done, "nosuchuser", m)


def test_external_authzid_of_another_user(srv, certs):
    m = srv.mark()
    with tls_conn(srv, certs, "client-demo") as c:
        done, _ = run_sasl(c, "EXTERNAL", External("demo2"), ir=True, pop=True)
        assert done == BAD_LOGIN, done
        srv.wait_log(re.compile(r"Login failed user=demo2? auth=demo2? "
                                r"host=\[127\.0\.0\.1\]"), since=m)


def test_external_without_client_certificate(srv, certs):
    with tls_conn(srv, certs) as c:
        assert not [x for x in c.capa() if "EXTERNAL" in x]
        assert c.cmd("AUTH EXTERNAL =") == "-ERR Unsupported authentication mechanism"


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"])
def test_cancel_at_first_challenge(srv, mech):
    with srv.pop() as c:
        auth_start(c, mech, pop=True)
        assert is_challenge(c.readline())
        assert c.cmd("*") == "-ERR Authentication cancelled"
        assert "USER" in c.capa()


def test_cancel_as_initial_response(srv):
    with srv.pop() as c:
        assert c.cmd("AUTH PLAIN *") == "-ERR Authentication cancelled"


def test_cancel_login_at_password(srv):
    with srv.pop() as c:
        auth_start(c, "LOGIN", ir=b64("demo"), pop=True)
        line = c.readline()
        assert unb64(line[2:]) == b"Password:", line
        assert c.cmd("*") == "-ERR Authentication cancelled"


def test_cancel_scram_at_server_first_and_final(srv):
    with srv.pop() as c:
        cl = Scram("demo", SECRET)
        auth_start(c, "SCRAM-SHA-256", ir=b64(cl.initial()), pop=True)
        assert unb64(c.readline()[2:]).startswith(b"r=")
        assert c.cmd("*") == "-ERR Authentication cancelled"
    with srv.pop() as c:
        cl = Scram("demo", SECRET)
        auth_start(c, "SCRAM-SHA-256", ir=b64(cl.initial()), pop=True)
        resp = cl.respond(unb64(c.readline()[2:]))
        line = c.cmd(b64(resp))
        assert is_challenge(line) and unb64(line[2:]).decode() == cl.expected_v, line
        assert c.cmd("*") == "-ERR Authentication cancelled"
        assert "USER" in c.capa()     # not logged in


def test_invalid_base64(srv):
    with srv.pop() as c:
        assert c.cmd("AUTH PLAIN !!!!") == "-ERR Invalid base64 data"
        auth_start(c, "PLAIN", pop=True)
        assert is_challenge(c.readline())
        assert c.cmd("@@@") == "-ERR Invalid base64 data"


def test_mechanism_syntax_error(srv):
    with srv.pop() as c:
        assert c.cmd("AUTH PLAIN " + b64("no-nuls-here")) == "-ERR [AUTH] Bad authentication"
        auth_start(c, "CRAM-MD5", pop=True)
        assert is_challenge(c.readline())
        assert c.cmd(b64("demo zz")) == "-ERR [AUTH] Bad authentication"


def test_response_too_long(srv):
    with srv.pop() as c:
        auth_start(c, "PLAIN", pop=True)
        assert is_challenge(c.readline())
        line = c.cmd("QUFB" * 5000)
        assert line.startswith("-ERR") and "too long" in line, line
        assert "USER" in c.capa()     # the session goes on


def test_no_password_in_log(srv):
    log = srv.log_text()
    for secret in (SECRET, WRONG, PASSWORD):
        assert secret not in log and b64(secret) not in log, secret
    assert "Login failed user=demo auth=demo host=[127.0.0.1]" in log

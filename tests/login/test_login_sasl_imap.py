"""SASL over IMAP AUTHENTICATE, end to end: PLAIN, LOGIN, CRAM-MD5,
SCRAM-SHA-256, EXTERNAL (TLS client certificates) and ANONYMOUS, with and
without SASL-IR, and their failure paths (wrong credentials, "*" at each
step, bad base64, over-long responses, SCRAM tampering).

The servers run under libfaketime with fast clocks, so the growing delay
after a failed login (3 s, 6 s, ...) costs a fraction of that; nothing is
timed.  With the secrets file in place, plaintext passwords are checked
against the secret (UW's rule): the account-file password no longer works.
"""
import re

import pytest

from loginserver import (PASSWORD, Anonymous, CramMD5, External, Login,
                         Plain, Scram, Server, auth_start, b64, final_line,
                         is_challenge, run_sasl, unb64)

SECRET = "demo's cram secret"
SECRET2 = "another secret"
SECRETS = {"demo": SECRET, "demo2": SECRET2, "demo2@example.org": SECRET2}
WRONG = "Wrong-Guess-42"
SPEED = 20
AUTH_OK = re.compile(r"t\d+ OK \[CAPABILITY [^]]*\] User (\S+) authenticated$")
ORDER = ["AUTH=SCRAM-SHA-256", "AUTH=CRAM-MD5", "AUTH=EXTERNAL", "AUTH=PLAIN",
         "AUTH=LOGIN", "AUTH=ANONYMOUS"]


@pytest.fixture(scope="module")
def srv(certs):
    s = Server("imapd", certs, client_ca=True, secrets=SECRETS, anonymous=True,
               speed=SPEED)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def bare(certs):
    """No secrets file, no anonymous file (but a certificate and a CA)."""
    s = Server("imapd", certs, client_ca=True, speed=SPEED)
    yield s
    s.stop()


def tls_conn(s, certs, cert=None):
    c = s.imap()
    _, done = c.cmd("STARTTLS")
    assert done.split()[1] == "OK", done
    c.starttls(certs.client_ctx(cert))
    return c


def assert_ok(done, user="demo"):
    m = AUTH_OK.match(done)
    assert m and m.group(1) == user, done
    caps = re.search(r"\[CAPABILITY ([^]]*)\]", done).group(1).split()
    assert not [x for x in caps if x.startswith("AUTH=")], caps
    assert "STARTTLS" not in caps, caps


def assert_failed(s, c, done, user, since, secret=None):
    assert re.fullmatch(r"t\d+ NO Login failed\.", done), done
    s.wait_log("Login failed user=%s auth=%s host=[127.0.0.1]" % (user, user),
               since=since)
    if secret:
        assert secret not in s.log_text()
        assert b64(secret) not in s.log_text()
    # still not logged in: mechanisms are offered again
    assert "AUTH=PLAIN" in c.capabilities()


def assert_not_logged_in(c):
    caps = c.capabilities()
    assert [x for x in caps if x.startswith("AUTH=")], caps


# ------------------------------------------------------------ offered

def test_mechanisms_in_order_with_client_certificate(srv, certs):
    with tls_conn(srv, certs, "client-demo") as c:
        caps = c.capabilities()
        assert [x for x in caps if x.startswith("AUTH=")] == ORDER, caps


def test_mechanisms_before_tls(srv):
    with srv.imap() as c:
        caps = c.capabilities()
        got = [x for x in caps if x.startswith("AUTH=")]
        assert got == [m for m in ORDER if m != "AUTH=EXTERNAL"], caps
        assert "SASL-IR" in caps and "STARTTLS" in caps, caps


def test_no_secrets_no_anonymous_file(bare, certs):
    with tls_conn(bare, certs, "client-demo") as c:
        caps = c.capabilities()
        assert [x for x in caps if x.startswith("AUTH=")] == \
            ["AUTH=EXTERNAL", "AUTH=PLAIN", "AUTH=LOGIN"], caps
        for mech in ("CRAM-MD5", "SCRAM-SHA-256", "ANONYMOUS"):
            _, done = c.cmd("AUTHENTICATE " + mech)
            assert re.fullmatch(r"t\d+ NO Unsupported authentication mechanism",
                                done), (mech, done)
        _, done = c.cmd("AUTHENTICATE ANONYMOUS " + b64("x@example.org"))
        assert re.fullmatch(r"t\d+ NO Unsupported authentication mechanism", done)


def test_unknown_mechanism(srv):
    with srv.imap() as c:
        _, done = c.cmd("AUTHENTICATE X-NOSUCH")
        assert re.fullmatch(r"t\d+ NO Unsupported authentication mechanism", done)
        _, done = c.cmd("AUTHENTICATE X-NOSUCH " + b64("abc"))
        assert re.fullmatch(r"t\d+ NO Unsupported authentication mechanism", done)


# ------------------------------------------------------------ success

@pytest.mark.parametrize("ir", [False, True], ids=["no-ir", "sasl-ir"])
def test_plain(srv, ir):
    m = srv.mark()
    with srv.imap() as c:
        done, ch = run_sasl(c, "PLAIN", Plain("demo", SECRET), ir=ir)
        assert_ok(done)
        assert ch == ([] if ir else [b""]), ch
        _, sel = c.cmd("SELECT INBOX")
        assert sel.split()[1] == "OK", sel
    srv.wait_log("Authenticated user=demo host=[127.0.0.1] mech=PLAIN", since=m)


def test_plain_with_own_authzid(srv):
    with srv.imap() as c:
        done, _ = run_sasl(c, "PLAIN", Plain("demo", SECRET, authz="demo"), ir=True)
        assert_ok(done)


@pytest.mark.parametrize("ir", [False, True], ids=["no-ir", "sasl-ir"])
def test_login_mechanism(srv, ir):
    m = srv.mark()
    with srv.imap() as c:
        done, ch = run_sasl(c, "LOGIN", Login("demo", SECRET), ir=ir)
        assert_ok(done)
        assert ch == ([b"Password:"] if ir else [b"Username:", b"Password:"]), ch
    srv.wait_log("Authenticated user=demo host=[127.0.0.1] mech=LOGIN", since=m)


def test_cram_md5(srv):
    m = srv.mark()
    with srv.imap() as c:
        done, ch = run_sasl(c, "CRAM-MD5", CramMD5("demo", SECRET))
        assert_ok(done)
        assert len(ch) == 1
    srv.wait_log("Authenticated user=demo host=[127.0.0.1] mech=CRAM-MD5", since=m)


def test_cram_md5_challenges_differ(srv):
    seen = set()
    for _ in range(2):
        with srv.imap() as c:
            cl = CramMD5("demo", SECRET)
            done, _ = run_sasl(c, "CRAM-MD5", cl)
            assert_ok(done)
            seen.add(cl.challenge)
    assert len(seen) == 2, seen


def test_cram_md5_initial_response_refused(srv):
    with srv.imap() as c:
        _, done = c.cmd("AUTHENTICATE CRAM-MD5 " + b64("demo 0123456789abcdef0123456789abcdef"))
        assert re.fullmatch(r"t\d+ BAD Invalid CRAM-MD5 authentication response",
                            done), done
        assert_not_logged_in(c)


@pytest.mark.parametrize("ir", [False, True], ids=["no-ir", "sasl-ir"])
def test_scram_sha_256(srv, ir):
    m = srv.mark()
    with srv.imap() as c:
        cl = Scram("demo", SECRET)
        done, ch = run_sasl(c, "SCRAM-SHA-256", cl, ir=ir)
        assert_ok(done)
        assert ch[0] == b"" if not ir else ch[0].startswith(b"r="), ch
        # the server proved it knows the secret: v= checked here
        assert cl.server_final == cl.expected_v, (cl.server_final, cl.expected_v)
    srv.wait_log("Authenticated user=demo host=[127.0.0.1] mech=SCRAM-SHA-256",
                 since=m)


def test_scram_gs2_flag_y_accepted(srv):
    with srv.imap() as c:
        cl = Scram("demo", SECRET, gs2="y,,")
        done, _ = run_sasl(c, "SCRAM-SHA-256", cl, ir=True)
        assert_ok(done)
        assert cl.server_final == cl.expected_v


@pytest.mark.parametrize("ir", [False, True], ids=["no-ir", "sasl-ir"])
def test_external_with_client_certificate(srv, certs, ir):
    m = srv.mark()
    with tls_conn(srv, certs, "client-demo") as c:
        done, ch = run_sasl(c, "EXTERNAL", External(), ir=ir)
        assert_ok(done)
        assert ch == ([] if ir else [b""]), ch
    srv.wait_log("Authenticated user=demo host=[127.0.0.1] mech=EXTERNAL", since=m)


def test_external_with_own_authzid(srv, certs):
    with tls_conn(srv, certs, "client-demo") as c:
        done, _ = run_sasl(c, "EXTERNAL", External("demo"), ir=True)
        assert_ok(done)


def test_external_identity_is_email_address(srv, certs):
    # subject CN=Somebody Else, emailAddress=demo2@example.org
    with tls_conn(srv, certs, "client-mail") as c:
        done, _ = run_sasl(c, "EXTERNAL", External(), ir=True)
        assert_ok(done, user="demo2@example.org")


@pytest.mark.parametrize("ir", [False, True], ids=["no-ir", "sasl-ir"])
def test_anonymous(srv, ir):
    m = srv.mark()
    with srv.imap() as c:
        done, _ = run_sasl(c, "ANONYMOUS", Anonymous("tester@example.org"), ir=ir)
        assert re.fullmatch(r"t\d+ OK \[CAPABILITY [^]]*\] Anonymous login", done), done
    srv.wait_log("Login anonymous=tester@example.org host=[127.0.0.1]", since=m)


def test_anonymous_session_is_read_only(srv):
    with srv.imap() as c:
        done, _ = run_sasl(c, "ANONYMOUS", Anonymous("reader"), ir=True)
        assert " OK " in done, done
        _, done = c.cmd("CREATE newbox")
        assert re.fullmatch(r"t\d+ NO Anonymous users may not CREATE", done), done
        _, done = c.cmd("DELETE INBOX")
        assert re.fullmatch(r"t\d+ NO Anonymous users may not DELETE", done), done
        _, done = c.cmd("SUBSCRIBE #public/x")
        assert re.fullmatch(r"t\d+ NO Anonymous users may not SUBSCRIBE", done), done
        _, done = c.cmd("APPEND #public/x {12+}\r\nSubject: x\r\n")
        assert re.fullmatch(r"t\d+ NO Anonymous users may not APPEND", done), done
        assert c.cmd("NOOP")[1].split()[1] == "OK"


# ------------------------------------------------------------ wrong credentials

def test_plain_wrong_password(srv):
    m = srv.mark()
    with srv.imap() as c:
        done, _ = run_sasl(c, "PLAIN", Plain("demo", WRONG), ir=True)
        assert_failed(srv, c, done, "demo", m, WRONG)


def test_plain_account_password_not_used_while_secrets_exist(srv):
    m = srv.mark()
    with srv.imap() as c:
        done, _ = run_sasl(c, "PLAIN", Plain("demo", PASSWORD), ir=False)
        assert_failed(srv, c, done, "demo", m, PASSWORD)


def test_plain_authzid_of_another_user(srv):
    m = srv.mark()
    with srv.imap() as c:
        done, _ = run_sasl(c, "PLAIN", Plain("demo", SECRET, authz="demo2"), ir=True)
        assert_failed(srv, c, done, "demo", m, SECRET)


def test_login_mechanism_wrong_password(srv):
    m = srv.mark()
    with srv.imap() as c:
        done, _ = run_sasl(c, "LOGIN", Login("demo", WRONG))
        assert_failed(srv, c, done, "demo", m, WRONG)


def test_login_command_wrong_password(srv):
    m = srv.mark()
    with srv.imap() as c:
        done = c.login("demo", WRONG)
        assert_failed(srv, c, done, "demo", m, WRONG)


def test_cram_md5_wrong_secret(srv):
    m = srv.mark()
    with srv.imap() as c:
        done, _ = run_sasl(c, "CRAM-MD5", CramMD5("demo", WRONG))
        assert_failed(srv, c, done, "demo", m)


def test_cram_md5_unknown_user(srv):
    m = srv.mark()
    with srv.imap() as c:
        done, _ = run_sasl(c, "CRAM-MD5", CramMD5("nosuchuser", SECRET))
        assert_failed(srv, c, done, "nosuchuser", m)


def test_scram_wrong_password(srv):
    m = srv.mark()
    with srv.imap() as c:
        cl = Scram("demo", WRONG)
        done, ch = run_sasl(c, "SCRAM-SHA-256", cl, ir=True)
        assert len(ch) == 1 and ch[0].startswith(b"r="), ch    # no v=
        assert cl.server_final is None
        assert_failed(srv, c, done, "demo", m)


@pytest.mark.parametrize("fault", ["bad_proof", "bad_nonce", "bad_cbind"])
def test_scram_wrong_client_final(srv, fault):
    """A wrong client proof, a nonce that is not this exchange's, or a
    wrong channel-binding attribute: no server-final, login failed."""
    m = srv.mark()
    with srv.imap() as c:
        cl = Scram("demo", SECRET, **{fault: True})
        done, ch = run_sasl(c, "SCRAM-SHA-256", cl, ir=True)
        assert len(ch) == 1 and cl.server_final is None, ch
        assert_failed(srv, c, done, "demo", m)


def test_scram_channel_binding_flag_p_refused(srv):
    m = srv.mark()
    with srv.imap() as c:
        cl = Scram("demo", SECRET, gs2="p=tls-unique,,")
        done, ch = run_sasl(c, "SCRAM-SHA-256", cl, ir=True)
        assert ch == [], ch     # refused at once: no server-first
        assert_failed(srv, c, done, "demo", m)


def test_scram_unknown_user_fails_at_the_end(srv):
    m = srv.mark()
    with srv.imap() as c:
        cl = Scram("nosuchuser", SECRET)
        done, ch = run_sasl(c, "SCRAM-SHA-256", cl, ir=True)
        # a server-first like any other (salt, iterations), then failure
        assert len(ch) == 1 and re.fullmatch(rb"r=[!-+\--~]+,s=[A-Za-z0-9+/=]+,i=\d+",
                                             ch[0]), ch
        assert cl.server_final is None
        assert_failed(srv, c, done, "nosuchuser", m)


def test_external_authzid_of_another_user(srv, certs):
    m = srv.mark()
    with tls_conn(srv, certs, "client-demo") as c:
        done, _ = run_sasl(c, "EXTERNAL", External("demo2"), ir=True)
        assert re.fullmatch(r"t\d+ NO Login failed\.", done), done
        srv.wait_log(re.compile(r"Login failed user=demo2? auth=demo2? "
                                r"host=\[127\.0\.0\.1\]"), since=m)
        assert "AUTH=EXTERNAL" in c.capabilities()


def test_external_without_client_certificate(srv, certs):
    with tls_conn(srv, certs) as c:
        caps = c.capabilities()
        assert "AUTH=EXTERNAL" not in caps, caps
        _, done = c.cmd("AUTHENTICATE EXTERNAL =")
        assert re.fullmatch(r"t\d+ NO Unsupported authentication mechanism", done), done


def test_external_before_tls(srv):
    with srv.imap() as c:
        _, done = c.cmd("AUTHENTICATE EXTERNAL")
        assert re.fullmatch(r"t\d+ NO Unsupported authentication mechanism", done), done


def test_external_with_untrusted_certificate(srv, certs):
    # self-signed CN=demo: the handshake may go on, but it proves nothing
    with tls_conn(srv, certs, "client-rogue") as c:
        caps = c.capabilities()
        assert "AUTH=EXTERNAL" not in caps, caps
        _, done = c.cmd("AUTHENTICATE EXTERNAL =")
        assert re.fullmatch(r"t\d+ NO Unsupported authentication mechanism", done), done


# ------------------------------------------------------------ "*" at each step

def expect_aborted(c, tag):
    line = final_line(c, tag)
    assert line == tag + " BAD AUTHENTICATE aborted", line
    assert_not_logged_in(c)


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256",
                                  "ANONYMOUS"])
def test_cancel_at_first_challenge(srv, mech):
    with srv.imap() as c:
        tag = auth_start(c, mech)
        assert is_challenge(c.readline())
        c.send("*\r\n")
        expect_aborted(c, tag)


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN", "SCRAM-SHA-256", "ANONYMOUS",
                                  "EXTERNAL"])
def test_cancel_as_initial_response(srv, certs, mech):
    with tls_conn(srv, certs, "client-demo") as c:
        tag = auth_start(c, mech, ir="*")
        expect_aborted(c, tag)


def test_cancel_external_at_challenge(srv, certs):
    with tls_conn(srv, certs, "client-demo") as c:
        tag = auth_start(c, "EXTERNAL")
        assert c.readline() == "+ "
        c.send("*\r\n")
        expect_aborted(c, tag)


def test_cancel_login_at_password(srv):
    with srv.imap() as c:
        tag = auth_start(c, "LOGIN", ir=b64("demo"))
        line = c.readline()
        assert is_challenge(line) and unb64(line[2:]) == b"Password:", line
        c.send("*\r\n")
        expect_aborted(c, tag)


def test_cancel_scram_at_server_first(srv):
    with srv.imap() as c:
        cl = Scram("demo", SECRET)
        tag = auth_start(c, "SCRAM-SHA-256", ir=b64(cl.initial()))
        line = c.readline()
        assert is_challenge(line) and unb64(line[2:]).startswith(b"r="), line
        c.send("*\r\n")
        expect_aborted(c, tag)


def test_cancel_scram_at_server_final(srv):
    m = srv.mark()
    with srv.imap() as c:
        cl = Scram("demo", SECRET)
        tag = auth_start(c, "SCRAM-SHA-256", ir=b64(cl.initial()))
        line = c.readline()
        c.send(b64(cl.respond(unb64(line[2:]))) + "\r\n")
        line = c.readline()
        assert is_challenge(line), line
        assert unb64(line[2:]).decode() == cl.expected_v, line
        c.send("*\r\n")
        expect_aborted(c, tag)
    assert "Authenticated user=demo" not in srv.log_text()[m:]


def test_scram_server_final_answered_with_data(srv):
    with srv.imap() as c:
        cl = Scram("demo", SECRET)
        tag = auth_start(c, "SCRAM-SHA-256", ir=b64(cl.initial()))
        line = c.readline()
        c.send(b64(cl.respond(unb64(line[2:]))) + "\r\n")
        assert is_challenge(c.readline())
        c.send(b64("unexpected") + "\r\n")
        line = final_line(c, tag)
        assert line == tag + " BAD Invalid SCRAM-SHA-256 authentication response", line
        assert_not_logged_in(c)


# ------------------------------------------------------------ malformed input

def test_invalid_base64_initial_response(srv):
    with srv.imap() as c:
        for bad in ("!!!!", "AHVzZXI", "AHVz=ZXI="):
            _, done = c.cmd("AUTHENTICATE PLAIN " + bad)
            assert re.fullmatch(r"t\d+ BAD Invalid base64 in AUTHENTICATE response",
                                done), (bad, done)
        assert_not_logged_in(c)


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"])
def test_invalid_base64_in_continuation(srv, mech):
    with srv.imap() as c:
        tag = auth_start(c, mech)
        assert is_challenge(c.readline())
        c.send("@@not base64@@\r\n")
        line = final_line(c, tag)
        assert line == tag + " BAD Invalid base64 in AUTHENTICATE response", line
        assert_not_logged_in(c)


@pytest.mark.parametrize("mech,msg", [
    ("PLAIN", b"user-without-nuls"),
    ("PLAIN", b"\0demo\0"),                 # empty password
    ("CRAM-MD5", b"demo nothex"),
    ("SCRAM-SHA-256", b"x,,n=demo,r=abc"),   # bad gs2 flag
    ("SCRAM-SHA-256", b"n,,r=abc"),          # no n=
])
def test_mechanism_syntax_error(srv, mech, msg):
    with srv.imap() as c:
        tag = auth_start(c, mech)
        assert is_challenge(c.readline())
        c.send(b64(msg) + "\r\n")
        line = final_line(c, tag)
        assert line == tag + " BAD Invalid %s authentication response" % mech, line
        assert_not_logged_in(c)


def test_response_too_long(srv):
    with srv.imap() as c:
        tag = auth_start(c, "PLAIN")
        assert is_challenge(c.readline())
        c.send("QUFB" * 5000 + "\r\n")       # 20000 bytes of valid base64
        line = final_line(c, tag)
        assert line == tag + " BAD AUTHENTICATE response too long", line
        # the rest of the long line was skipped; the session goes on
        assert c.cmd("NOOP")[1].split()[1] == "OK"
        assert_not_logged_in(c)


def test_initial_response_too_long(srv):
    with srv.imap() as c:
        _, done = c.cmd("AUTHENTICATE PLAIN " + "QUFB" * 5000)
        assert re.fullmatch(r"t\d+ BAD .*too long", done), done
        assert c.cmd("NOOP")[1].split()[1] == "OK"
        assert_not_logged_in(c)


def test_anonymous_malformed_trace(srv):
    with srv.imap() as c:
        _, done = c.cmd("AUTHENTICATE ANONYMOUS " + b64("@example.org"))
        assert re.fullmatch(r"t\d+ BAD Invalid ANONYMOUS authentication response",
                            done), done
        assert_not_logged_in(c)


def test_no_password_in_log(srv):
    log = srv.log_text()
    for secret in (SECRET, SECRET2, WRONG, PASSWORD):
        assert secret not in log, secret
        assert b64(secret) not in log, secret
    assert "Login failed user=demo auth=demo host=[127.0.0.1]" in log

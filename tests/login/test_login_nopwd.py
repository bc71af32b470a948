"""The plaintext policy end to end: --nopwd (UW's SSLTYPE=nopwd), c-client.cf
"set disable-plaintext 1" and 2, and the default (plaintext allowed)."""
import imaplib
import poplib
import re

import pytest

from loginserver import (PASSWORD, TIMEOUT, CramMD5, Plain, b64,
                         servers_by_name,
                         run_sasl)

SECRET = "cram secret"
PRIVACY_IMAP = ("NO [PRIVACYREQUIRED] Plaintext authentication disallowed on "
                "non-secure connection; use STARTTLS first")
CANNOT_IMAP = "NO [CANNOT] Plaintext authentication is disabled on this server"
PRIVACY_POP = ("-ERR [AUTH] Plaintext authentication disallowed on non-secure "
               "connection; use STLS first")
CANNOT_POP = "-ERR [AUTH] Plaintext authentication is disabled on this server"
DP1 = ["set disable-plaintext 1"]

SERVERS = {
    "imap_nopwd": ("imapd", {"nopwd": True}),
    "imap_dp2": ("imapd", {"config_lines": ["set disable-plaintext 2"]}),
    "imap_dp1": ("imapd", {"config_lines": DP1, "secrets": {"demo": SECRET}}),
    "imap_dp1_nocert": ("imapd", {"config_lines": DP1, "tls": None,
                                  "secrets": {"demo": SECRET}}),
    "imap_default": ("imapd", {}),
    "pop_nopwd": ("ipop3d", {"nopwd": True}),
    "pop_dp1": ("ipop3d", {"config_lines": DP1, "secrets": {"demo": SECRET}}),
    "pop_default": ("ipop3d", {}),
}


@pytest.fixture(scope="module")
def srv(certs):
    yield from servers_by_name(certs, SERVERS)


def tagged_text(line):
    """"t3 NO [X] text" -> "NO [X] text" """
    return line.split(" ", 1)[1]


def imap_tls(s, certs):
    c = s.imap()
    _, done = c.cmd("STARTTLS")
    assert tagged_text(done) == "OK Begin TLS negotiation now", done
    c.starttls(certs.client_ctx())
    return c


# ------------------------------------------------------------ IMAP --nopwd

@pytest.mark.parametrize("name", ["imap_nopwd", "imap_dp2"])
def test_imap_nopwd_before_tls(srv, name):
    s = srv(name)
    with s.imap() as c:
        greet = re.match(r"\* OK \[CAPABILITY ([^]]*)\]", c.greeting)
        assert greet and "LOGINDISABLED" in greet.group(1).split(), c.greeting
        caps = c.capabilities()
        assert caps[caps.index("ENABLE") + 1:] == ["STARTTLS", "LOGINDISABLED"], caps
        assert tagged_text(c.login()) == PRIVACY_IMAP
        assert tagged_text(c.login("demo", "wrong")) == PRIVACY_IMAP
    # refused before any check: no failure logged, no delay
    assert "Login failed" not in s.log_text()


def test_imap_nopwd_authenticate_plain_and_login_refused(srv):
    s = srv("imap_nopwd")
    with s.imap() as c:
        _, done = c.cmd("AUTHENTICATE PLAIN " + b64("\0demo\0" + PASSWORD))
        assert tagged_text(done) == PRIVACY_IMAP, done
        _, done = c.cmd("AUTHENTICATE PLAIN")     # no "+" first either
        assert tagged_text(done) == PRIVACY_IMAP, done
        _, done = c.cmd("AUTHENTICATE LOGIN")
        assert tagged_text(done) == PRIVACY_IMAP, done
        assert c.cmd("NOOP")[1].split()[1] == "OK"


@pytest.mark.parametrize("name", ["imap_nopwd", "imap_dp2"])
def test_imap_nopwd_after_starttls(srv, certs, name):
    s = srv(name)
    with imap_tls(s, certs) as c:
        caps = c.capabilities()
        assert "LOGINDISABLED" not in caps and "STARTTLS" not in caps, caps
        assert "AUTH=PLAIN" in caps and "AUTH=LOGIN" in caps, caps
        ok = c.login()
        assert re.match(r"OK \[CAPABILITY [^]]*\] User demo authenticated",
                        tagged_text(ok)), ok


def test_imap_nopwd_authenticate_plain_after_starttls(srv, certs):
    s = srv("imap_nopwd")
    with imap_tls(s, certs) as c:
        done, _ = run_sasl(c, "PLAIN", Plain("demo", PASSWORD), ir=True)
        assert re.match(r"OK \[CAPABILITY [^]]*\] User demo authenticated",
                        tagged_text(done)), done
    s.wait_log("Authenticated user=demo host=[127.0.0.1] mech=PLAIN")


def test_imap_nopwd_imaplib_starttls_login(srv, certs):
    s = srv("imap_nopwd")
    m = imaplib.IMAP4("127.0.0.1", s.port, timeout=TIMEOUT)
    assert "LOGINDISABLED" in m.capabilities
    m.starttls(ssl_context=certs.client_ctx())
    assert "LOGINDISABLED" not in m.capabilities
    assert m.login("demo", PASSWORD)[0] == "OK"
    m.logout()


# ------------------------------------------------------------ POP3 --nopwd

def test_pop_nopwd_capa_before_and_after_stls(srv, certs):
    s = srv("pop_nopwd")
    with s.pop() as c:
        caps = c.capa()
        assert "USER" not in caps and "STLS" in caps, caps
        assert not [x for x in caps if x.startswith("SASL")], caps
        assert c.cmd("STLS") == "+OK Begin TLS negotiation"
        c.starttls(certs.client_ctx())
        caps = c.capa()
        assert "USER" in caps and "STLS" not in caps, caps
        assert "SASL PLAIN LOGIN" in caps, caps


def test_pop_nopwd_user_pass_auth_refused_before_stls(srv):
    s = srv("pop_nopwd")
    with s.pop() as c:
        assert c.cmd("USER demo") == PRIVACY_POP
        assert c.cmd("PASS " + PASSWORD) == PRIVACY_POP
        assert c.cmd("AUTH PLAIN " + b64("\0demo\0" + PASSWORD)) == PRIVACY_POP
        assert c.cmd("QUIT").startswith("+OK")
    assert PASSWORD not in s.log_text()


def test_pop_nopwd_user_pass_after_stls(srv, certs):
    s = srv("pop_nopwd")
    p = poplib.POP3("127.0.0.1", s.port, timeout=TIMEOUT)
    p.stls(certs.client_ctx())
    p.user("demo")
    assert p.pass_(PASSWORD).startswith(b"+OK Mailbox open, 1 messages")
    p.quit()


# ------------------------------------------------------------ disable-plaintext 1

def test_imap_disable_plaintext_1_over_tls(srv, certs):
    s = srv("imap_dp1")
    with imap_tls(s, certs) as c:
        caps = c.capabilities()
        assert "LOGINDISABLED" in caps, caps
        assert "AUTH=PLAIN" not in caps and "AUTH=LOGIN" not in caps, caps
        assert "AUTH=SCRAM-SHA-256" in caps and "AUTH=CRAM-MD5" in caps, caps
        assert tagged_text(c.login("demo", SECRET)) == CANNOT_IMAP
        _, done = c.cmd("AUTHENTICATE PLAIN " + b64("\0demo\0" + SECRET))
        assert tagged_text(done) == CANNOT_IMAP, done


def test_imap_disable_plaintext_1_cram_md5_over_tls(srv, certs):
    s = srv("imap_dp1")
    with imap_tls(s, certs) as c:
        done, ch = run_sasl(c, "CRAM-MD5", CramMD5("demo", SECRET))
        assert len(ch) == 1, ch
        assert re.match(r"OK \[CAPABILITY [^]]*\] User demo authenticated",
                        tagged_text(done)), done
    s.wait_log("Authenticated user=demo host=[127.0.0.1] mech=CRAM-MD5")


def test_imap_disable_plaintext_1_without_certificate(srv):
    s = srv("imap_dp1_nocert")
    with s.imap() as c:
        caps = c.capabilities()
        assert "LOGINDISABLED" in caps and "STARTTLS" not in caps, caps
        assert tagged_text(c.login("demo", SECRET)) == CANNOT_IMAP
        done, _ = run_sasl(c, "CRAM-MD5", CramMD5("demo", SECRET))
        assert tagged_text(done).startswith("OK "), done


def test_pop_disable_plaintext_1_over_tls(srv, certs):
    s = srv("pop_dp1")
    with s.pop() as c:
        assert c.cmd("STLS").startswith("+OK")
        c.starttls(certs.client_ctx())
        caps = c.capa()
        assert "USER" not in caps, caps
        assert "SASL SCRAM-SHA-256 CRAM-MD5" in caps, caps
        assert c.cmd("USER demo") == CANNOT_POP
        assert c.cmd("AUTH PLAIN " + b64("\0demo\0" + SECRET)) == CANNOT_POP
        done, _ = run_sasl(c, "CRAM-MD5", CramMD5("demo", SECRET), pop=True)
        assert done.startswith("+OK Mailbox open, 1 messages"), done


# ------------------------------------------------------------ the default

def test_imap_default_allows_plaintext_without_tls(srv):
    s = srv("imap_default")
    with s.imap() as c:
        caps = c.capabilities()
        # the fixed list, then STARTTLS, then the mechanisms
        assert caps[caps.index("ENABLE") + 1:] == ["STARTTLS", "AUTH=PLAIN",
                                                    "AUTH=LOGIN"], caps
        assert tagged_text(c.login()).startswith("OK [CAPABILITY ")
    s.wait_log("Login user=demo host=[127.0.0.1]")


def test_pop_default_allows_plaintext_without_tls(srv):
    s = srv("pop_default")
    with s.pop() as c:
        caps = c.capa()
        assert caps[:6] == ["TOP", "LOGIN-DELAY 180", "UIDL", "USER",
                            "SASL PLAIN LOGIN", "STLS"], caps
        assert caps[6:9] == ["RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"], caps
        assert caps[-1].startswith("IMPLEMENTATION "), caps
        assert c.cmd("USER demo").startswith("+OK")
        assert c.cmd("PASS " + PASSWORD).startswith("+OK Mailbox open")

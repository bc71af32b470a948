"""TLS end to end: implicit TLS (--tls, a program name starting with 's'),
STARTTLS and STLS, certificate choice by program name and local IP, no
certificate, old protocol versions, STARTTLS injection and garbage
handshakes.  Real handshakes with Python's ssl module against the real
imapd and ipop3d under tcpserver (see loginserver.py)."""
import imaplib
import poplib
import re
import socket
import ssl
import warnings

import pytest

from loginserver import PASSWORD, TIMEOUT, peer_cn, servers_by_name

SERVERS = {
    # name: (program, Server keyword arguments)
    "imap": ("imapd", {}),
    "imap_ip2": ("imapd", {"address": "127.0.0.2"}),
    "imap_implicit": ("imapd", {"implicit": True}),
    "simapd": ("imapd", {"argv0": "simapd"}),
    "imap_nocert": ("imapd", {"tls": None}),
    "imap_nocert_implicit": ("imapd", {"tls": None, "implicit": True}),
    "pop": ("ipop3d", {}),
    "pop_ip2": ("ipop3d", {"address": "127.0.0.2"}),
    "pop_implicit": ("ipop3d", {"implicit": True}),
    "sipop3d": ("ipop3d", {"argv0": "sipop3d"}),
    "pop_nocert": ("ipop3d", {"tls": None}),
    "pop_nocert_implicit": ("ipop3d", {"tls": None, "implicit": True}),
}


@pytest.fixture(scope="module")
def srv(certs):
    yield from servers_by_name(certs, SERVERS)


def session_status(server, pid):
    """The wait status tcpserver logged for session pid."""
    log = server.wait_log(re.compile(r"tcpserver: end %d status \d+" % pid))
    return int(re.search(r"tcpserver: end %d status (\d+)" % pid, log).group(1))


def old_tls_context():
    """A client that offers TLS 1.1 at most (and may try: SECLEVEL 0)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError):
            pass    # the local OpenSSL refuses even to try: still must fail
    return ctx


# ------------------------------------------------------------ IMAP

def test_imap_implicit_tls_by_option(srv, certs):
    s = srv("imap_implicit")
    m = imaplib.IMAP4_SSL("127.0.0.1", s.port, ssl_context=certs.client_ctx(),
                          timeout=TIMEOUT)
    assert peer_cn(m.sock) == "localhost"
    assert m.sock.version() in ("TLSv1.2", "TLSv1.3")
    caps = [c.upper() for c in m.capabilities]
    assert "STARTTLS" not in caps and "LOGINDISABLED" not in caps, caps
    assert "AUTH=PLAIN" in caps, caps
    typ, _ = m.login("demo", PASSWORD)
    assert typ == "OK"
    typ, data = m.select("INBOX")
    assert typ == "OK" and data == [b"1"], data
    m.logout()
    s.wait_log("Login user=demo host=[127.0.0.1]")


def test_imap_implicit_tls_by_program_name(srv, certs):
    s = srv("simapd")       # no --tls: the name "simapd" asks for it
    with s.imap(tls_ctx=certs.client_ctx()) as c:
        assert c.greeting.startswith("* OK "), c.greeting
        assert peer_cn(c.sock) == "implicit.test"   # simapd.pem, not imapd.pem
        caps = c.capabilities()
        assert "STARTTLS" not in caps, caps
        assert c.login().split()[1] == "OK"


def test_imap_program_name_plaintext_client_gets_no_greeting(srv):
    s = srv("simapd")
    with s.conn() as c:
        # a plaintext client: the server waits for a ClientHello, says nothing
        c.send(b"a1 CAPABILITY\r\n")
        got = c.read_to_eof()
        assert not got.startswith(b"* OK"), got


def test_imap_starttls_then_login_imaplib(srv, certs):
    s = srv("imap")
    m = imaplib.IMAP4("127.0.0.1", s.port, timeout=TIMEOUT)
    assert "STARTTLS" in m.capabilities
    typ, data = m.starttls(ssl_context=certs.client_ctx())
    assert typ == "OK", data
    assert peer_cn(m.sock) == "localhost"
    typ, _ = m.login("demo", PASSWORD)
    assert typ == "OK"
    m.logout()
    s.wait_log(re.compile(r"STARTTLS host=\[127\.0\.0\.1\]: TLSv1\.[23] \S+"))


def test_imap_starttls_raw_capabilities(srv, certs):
    s = srv("imap")
    with s.imap() as c:
        before = c.capabilities()
        assert "STARTTLS" in before and "LOGINDISABLED" not in before, before
        _, done = c.cmd("STARTTLS")
        assert re.fullmatch(r"t\d+ OK Begin TLS negotiation now", done), done
        c.starttls(certs.client_ctx())
        after = c.capabilities()
        assert "STARTTLS" not in after, after
        assert "AUTH=PLAIN" in after and "AUTH=LOGIN" in after, after
        ok = c.login()
        assert re.match(r"t\d+ OK \[CAPABILITY [^]]*\] User demo authenticated",
                        ok), ok
        caps = re.search(r"\[CAPABILITY ([^]]*)\]", ok).group(1).split()
        assert "STARTTLS" not in caps and not [x for x in caps if x.startswith("AUTH=")], caps


def test_imap_tls12_client_accepted(srv, certs):
    s = srv("imap_implicit")
    ctx = certs.client_ctx()
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with s.imap(tls_ctx=ctx) as c:
        assert c.sock.version() == "TLSv1.2"
        assert c.greeting.startswith("* OK"), c.greeting


def test_imap_starttls_twice(srv, certs):
    s = srv("imap")
    with s.imap() as c:
        assert c.cmd("STARTTLS")[1].split()[1] == "OK"
        c.starttls(certs.client_ctx())
        _, done = c.cmd("STARTTLS")
        assert re.fullmatch(r"t\d+ BAD Already in TLS", done), done
        assert c.cmd("NOOP")[1].split()[1] == "OK"   # the session goes on
        assert c.login().split()[1] == "OK"


def test_imap_starttls_with_pipelined_command(srv):
    s = srv("imap")
    with s.imap() as c:
        c.send("a1 STARTTLS\r\na2 NOOP\r\n")    # one send: one segment
        line = c.readline()
        assert line == ("a1 BAD Commands may not follow STARTTLS before the "
                        "handshake"), line
        # no handshake: plaintext goes on; a2 was dropped, never answered
        _, done = c.cmd("NOOP")
        assert re.fullmatch(r"t\d+ OK .*", done), done
        caps = c.capabilities()
        assert "STARTTLS" in caps, caps


def test_imap_starttls_then_garbage_ends_session(srv):
    s = srv("imap")
    with s.imap() as c:
        _, done = c.cmd("STARTTLS")
        assert done.split()[1] == "OK", done
        c.send(b"this is no ClientHello at all\r\n" * 4)
        c.read_to_eof()
    log = s.wait_log(re.compile(r"imapd\[(\d+)\]: STARTTLS failed host=\[127\.0\.0\.1\]"))
    pid = int(re.findall(r"imapd\[(\d+)\]: STARTTLS failed", log)[-1])
    status = session_status(s, pid)
    assert status & 0x7f == 0, "session killed by signal %d" % (status & 0x7f)


def test_imap_per_ip_certificate(srv, certs):
    s2 = srv("imap_ip2")
    with s2.imap() as c:
        assert c.cmd("STARTTLS")[1].split()[1] == "OK"
        c.starttls(certs.client_ctx(), hostname="127.0.0.2")
        assert peer_cn(c.sock) == "vhost2.test"
        assert c.login().split()[1] == "OK"
    s1 = srv("imap")
    with s1.imap() as c:
        assert c.cmd("STARTTLS")[1].split()[1] == "OK"
        c.starttls(certs.client_ctx(), hostname="127.0.0.1")
        assert peer_cn(c.sock) == "localhost"


def test_imap_no_certificate_no_starttls(srv):
    s = srv("imap_nocert")
    with s.imap() as c:
        caps = c.capabilities()
        assert "STARTTLS" not in caps, caps
        assert "LOGINDISABLED" not in caps and "AUTH=PLAIN" in caps, caps
        _, done = c.cmd("STARTTLS")
        assert re.fullmatch(r"t\d+ NO STARTTLS not available", done), done
        assert c.login().split()[1] == "OK"     # plaintext still allowed


def test_imap_implicit_without_certificate_closes_silently(srv):
    s = srv("imap_nocert_implicit")
    with s.conn() as c:
        assert c.read_to_eof() == b""
    s.wait_log(re.compile(r"TLS not available host=\[127\.0\.0\.1\]: \S"))


def test_imap_tls11_client_refused(srv):
    s = srv("imap_implicit")
    raw = socket.create_connection(("127.0.0.1", s.port), TIMEOUT)
    try:
        with pytest.raises((ssl.SSLError, OSError)):
            tls = old_tls_context().wrap_socket(raw, server_hostname="localhost")
            # a handshake that "worked" must not have been below TLS 1.2
            got = tls.version()
            tls.close()
            raise AssertionError("TLS 1.1 client got a session: %s" % got)
    finally:
        raw.close()


# ------------------------------------------------------------ POP3

def test_pop_implicit_tls_by_option(srv, certs):
    s = srv("pop_implicit")
    p = poplib.POP3_SSL("127.0.0.1", s.port, context=certs.client_ctx(),
                        timeout=TIMEOUT)
    assert peer_cn(p.sock) == "localhost"
    caps = p.capa()
    assert "STLS" not in caps and "USER" in caps, caps
    p.user("demo")
    assert p.pass_(PASSWORD).startswith(b"+OK Mailbox open, 1 messages")
    assert p.stat()[0] == 1
    p.quit()


def test_pop_implicit_tls_by_program_name(srv, certs):
    s = srv("sipop3d")
    with s.pop(tls_ctx=certs.client_ctx()) as c:
        assert c.greeting.startswith("+OK"), c.greeting
        assert peer_cn(c.sock) == "implicit.test"   # sipop3d.pem
        caps = c.capa()
        assert "STLS" not in caps and "USER" in caps, caps


def test_pop_stls_then_user_pass_poplib(srv, certs):
    s = srv("pop")
    p = poplib.POP3("127.0.0.1", s.port, timeout=TIMEOUT)
    assert "STLS" in p.capa()
    resp = p.stls(certs.client_ctx())
    assert resp == b"+OK Begin TLS negotiation", resp
    assert peer_cn(p.sock) == "localhost"
    caps = p.capa()
    assert "STLS" not in caps and "USER" in caps, caps
    p.user("demo")
    assert p.pass_(PASSWORD).startswith(b"+OK Mailbox open")
    p.quit()
    s.wait_log(re.compile(r"STLS host=\[127\.0\.0\.1\]: TLSv1\.[23] \S+"))


def test_pop_stls_twice(srv, certs):
    s = srv("pop")
    with s.pop() as c:
        assert c.cmd("STLS") == "+OK Begin TLS negotiation"
        c.starttls(certs.client_ctx())
        assert c.cmd("STLS") == "-ERR Already in TLS"
        assert c.cmd("USER demo").startswith("+OK")
        assert c.cmd("PASS " + PASSWORD).startswith("+OK Mailbox open")


def test_pop_stls_with_pipelined_command(srv):
    s = srv("pop")
    with s.pop() as c:
        c.send("STLS\r\nNOOP\r\n")
        line = c.readline()
        assert line == "-ERR Commands may not follow STLS before the handshake", line
        # the NOOP was dropped: the next reply is CAPA's
        caps = c.capa()
        assert "STLS" in caps, caps


def test_pop_stls_then_garbage_ends_session(srv):
    s = srv("pop")
    with s.pop() as c:
        assert c.cmd("STLS").startswith("+OK")
        c.send(b"\x00\x01 definitely not TLS\r\n" * 4)
        c.read_to_eof()
    log = s.wait_log(re.compile(r"ipop3d\[(\d+)\]: STLS failed host=\[127\.0\.0\.1\]"))
    pid = int(re.findall(r"ipop3d\[(\d+)\]: STLS failed", log)[-1])
    status = session_status(s, pid)
    assert status & 0x7f == 0, "session killed by signal %d" % (status & 0x7f)


def test_pop_per_ip_certificate(srv, certs):
    s2 = srv("pop_ip2")
    with s2.pop() as c:
        assert c.cmd("STLS").startswith("+OK")
        c.starttls(certs.client_ctx(), hostname="127.0.0.2")
        assert peer_cn(c.sock) == "vhost2.test"
    s1 = srv("pop")
    with s1.pop() as c:
        assert c.cmd("STLS").startswith("+OK")
        c.starttls(certs.client_ctx(), hostname="127.0.0.1")
        assert peer_cn(c.sock) == "localhost"


def test_pop_no_certificate_no_stls(srv):
    s = srv("pop_nocert")
    with s.pop() as c:
        caps = c.capa()
        assert "STLS" not in caps and "USER" in caps, caps
        assert c.cmd("STLS") == "-ERR STLS not available"
        assert c.cmd("USER demo").startswith("+OK")


def test_pop_implicit_without_certificate_closes_silently(srv):
    s = srv("pop_nocert_implicit")
    with s.conn() as c:
        assert c.read_to_eof() == b""
    s.wait_log(re.compile(r"TLS not available host=\[127\.0\.0\.1\]: \S"))


def test_pop_tls11_client_refused(srv):
    s = srv("pop")
    with s.pop() as c:
        assert c.cmd("STLS").startswith("+OK")
        with pytest.raises((ssl.SSLError, OSError)):
            tls = old_tls_context().wrap_socket(c.sock, server_hostname="localhost")
            got = tls.version()
            tls.close()
            raise AssertionError("TLS 1.1 client got a session: %s" % got)

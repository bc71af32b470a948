"""SNI (docs/tls.md): a certificate named <program>-<host>.pem is served to
clients that ask for that host name; other names, and a file that cannot
be used, get the default certificate, and the handshake never fails over
a name."""
import os
import re
import shutil
import socket
import ssl
import tempfile

import pytest

from loginserver import EC, TIMEOUT, Server, _openssl, peer_cn


@pytest.fixture(scope="module")
def sni_dirs():
    base = tempfile.mkdtemp(prefix="login-sni.", dir="/tmp")
    certs = os.path.join(base, "certs")
    keys = os.path.join(base, "keys")
    os.makedirs(certs)
    os.makedirs(keys)
    os.chmod(base, 0o755)
    trust = []
    for name, cn in (("default", "localhost"), ("sni", "mail.sni.test")):
        _openssl("req", "-x509", *EC, "-keyout", name + ".key", "-out",
                 name + ".crt", "-days", "3", "-subj", "/CN=" + cn,
                 "-addext", "subjectAltName=DNS:" + cn, cwd=base)
        trust.append(os.path.join(base, name + ".crt"))
    for prog in ("imapd", "ipop3d"):
        for name, fname in (("default", prog + ".pem"),
                            ("sni", prog + "-mail.sni.test.pem")):
            shutil.copy(os.path.join(base, name + ".crt"),
                        os.path.join(certs, fname))
            shutil.copy(os.path.join(base, name + ".key"),
                        os.path.join(keys, fname))
    # a file for another name that is no certificate at all
    with open(os.path.join(certs, "imapd-broken.sni.test.pem"), "w") as f:
        f.write("not a certificate\n")
    try:
        yield certs, keys, trust
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def servers(sni_dirs):
    certs, keys, _ = sni_dirs
    made = {}
    try:
        for prog in ("imapd", "ipop3d"):
            made[prog] = Server(prog, tls="none", implicit=True,
                                extra_args=["--tls-cert-dir", certs,
                                            "--tls-key-dir", keys])
        yield made
    finally:
        for s in made.values():
            s.stop()


def handshake_cn(server, trust, name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    for f in trust:
        ctx.load_verify_locations(f)
    raw = socket.create_connection(("127.0.0.1", server.port), TIMEOUT)
    with ctx.wrap_socket(raw, server_hostname=name) as s:
        greeting = s.recv(4096)
        return peer_cn(s), greeting


@pytest.mark.parametrize("prog", ["imapd", "ipop3d"])
def test_sni_name_chooses_its_certificate(servers, sni_dirs, prog):
    cn, greeting = handshake_cn(servers[prog], sni_dirs[2], "mail.sni.test")
    assert cn == "mail.sni.test"
    assert greeting.startswith(b"* OK" if prog == "imapd" else b"+OK")


def test_sni_name_is_case_insensitive(servers, sni_dirs):
    cn, _ = handshake_cn(servers["imapd"], sni_dirs[2], "MAIL.Sni.TEST")
    assert cn == "mail.sni.test"


@pytest.mark.parametrize("name", ["other.sni.test", "sni.test", None])
def test_other_or_no_name_gets_the_default(servers, sni_dirs, name):
    cn, greeting = handshake_cn(servers["imapd"], sni_dirs[2], name)
    assert cn == "localhost"
    assert greeting.startswith(b"* OK")


def test_unusable_sni_certificate_falls_back_and_is_logged(servers, sni_dirs):
    s = servers["imapd"]
    mark = s.mark()
    cn, greeting = handshake_cn(s, sni_dirs[2], "broken.sni.test")
    assert cn == "localhost" and greeting.startswith(b"* OK")
    s.wait_log(re.compile(r"TLS certificate for SNI name "
                          r"imapd-broken\.sni\.test\.pem not usable: \S"),
               since=mark)

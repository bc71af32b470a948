"""Virtual hosts by local address: a per-IP certificate
(<program>-<localIP>.pem in the certificate directory) names the host the
server calls itself in its greeting (imapd's "* OK ... NAME IMAP4rev1",
LOGOUT's "* BYE NAME ...", ipop3d's "+OK POP3 NAME Bamboo" or, with APOP,
the greeting timestamp's "<...@NAME>").  The name is the certificate's
first DNS subjectAltName, else its CN; a name with a wildcard or a space is
not used, and neither is one from a certificate given with --tls-cert.
Without a per-IP name the server uses the host's name, which every server
here has configured ("set local-host") so that it is known exactly.

Real imapd/ipop3d under tcpserver on 127.0.0.1 or 127.0.0.2 (loginserver.py),
with certificate directories made here with the openssl CLI.
"""
import os
import re
import shutil
import ssl
import subprocess
import tempfile

import pytest

from loginserver import EC, PASSWORD, Server, peer_cn

HOSTNAME = "host.fallback.test"     # the configured local-host
CONFIG = ("set local-host " + HOSTNAME,)
VHOST = "imap.vhost.test"
VHOST_SAN = "subjectAltName=DNS:%s,DNS:mail.vhost.test,IP:127.0.0.2" % VHOST
CN_ONLY = "cn-only.vhost.test"


def openssl(*args, cwd):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, "openssl %s: %s" % (" ".join(args), p.stderr)


class CertDir:
    """A certificate directory and its key directory (as Server wants:
    .cert_dir, .key_dir), filled by install()."""

    def __init__(self, base, name):
        self.cert_dir = os.path.join(base, name, "certs")
        self.key_dir = os.path.join(base, name, "keys")
        os.makedirs(self.cert_dir)
        os.makedirs(self.key_dir, mode=0o700)

    def install(self, made, filename):
        crt, key = made
        shutil.copy(crt, os.path.join(self.cert_dir, filename))
        shutil.copy(key, os.path.join(self.key_dir, filename))
        os.chmod(os.path.join(self.key_dir, filename), 0o600)
        return os.path.join(self.cert_dir, filename), \
            os.path.join(self.key_dir, filename)


class VhostCerts:
    def __init__(self, base):
        self.base = base
        self.made = {}
        self.cert("default", "/CN=localhost",
                  "subjectAltName=DNS:localhost,IP:127.0.0.1")
        self.cert("vhost", "/CN=cn.vhost.test", VHOST_SAN)
        self.cert("cn_only", "/CN=" + CN_ONLY)
        self.cert("wildcard_cn", "/CN=*.vhost.test")
        self.cert("spaced_cn", "/CN=mail vhost test")
        for name, crt in ((n, c) for n, (c, _) in self.made.items()):
            text = subprocess.run(["openssl", "x509", "-noout", "-text",
                                   "-in", crt], capture_output=True,
                                  text=True, timeout=60).stdout
            # the CN-only ones must really have no subjectAltName
            assert ("Subject Alternative Name" in text) == \
                (name in ("default", "vhost")), (name, text)

        def dir_with(name, per_ip):
            d = CertDir(base, name)
            for prog in ("imapd", "ipop3d"):
                d.install(self.made["default"], prog + ".pem")
                if per_ip:
                    d.install(self.made[per_ip], prog + "-127.0.0.2.pem")
            return d
        self.dirs = {
            "vhost": dir_with("vhost", "vhost"),
            "cn_only": dir_with("cn_only", "cn_only"),
            "wildcard_cn": dir_with("wildcard_cn", "wildcard_cn"),
            "spaced_cn": dir_with("spaced_cn", "spaced_cn"),
        }
        # the per-IP file for imapd only: ipop3d must not take it
        d = CertDir(base, "imapd_only")
        for prog in ("imapd", "ipop3d"):
            d.install(self.made["default"], prog + ".pem")
        d.install(self.made["vhost"], "imapd-127.0.0.2.pem")
        self.dirs["imapd_only"] = d

    def cert(self, name, subj, san=None):
        args = ["req", "-x509", *EC, "-keyout", name + ".key", "-out",
                name + ".crt", "-days", "3", "-subj", subj]
        if san:
            args += ["-addext", san]
        openssl(*args, cwd=self.base)
        self.made[name] = (os.path.join(self.base, name + ".crt"),
                           os.path.join(self.base, name + ".key"))

    def ctx(self, name, hostname=None):
        """A client trusting only certificate `name`; hostname checked when
        given (Python matches subjectAltNames only, never the CN)."""
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        c.load_verify_locations(self.made[name][0])
        c.check_hostname = hostname is not None
        return c


@pytest.fixture(scope="module")
def vcerts():
    base = tempfile.mkdtemp(prefix="login-vhost.", dir="/tmp")
    try:
        yield VhostCerts(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def serve(vcerts):
    started = []

    def start(program, dirname, address, **kw):
        kw.setdefault("config_lines", CONFIG)
        s = Server(program, vcerts.dirs[dirname], address=address, **kw)
        started.append(s)
        return s
    try:
        yield start
    finally:
        for s in started:
            s.stop()


def imap_name(greeting):
    m = re.match(r"^\* OK \[CAPABILITY [^]]*\] (\S+) IMAP4rev1 Bamboo ", greeting)
    assert m, greeting
    return m.group(1)


def pop_name(greeting):
    m = re.match(r"^\+OK POP3 (\S+) Bamboo \S+ server ready$", greeting)
    assert m, greeting
    return m.group(1)


def apop_name(greeting):
    m = re.match(r"^\+OK POP3 Bamboo \S+ server ready <[0-9a-f]+\.[0-9a-f]+@([^<>]+)>$",
                 greeting)
    assert m, greeting
    return m.group(1)


def imap_starttls(c, ctx, hostname):
    assert c.cmd("STARTTLS")[1].split()[1] == "OK"
    c.starttls(ctx, hostname=hostname)
    return c.sock


def pop_stls(c, ctx, hostname):
    r = c.cmd("STLS")
    assert r.startswith("+OK"), r
    c.starttls(ctx, hostname=hostname)
    return c.sock


# ------------------------------------------------------------------ IMAP

def test_imap_vhost_named_by_first_dns_san(serve, vcerts):
    s = serve("imapd", "vhost", "127.0.0.2")
    with s.imap() as c:
        assert imap_name(c.greeting) == VHOST
        # the per-IP certificate, verified for both of its DNS names
        tls = imap_starttls(c, vcerts.ctx("vhost", VHOST), VHOST)
        assert peer_cn(tls) == "cn.vhost.test"
        assert c.login().split()[1] == "OK"
        untagged, done = c.cmd("LOGOUT")
        assert done.split()[1] == "OK", done
        assert ("* BYE %s IMAP4rev1 server terminating connection" % VHOST) \
            in untagged, untagged
    with s.imap() as c:
        imap_starttls(c, vcerts.ctx("vhost", "mail.vhost.test"), "mail.vhost.test")


def test_imap_other_address_not_named(serve, vcerts):
    # the same certificate directory, the default address
    s = serve("imapd", "vhost", "127.0.0.1")
    with s.imap() as c:
        assert imap_name(c.greeting) == HOSTNAME
        assert "vhost" not in c.greeting, c.greeting
        tls = imap_starttls(c, vcerts.ctx("default", "localhost"), "localhost")
        assert peer_cn(tls) == "localhost"
        assert c.login().split()[1] == "OK"
        untagged, _ = c.cmd("LOGOUT")
        assert any(l.startswith("* BYE %s " % HOSTNAME) for l in untagged), untagged


def test_imap_vhost_cn_without_san(serve, vcerts):
    s = serve("imapd", "cn_only", "127.0.0.2")
    with s.imap() as c:
        assert imap_name(c.greeting) == CN_ONLY
        tls = imap_starttls(c, vcerts.ctx("cn_only"), "127.0.0.2")
        assert peer_cn(tls) == CN_ONLY


@pytest.mark.parametrize("which,cn", [("wildcard_cn", "*.vhost.test"),
                                      ("spaced_cn", "mail vhost test")])
def test_imap_vhost_unusable_cn_falls_back(serve, vcerts, which, cn):
    s = serve("imapd", which, "127.0.0.2")
    with s.imap() as c:
        assert imap_name(c.greeting) == HOSTNAME
        assert "vhost" not in c.greeting, c.greeting
        # the certificate is still the per-IP one: only its name is unused
        tls = imap_starttls(c, vcerts.ctx(which), "127.0.0.2")
        assert peer_cn(tls) == cn


def test_imap_explicit_cert_names_no_vhost(serve, vcerts):
    # --tls-cert naming the very per-IP file: chosen by hand, not by address
    d = vcerts.dirs["vhost"]
    crt = os.path.join(d.cert_dir, "imapd-127.0.0.2.pem")
    key = os.path.join(d.key_dir, "imapd-127.0.0.2.pem")
    s = serve("imapd", "vhost", "127.0.0.2",
              extra_args=("--tls-cert", crt, "--tls-key", key))
    with s.imap() as c:
        assert imap_name(c.greeting) == HOSTNAME
        assert VHOST not in c.greeting, c.greeting
        tls = imap_starttls(c, vcerts.ctx("vhost", VHOST), VHOST)
        assert peer_cn(tls) == "cn.vhost.test"
        assert c.login().split()[1] == "OK"


def test_imap_vhost_implicit_tls(serve, vcerts):
    # implicit TLS: the name is chosen before the handshake as well
    s = serve("imapd", "vhost", "127.0.0.2", implicit=True)
    with s.imap(tls_ctx=vcerts.ctx("vhost", VHOST), hostname=VHOST) as c:
        assert imap_name(c.greeting) == VHOST
        assert peer_cn(c.sock) == "cn.vhost.test"


# ------------------------------------------------------------------ POP3

def test_pop_vhost_named(serve, vcerts):
    s = serve("ipop3d", "vhost", "127.0.0.2")
    with s.pop() as c:
        assert pop_name(c.greeting) == VHOST
        tls = pop_stls(c, vcerts.ctx("vhost", VHOST), VHOST)
        assert peer_cn(tls) == "cn.vhost.test"
        assert c.cmd("USER demo").startswith("+OK")
        assert c.cmd("PASS " + PASSWORD).startswith("+OK")
        assert c.cmd("QUIT").startswith("+OK")


def test_pop_vhost_in_apop_timestamp(serve, vcerts):
    s = serve("ipop3d", "vhost", "127.0.0.2", secrets={"demo": PASSWORD})
    with s.pop() as c:
        assert apop_name(c.greeting) == VHOST
    s1 = serve("ipop3d", "vhost", "127.0.0.1", secrets={"demo": PASSWORD})
    with s1.pop() as c:
        assert apop_name(c.greeting) == HOSTNAME


def test_pop_other_address_not_named(serve, vcerts):
    s = serve("ipop3d", "vhost", "127.0.0.1")
    with s.pop() as c:
        assert pop_name(c.greeting) == HOSTNAME
        tls = pop_stls(c, vcerts.ctx("default", "localhost"), "localhost")
        assert peer_cn(tls) == "localhost"


def test_pop_vhost_cn_without_san(serve, vcerts):
    s = serve("ipop3d", "cn_only", "127.0.0.2")
    with s.pop() as c:
        assert pop_name(c.greeting) == CN_ONLY
        tls = pop_stls(c, vcerts.ctx("cn_only"), "127.0.0.2")
        assert peer_cn(tls) == CN_ONLY


def test_pop_vhost_wildcard_cn_falls_back(serve, vcerts):
    s = serve("ipop3d", "wildcard_cn", "127.0.0.2")
    with s.pop() as c:
        assert pop_name(c.greeting) == HOSTNAME
        tls = pop_stls(c, vcerts.ctx("wildcard_cn"), "127.0.0.2")
        assert peer_cn(tls) == "*.vhost.test"


def test_pop_ignores_imapd_per_ip_file(serve, vcerts):
    # imapd-127.0.0.2.pem is imapd's: ipop3d uses its own default there
    s = serve("ipop3d", "imapd_only", "127.0.0.2")
    with s.pop() as c:
        assert pop_name(c.greeting) == HOSTNAME
        tls = pop_stls(c, vcerts.ctx("default"), "127.0.0.2")
        assert peer_cn(tls) == "localhost"
    s2 = serve("imapd", "imapd_only", "127.0.0.2")
    with s2.imap() as c:
        assert imap_name(c.greeting) == VHOST


def test_pop_explicit_cert_names_no_vhost(serve, vcerts):
    d = vcerts.dirs["vhost"]
    crt = os.path.join(d.cert_dir, "ipop3d-127.0.0.2.pem")
    key = os.path.join(d.key_dir, "ipop3d-127.0.0.2.pem")
    s = serve("ipop3d", "vhost", "127.0.0.2",
              extra_args=("--tls-cert", crt, "--tls-key", key))
    with s.pop() as c:
        assert pop_name(c.greeting) == HOSTNAME
        tls = pop_stls(c, vcerts.ctx("vhost", VHOST), VHOST)
        assert peer_cn(tls) == "cn.vhost.test"

"""The certificate is found at start and loaded at the first STARTTLS/STLS
(docs/tls.md): an unusable file is advertised but refused before any
handshake, with the reason in syslog; and the c-client.cf keys
"set tls-certificate-directory" / "set tls-key-directory" move the search
when no command-line option does."""
import os
import re
import shutil
import tempfile

import pytest

from loginserver import Server, peer_cn


@pytest.fixture
def broken_dir():
    d = tempfile.mkdtemp(prefix="login-broken.", dir="/tmp")
    os.chmod(d, 0o755)
    for prog in ("imapd", "ipop3d"):
        with open(os.path.join(d, prog + ".pem"), "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot a certificate\n"
                    "-----END CERTIFICATE-----\n")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def broken_server(program, broken_dir):
    # the later --tls-cert-dir/--tls-key-dir win over the helper's own
    return Server(program, tls="none",
                  extra_args=["--tls-cert-dir", broken_dir,
                              "--tls-key-dir", broken_dir])


def test_imap_unusable_certificate_refused_before_handshake(broken_dir):
    s = broken_server("imapd", broken_dir)
    try:
        with s.imap() as c:
            assert "STARTTLS" in c.capabilities()
            _, done = c.cmd("STARTTLS")
            assert re.fullmatch(r"t\d+ NO \[UNAVAILABLE\] STARTTLS not "
                                r"available", done), done
            # still a plaintext session that works
            assert c.login().split()[1] == "OK"
        s.wait_log(re.compile(r"TLS not available host=\[127\.0\.0\.1\]: .*"
                              + re.escape(os.path.join(broken_dir,
                                                       "imapd.pem"))))
    finally:
        s.stop()


def test_pop_unusable_certificate_refused_before_handshake(broken_dir):
    s = broken_server("ipop3d", broken_dir)
    try:
        with s.pop() as c:
            assert "STLS" in c.capa()
            assert c.cmd("STLS") == "-ERR [SYS/PERM] STLS not available"
            assert c.cmd("USER demo").startswith("+OK")
        s.wait_log(re.compile(r"TLS not available host=\[127\.0\.0\.1\]: .*"
                              + re.escape(os.path.join(broken_dir,
                                                       "ipop3d.pem"))))
    finally:
        s.stop()


class ConfigOnlyServer(Server):
    """No --tls-cert-dir/--tls-key-dir on the command line at all."""

    def _argv(self, *a):
        args = super()._argv(*a)
        out = []
        skip = False
        for arg in args:
            if skip:
                skip = False
            elif arg in ("--tls-cert-dir", "--tls-key-dir"):
                skip = True
            else:
                out.append(arg)
        return out


@pytest.mark.parametrize("program", ["imapd", "ipop3d"])
def test_certificate_directories_from_c_client_cf(certs, program):
    s = ConfigOnlyServer(program, certs=certs, tls="dir", config_lines=[
        "set tls-certificate-directory " + certs.cert_dir,
        "set tls-key-directory " + certs.key_dir])
    try:
        if program == "imapd":
            with s.imap() as c:
                assert "STARTTLS" in c.capabilities()
                assert c.cmd("STARTTLS")[1].split()[1] == "OK"
                c.starttls(certs.client_ctx(), hostname="127.0.0.1")
                assert peer_cn(c.sock) == "localhost"
                assert c.login().split()[1] == "OK"
        else:
            with s.pop() as c:
                assert "STLS" in c.capa()
                assert c.cmd("STLS").startswith("+OK")
                c.starttls(certs.client_ctx(), hostname="127.0.0.1")
                assert peer_cn(c.sock) == "localhost"
    finally:
        s.stop()


@pytest.mark.parametrize("program", ["imapd", "ipop3d"])
def test_command_line_directory_wins_over_c_client_cf(certs, program):
    # the file points at real certificates, the option at an empty
    # directory: the option decides, so no TLS is offered
    s = Server(program, certs=certs, tls="none", config_lines=[
        "set tls-certificate-directory " + certs.cert_dir,
        "set tls-key-directory " + certs.key_dir])
    try:
        if program == "imapd":
            with s.imap() as c:
                assert "STARTTLS" not in c.capabilities()
        else:
            with s.pop() as c:
                assert "STLS" not in c.capa()
    finally:
        s.stop()

"""Helpers for tests/pam: imapd or ipop3d under tcpserver, logging in
through Linux-PAM with Debian's pam_wrapper (pam_matrix) and nss_wrapper,
so that neither a system account nor a file in /etc/pam.d is needed.

    with PamServer("imapd", services={"imap": MATRIX_STACK},
                   matrix=["walter:pw:imap"],
                   users=[("walter", 54321, 54322)]) as srv:
        m = srv.imaplib()          # imaplib.IMAP4 on 127.0.0.1:srv.port
        m.login("walter", "pw")
        srv.wait_log("Login user=walter")

services: {name: text of the pam_wrapper service file}; "{matrix}",
  "{module}" (tests/pam/pam_bamboo_test.c, compiled once) and "{scratch}"
  are filled in; "{lib}" is the system PAM module directory.  An "other"
  service that denies is always added.
matrix: pam_matrix lines "user:password:service".
users: (name, uid, gid[, home]) for nss_wrapper; home defaults to
  SCRATCH/home/NAME, made and owned by uid/gid (None: no directory).
config: more c-client.cf lines (the spool directory is always set).
extra_args: more server arguments (e.g. ["--pam-session"]).

Everything listens on 127.0.0.1 on a port chosen at runtime; every socket
and wait has a timeout.  Needs root (the privilege drop), like CI.
"""
import imaplib
import os
import poplib
import shutil
import subprocess
import tempfile
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from tcpserver import Tcpserver, free_port  # noqa: E402,F401  (tests/lib)

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("BUILDDIR") or os.path.join(TOP, "build")
TIMEOUT = 20
HERE = os.path.dirname(os.path.abspath(__file__))


def multiarch():
    p = subprocess.run(["gcc", "-print-multiarch"], capture_output=True,
                       text=True, timeout=TIMEOUT)
    arch = p.stdout.strip()
    assert p.returncode == 0 and arch, "gcc -print-multiarch failed"
    return arch


ARCH = multiarch()
NSS_WRAPPER = "/usr/lib/%s/libnss_wrapper.so" % ARCH
PAM_WRAPPER = "/usr/lib/%s/libpam_wrapper.so" % ARCH
PAM_MATRIX = "/usr/lib/%s/pam_wrapper/pam_matrix.so" % ARCH
PAM_LIB = "/lib/%s/security" % ARCH

# auth + account + session through pam_matrix alone
MATRIX_STACK = ("auth required {matrix}\n"
                "account required {matrix}\n"
                "session required {matrix}\n")

_module = {}


def check_prerequisites():
    for f in (NSS_WRAPPER, PAM_WRAPPER, PAM_MATRIX):
        assert os.path.exists(f), ("%s missing (Debian packages "
                                   "libpam-wrapper, libnss-wrapper)" % f)
    assert shutil.which("tcpserver"), "tcpserver missing (ucspi-tcp)"
    assert os.geteuid() == 0, "tests/pam needs root (the privilege drop)"


def test_module():
    """tests/pam/pam_bamboo_test.c compiled (once) into a scratch .so."""
    if "path" not in _module:
        d = tempfile.mkdtemp(prefix="pam-module.", dir="/tmp")
        os.chmod(d, 0o755)
        so = os.path.join(d, "pam_bamboo_test.so")
        p = subprocess.run(["gcc", "-shared", "-fPIC", "-Wall", "-o", so,
                            os.path.join(HERE, "pam_bamboo_test.c"), "-lpam"],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, "cannot build the test module: " + p.stderr
        _module["path"] = so
        _module["dir"] = d
    return _module["path"]


def cleanup_module():
    if "dir" in _module:
        shutil.rmtree(_module.pop("dir"), ignore_errors=True)
        _module.pop("path", None)


class PamServer:
    def __init__(self, program, services, matrix=(), users=(), config=(),
                 extra_args=(), passwd_file=None):
        check_prerequisites()
        self.program = os.path.join(BUILDDIR, program)
        assert os.access(self.program, os.X_OK), "%s is not built" % self.program
        self.scratch = tempfile.mkdtemp(prefix="pam-test.", dir="/tmp")
        self.tcp = None
        try:
            self._setup(services, matrix, users, config)
            self._start(list(extra_args), passwd_file)
        except BaseException:
            self.stop()
            raise

    def path(self, *names):
        return os.path.join(self.scratch, *names)

    def _write(self, name, text, mode=0o644):
        with open(self.path(name), "w") as f:
            f.write(text)
        os.chmod(self.path(name), mode)

    def _setup(self, services, matrix, users, config):
        os.chmod(self.scratch, 0o755)
        for d in ("pam.d", "home", "spool"):
            os.mkdir(self.path(d))
            os.chmod(self.path(d), 0o755)
        os.chmod(self.path("spool"), 0o1777)
        self.record_file = self.path("record")
        self._write("record", "", 0o666)    # session close runs as the user
        os.chmod(self.record_file, 0o666)
        fill = {"matrix": PAM_MATRIX, "lib": PAM_LIB, "scratch": self.scratch,
                "module": test_module() if any("{module}" in t for t in
                                               services.values()) else ""}
        for name, text in services.items():
            self._write(os.path.join("pam.d", name), text.format(**fill))
        self._write("pam.d/other", "auth required {lib}/pam_deny.so\n"
                    "account required {lib}/pam_deny.so\n".format(**fill))
        self._write("matrix", "".join(line + "\n" for line in matrix), 0o600)
        self.homes = {}
        lines, gids = [], set()
        for u in users:
            name, uid, gid = u[:3]
            home = u[3] if len(u) > 3 else self.path("home", name)
            if len(u) <= 3:
                os.mkdir(home)
                os.chown(home, uid, gid)
                os.chmod(home, 0o700)
                box = os.path.join(self.path("spool"), name)
                open(box, "w").close()
                os.chown(box, uid, gid)
                os.chmod(box, 0o600)
            self.homes[name] = home
            lines.append("%s:x:%d:%d:Test %s:%s:/bin/sh" % (
                name, uid, gid, name, home or ""))
            gids.add(gid)
        self._write("passwd", "\n".join(lines) + "\n")
        self._write("group", "".join("g%d:x:%d:\n" % (g, g) for g in sorted(gids)))
        self.config_file = self.path("c-client.cf")
        self._write("c-client.cf", "set mail-spool-directory %s\n" %
                    self.path("spool") + "".join(c + "\n" for c in config))

    def env_prefix(self):
        asan = ":".join(o for o in (os.environ.get("ASAN_OPTIONS", ""),
                                    "verify_asan_link_order=0") if o)
        return ["env", "LD_PRELOAD=%s:%s" % (NSS_WRAPPER, PAM_WRAPPER),
                "PAM_WRAPPER=1",
                "PAM_WRAPPER_SERVICE_DIR=" + self.path("pam.d"),
                "PAM_MATRIX_PASSWD=" + self.path("matrix"),
                "NSS_WRAPPER_PASSWD=" + self.path("passwd"),
                "NSS_WRAPPER_GROUP=" + self.path("group"),
                "PAM_WRAPPER_DISABLE_DEEPBIND=1",
                # Debian 12's pam_wrapper (1.1.4) reads this name instead
                "UID_WRAPPER_DISABLE_DEEPBIND=1",
                "NSS_WRAPPER_DISABLE_DEEPBIND=1", "ASAN_OPTIONS=" + asan]

    def _start(self, extra_args, passwd_file):
        argv = self.env_prefix() + [
            self.program, "--config", self.config_file, "--syslog-stderr",
            "--secrets", self.path("no-secrets")]
        if passwd_file:
            argv += ["--passwd", passwd_file]
        self.tcp = Tcpserver(argv + extra_args, self.path("server.log"),
                             maxconn=20)
        self.proc, self.port = self.tcp.proc, self.tcp.port

    # ------------------------------------------------------------ access
    def log_text(self):
        return self.tcp.log_text()

    def wait_log(self, text, timeout=10):
        return self.tcp.wait_log(text, timeout)

    def records(self):
        with open(self.record_file) as f:
            return f.read().splitlines()

    def session_pids(self):
        return self.tcp.session_pids(self.program)

    def wait_session_pid(self, timeout=10):
        return self.tcp.wait_session_pid(self.program, timeout)

    def imaplib(self):
        return imaplib.IMAP4("127.0.0.1", self.port, timeout=TIMEOUT)

    def poplib(self):
        return poplib.POP3("127.0.0.1", self.port, timeout=TIMEOUT)

    def stop(self):
        if self.tcp is not None:
            self.tcp.stop(self.program)	# tcpserver, then any session left
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

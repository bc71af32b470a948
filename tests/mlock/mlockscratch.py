"""A scratch spool for mlock: DIR/spool is root:mail 1775 (nobody cannot
create files there), DIR/spool/nobody a mailbox owned by nobody, and
DIR/bin/mlock a copy of the built mlock installed as "make install" does
(group mail, mode 2755).  Runs mlock as nobody through /bin/sh, which opens
the mailbox on fd 3 itself, as the user's own process would.  Shared by
test_mlock.py and test_mlock_imapd.py."""
import grp
import os
import select
import shutil
import subprocess
import tempfile

import pytest

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.path.abspath(os.environ.get("BUILDDIR")
                           or os.path.join(TOP, "build"))
MLOCK = os.path.join(BUILDDIR, "mlock")
NOBODY = 65534
WAIT = 30               # seconds before a test gives up on an answer


def mail_gid():
    try:
        return grp.getgrnam("mail").gr_gid
    except KeyError:
        pytest.fail("there is no group mail: mlock is installed setgid mail")


def setuid_capable_dir():
    """A new directory on a file system that honours setgid bits: /tmp,
    else under the build directory.  Fails (never skips) when neither is."""
    for base in ("/tmp", BUILDDIR):
        if os.statvfs(base).f_flag & os.ST_NOSUID:
            continue
        d = tempfile.mkdtemp(prefix="mlock.", dir=base)
        os.chmod(d, 0o755)
        return d
    pytest.fail("/tmp and %s are both mounted nosuid: no place to test a"
                " setgid mlock" % BUILDDIR)


class Spool:
    def __init__(self):
        if os.geteuid() != 0:
            pytest.fail("the mlock tests need root (a setgid copy, nobody)")
        if not os.access(MLOCK, os.X_OK):
            pytest.fail("%s is not built" % MLOCK)
        self.gid = mail_gid()
        self.dir = setuid_capable_dir()
        self.bin = os.path.join(self.dir, "bin")
        os.mkdir(self.bin, 0o755)
        self.mlock = self.install("mlock", 0o2755)
        self.spool = self.spool_dir(os.path.join(self.dir, "spool"))
        self.mbox = self.mailbox(self.spool, "nobody")

    def install(self, name, mode):
        path = os.path.join(self.bin, name)
        shutil.copy(MLOCK, path)
        os.chown(path, 0, self.gid)
        os.chmod(path, mode)    # after chown, which clears setgid
        return path

    def spool_dir(self, path):
        os.mkdir(path)
        os.chown(path, 0, self.gid)
        os.chmod(path, 0o1775)
        return path

    @staticmethod
    def mailbox(directory, name, text="From a@b Thu Jan  1 00:00:00 2026\n\nhi\n\n"):
        path = os.path.join(directory, name)
        with open(path, "w") as f:
            f.write(text)
        os.chown(path, NOBODY, NOBODY)
        os.chmod(path, 0o600)
        return path

    def entries(self, directory=None):
        return sorted(os.listdir(directory or self.spool))

    def start(self, args, redirect='3<>"$MBOX"', mlock=None, mbox=None,
              env=()):
        """mlock ARGS as nobody, with REDIRECT applied by the shell (by
        default the mailbox read/write on fd 3) and ENV added to the
        environment; stdin/stdout/stderr are pipes."""
        return subprocess.Popen(
            ["/bin/sh", "-c", 'exec "$@" ' + redirect, "sh",
             mlock or self.mlock] + list(args),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, user=NOBODY, group=NOBODY,
            extra_groups=[], cwd=self.dir,
            env=dict(env, MBOX=mbox or self.mbox, DIR=self.spool,
                     PATH="/usr/bin:/bin"))

    def lock(self, mbox=None):
        """mlock FD PATH on the mailbox: the running process."""
        mbox = mbox or self.mbox
        return self.start(["3", mbox], mbox=mbox)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def read_answer(p, seconds):
    """What mlock writes on stdout within SECONDS (b"" if nothing)."""
    r, _, _ = select.select([p.stdout], [], [], seconds)
    return os.read(p.stdout.fileno(), 16) if r else b""


def finish(p):
    """Waits for mlock; (exit status, stdout rest, stderr)."""
    out, err = p.communicate(timeout=WAIT)
    return p.returncode, out, err.decode("utf-8", "replace")


@pytest.fixture
def spool():
    s = Spool()
    try:
        yield s
    finally:
        s.cleanup()

"""tcpserver (ucspi-tcp) running one server process per connection on a
loopback port, for the pytest suites (tests/ipop3d, tests/login, tests/pam).

What every suite needs and used to write again:
  free_port(address)      a port nobody listens on now
  Tcpserver(argv, log)    tcpserver -v on a free port, running argv per
                          connection; a retry when another process took
                          the port between free_port() and the bind
  .log_text(), .mark(), .wait_log(text, timeout, since)
                          tcpserver's -v log, which also holds the
                          servers' --syslog-stderr lines
  .session_pids(program)  the server processes tcpserver has running
  .stop(program)          tcpserver and any session left: nothing stays
"""
import os
import signal
import socket
import subprocess
import time


def free_port(address="127.0.0.1"):
    s = socket.socket()
    s.bind((address, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Tcpserver:
    def __init__(self, argv, log_path, address="127.0.0.1", maxconn=40,
                 tries=5):
        """argv: what tcpserver runs per connection (env prefix, program,
        options); log_path: where its -v log and stderr go (appended)."""
        self.address = address
        self.log_path = log_path
        self.proc = None
        self.log = None
        for _ in range(tries):
            self.port = free_port(address)
            self.log = open(log_path, "ab")
            self.proc = subprocess.Popen(
                ["tcpserver", "-v", "-R", "-H", "-l", "0", "-c", str(maxconn),
                 address, str(self.port)] + list(argv),
                stdin=subprocess.DEVNULL, stdout=self.log,
                stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                # tcpserver -v logs "status: 0/N" once it listens
                if "tcpserver: status: 0/" in self.log_text():
                    return
                if self.proc.poll() is not None:
                    break
                time.sleep(0.02)
            if self.proc.poll() is None:
                raise AssertionError("tcpserver did not start: " +
                                     self.log_text())
            self.log.close()
            self.log = None
            if "unable to bind" not in self.log_text():
                raise AssertionError("tcpserver failed: " + self.log_text())
        raise AssertionError("tcpserver could not bind: " + self.log_text())

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def mark(self):
        """A position in the log: wait_log(..., since=mark) looks after it."""
        return len(self.log_text())

    def wait_log(self, text, timeout=10, since=0):
        """Wait until text (str, or a compiled regex) is in the log after
        since; returns that part of the log."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.log_text()[since:]
            if (text.search(log) if hasattr(text, "search") else text in log):
                return log
            if time.monotonic() > deadline:
                raise AssertionError("no %r in the log:\n%s" % (
                    getattr(text, "pattern", text), log[-3000:]))
            time.sleep(0.02)

    def session_pids(self, program):
        """Pids of tcpserver's children running program (a path or name)."""
        name = os.path.basename(program).encode()[:15]
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d, "rb") as f:
                    stat = f.read()
                with open("/proc/%s/comm" % d, "rb") as f:
                    comm = f.read().strip()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            if ppid == self.proc.pid and comm == name:
                pids.append(int(d))
        return pids

    def wait_session_pid(self, program, timeout=10):
        """The pid of the one session of program running now."""
        deadline = time.monotonic() + timeout
        while True:
            pids = self.session_pids(program)
            if len(pids) == 1:
                return pids[0]
            assert time.monotonic() < deadline, "sessions: %r" % pids
            time.sleep(0.02)

    def stop(self, program=None):
        """tcpserver first, then any session of program still running."""
        if self.proc is not None and self.proc.poll() is None:
            pids = self.session_pids(program) if program else []
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if self.log is not None:
            self.log.close()
            self.log = None

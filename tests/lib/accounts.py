"""The account files a test server reads: --passwd and --secrets."""
import os


def write_accounts(scratch, users, password_hash, uid, gid, own):
    """A home scratch/home-USER for each user (own(path) gives it to the
    account) and a passwd-style file naming them; returns its path."""
    lines = ["# test accounts"]
    for user in users:
        home = os.path.join(scratch, "home-" + user)
        os.mkdir(home)
        own(home)
        lines.append("%s:%s:%d:%d:Test %s:%s:/bin/sh"
                     % (user, password_hash, uid, gid, user, home))
    path = os.path.join(scratch, "passwd")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o644)
    return path


def write_secrets(scratch, secrets):
    """UW's secrets file (user TAB secret) for CRAM-MD5 and APOP, mode
    0600; None when secrets is None (no file: those mechanisms are off)."""
    if secrets is None:
        return None
    path = os.path.join(scratch, "cram-md5.pwd")
    with open(path, "w") as f:
        f.write("# test secrets\n")
        for user, secret in secrets.items():
            f.write("%s\t%s\n" % (user, secret))
    os.chmod(path, 0o600)
    return path

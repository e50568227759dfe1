"""A private Dovecot IMAP server on loopback: its own config, passwd-file users, Maildir.

Made for tests and benchmarks. Works with Dovecot 2.3 (the syntax used here). As root,
Dovecot insists on unprivileged login and internal users and a non-root mail owner, so
the mail is owned by ``nobody``; run by another user, everything runs as that user.
"""

from __future__ import annotations

import base64
import contextlib
import grp
import hashlib
import hmac
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

from mailflow.testing.net import LOOPBACK, Certificate, free_port, wait_for_port

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = {host}
protocols = imap
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd/%u
}}
passdb {{
  driver = oauth2
  args = {root}/oauth2.conf
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
# no chroot (impossible without root); no growing delay for an address after the
# wrong-password tests (Dovecot's auth penalty)
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {ssl_port}
    ssl = yes
  }}
}}
"""


@dataclass(frozen=True)
class MailUser:
    name: str
    password: str


@dataclass(frozen=True)
class _ServiceUsers:
    """Who Dovecot's processes run as, and who owns the mail."""

    login: str
    internal: str
    internal_group: str
    mail_uid: int
    mail_gid: int


def _service_users() -> _ServiceUsers:
    """Dovecot's own users when run as root; otherwise everything runs as the caller."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(me.pw_gid).gr_name
        return _ServiceUsers(me.pw_name, me.pw_name, group, me.pw_uid, me.pw_gid)
    nobody = pwd.getpwnam("nobody")
    login = "dovenull" if _user_exists("dovenull") else "nobody"
    internal = "dovecot" if _user_exists("dovecot") else "nobody"
    group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
    return _ServiceUsers(login, internal, group, nobody.pw_uid, nobody.pw_gid)


def _require_dovecot_23() -> None:
    """The config below is Dovecot 2.3 syntax; 2.4 renamed most settings, so say so."""
    if shutil.which("dovecot") is None:
        raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd)")
    version = subprocess.run(
        ["dovecot", "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not version.startswith("2.3."):
        raise RuntimeError(
            f"Dovecot {version} is installed; mailflow's test server speaks the Dovecot 2.3 "
            "configuration (Debian 12). Use 2.3, or port CONFIG in mailflow/testing/dovecot.py"
        )


def _children_of(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class Dovecot:
    """Start with ``start()``; ``restart()`` keeps ports, users and mail."""

    def __init__(self, certificate: Certificate) -> None:
        _require_dovecot_23()
        # not under pytest's tmp_path: its folders are private to us, the mail owner is not
        self.root = Path(tempfile.mkdtemp(prefix="mailflow-dovecot-"))
        self.root.chmod(0o755)
        self.host = LOOPBACK
        self.port = free_port()
        self.ssl_port = free_port()
        self.certificate = certificate
        users = _service_users()
        self.uid, self.gid = users.mail_uid, users.mail_gid
        (self.root / "mail").mkdir()
        os.chown(self.root / "mail", self.uid, self.gid)
        (self.root / "passwd").mkdir()
        self._write_oauth2_config()
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root,
                host=self.host,
                port=self.port,
                ssl_port=self.ssl_port,
                cert=certificate.cert,
                key=certificate.key,
                login_user=users.login,
                internal_user=users.internal,
                internal_group=users.internal_group,
                uid=self.uid,
                gid=self.gid,
            )
        )
        self._process: subprocess.Popen[bytes] | None = None
        self._serial = 0

    def start(self) -> None:
        self._process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        wait_for_port(self.ssl_port)

    def stop(self) -> None:
        """Stop the server and drop every client connection, as a real restart does."""
        if self._process is not None:
            children = _children_of(self._process.pid)
            self._process.terminate()
            self._process.wait(timeout=15)
            for pid in children:  # Dovecot 2.3 run with -F leaves its imap processes
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self._process = None

    def restart(self) -> None:
        self.stop()
        time.sleep(0.1)
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def new_user(self, password: str = "s3cret pässword") -> MailUser:
        """A fresh account with an empty INBOX, so tests never see each other's mail."""
        self._serial += 1
        user = MailUser(f"course{self._serial}", password)
        # one passwd file per user: Dovecot rereads a changed file at most once a second
        (self.root / "passwd" / user.name).write_text(
            f"{user.name}:{{PLAIN}}{user.password}::::::\n", encoding="utf-8"
        )
        return user

    def oauth2_token(self, user: MailUser, lifetime: int = 600) -> str:
        """An access token (a JWT signed with the server's key) that logs ``user`` in."""
        now = int(time.time())
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {"sub": user.name, "email": user.name, "iat": now, "nbf": now}
        body = _b64url(json.dumps({**claims, "exp": now + lifetime}).encode())
        signature = hmac.new(self._oauth2_key, f"{header}.{body}".encode(), hashlib.sha256)
        return f"{header}.{body}.{_b64url(signature.digest())}"

    def _write_oauth2_config(self) -> None:
        """XOAUTH2 validated locally against a signing key: no identity provider needed."""
        self._oauth2_key = os.urandom(32)
        keys = self.root / "oauth2-keys"
        key_file = keys / "default" / "HS256" / "default"  # <azp>/<alg>/<kid> in Dovecot 2.3
        key_file.parent.mkdir(parents=True)
        key_file.write_text(base64.b64encode(self._oauth2_key).decode())
        (self.root / "oauth2.conf").write_text(
            "introspection_mode = local\n"
            f"local_validation_key_dict = fs:posix:prefix={keys}/\n"
            "username_attribute = email\n"
        )

    def client(self, user: MailUser) -> IMAPClient:
        """A plain loopback connection for a test to prepare or inspect a mailbox."""
        client = IMAPClient(self.host, self.port, ssl=False, timeout=60)
        client.plain_login(user.name, user.password)
        return client

    def append(self, user: MailUser, folder: str, *mails: bytes) -> None:
        with self.client(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in mails:
                client.append(folder, raw)

    def maildir(self, user: MailUser) -> Path:
        """The user's Maildir on disk, for filling big folders fast (benchmarks)."""
        return self.root / "mail" / user.name

    def write_into_maildir(self, user: MailUser, mails: list[bytes]) -> None:
        """Put mails straight into the INBOX's ``cur/``, as a delivery agent would."""
        base = self.maildir(user)
        for sub in ("cur", "new", "tmp"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        for number, raw in enumerate(mails):
            path = base / "cur" / f"{time.time_ns()}.{number}.mailflow:2,"
            path.write_bytes(raw)
            os.chown(path, self.uid, self.gid)
        for folder in (base, *(base / sub for sub in ("cur", "new", "tmp"))):
            os.chown(folder, self.uid, self.gid)

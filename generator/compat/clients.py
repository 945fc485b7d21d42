"""The client catalogue: real ClientHellos with their provenance, one file each in
data/clients/<id>.yaml, checked against data/client.schema.yaml whenever they are loaded.

A file holds a definition a contributor writes — the program, its package, the command that
runs it against a server on 127.0.0.1 — and what tools/record_client_hellos.py observed when
it ran it: the version, the date, the bytes of its hello and, for each server stack and key
type, how the real client's handshake with a live server ended. Clients that cannot run here
(Internet Explorer 11, Android 7.0, Java 6u45) are `source: recorded`: bytes a third party
recorded, labelled as not re-runnable.

`tlskb probe` sends the hellos to live servers; identify.py recognises a hello among them; the
site gives each client a page and the matrix a row.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from generator.errors import TlskbError

DATA = Path(__file__).resolve().parent / "data"
CLIENTS_DIR = DATA / "clients"
CLIENT_SCHEMA = DATA / "client.schema.yaml"
#: a client file larger than this is refused before it is parsed
MAX_CLIENT_FILE = 400_000


class ClientFileError(TlskbError):
    """A client file is unreadable or breaks the client schema; `problems` says where."""

    def __init__(self, problems) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems)
                         + "\nfix the client file (generator/compat/data/client.schema.yaml "
                           "describes every field)")


class Protocol(enum.Enum):
    """What a client speaks before and inside TLS, and the plaintext dialogue (if any) a server
    holds with it before the ClientHello (net/dialogue.py, net/capture.py)."""
    HTTPS = "https"
    TLS = "tls"                                   # TLS from the first byte, any application
    SMTP_STARTTLS = "smtp-starttls"               # RFC 3207, port 25
    SUBMISSION_STARTTLS = "submission-starttls"   # RFC 6409 + 3207, port 587
    SMTPS = "smtps"                               # RFC 8314 implicit TLS, port 465
    IMAP_STARTTLS = "imap-starttls"               # RFC 3501 §6.2.1
    IMAPS = "imaps"                               # RFC 8314, port 993
    POP3_STARTTLS = "pop3-starttls"               # RFC 2595 §4
    POP3S = "pop3s"                               # RFC 8314, port 995
    LDAPS = "ldaps"                               # LDAP over TLS, port 636
    POSTGRES = "postgres"                         # SSLRequest first (PostgreSQL protocol 53.2.10)
    MQTTS = "mqtts"                               # MQTT over TLS, port 8883
    REDIS_TLS = "redis-tls"
    DOT = "dot"                                   # DNS over TLS, RFC 7858
    IRCS = "ircs"

    @property
    def dialogue(self) -> str | None:
        """The plaintext protocol spoken before TLS: "smtp", "imap", "pop3", "postgres"."""
        return _DIALOGUES.get(self)


_DIALOGUES = {Protocol.SMTP_STARTTLS: "smtp", Protocol.SUBMISSION_STARTTLS: "smtp",
              Protocol.IMAP_STARTTLS: "imap", Protocol.POP3_STARTTLS: "pop3",
              Protocol.POSTGRES: "postgres"}


class Category(enum.Enum):
    """What kind of client, for the matrix's filters."""
    WEB = "web"
    MAIL = "mail"
    DATABASE = "database"
    DIRECTORY = "directory"
    MESSAGING = "messaging"
    DNS = "dns"
    FILES = "files"
    CHAT = "chat"
    RUNTIME = "runtime"      # a language's standard TLS client (Python ssl, Node tls, Go, Java)
    TOOL = "tool"            # a TLS tool (openssl s_client, gnutls-cli, socat, stunnel)


class Library(enum.Enum):
    """The TLS library that wrote the hello."""
    OPENSSL = "openssl"
    LIBRESSL = "libressl"
    BORINGSSL = "boringssl"
    GNUTLS = "gnutls"
    NSS = "nss"
    GO = "go"
    JSSE = "jsse"
    RUSTLS = "rustls"
    WOLFSSL = "wolfssl"
    MBEDTLS = "mbedtls"
    BOTAN = "botan"
    SCHANNEL = "schannel"
    SECURETRANSPORT = "securetransport"
    ANDROID = "android"
    OTHER = "other"


class Source(enum.Enum):
    BINARY = "binary"        # the recorder ran it here; anyone can re-record it
    RECORDED = "recorded"    # bytes a third party recorded; not re-runnable here


class EndToEnd(enum.Enum):
    """How a real client's handshake with a live server ended (net/endtoend.py)."""
    COMPLETED = "completed"              # both Finished messages: the client accepted it all
    SERVER_REFUSED = "server_refused"    # the server's library could not serve this hello
    CLIENT_REFUSED = "client_refused"    # the client sent an alert: it refused what it got
    NO_CONNECTION = "no_connection"      # the client never sent a hello to the live server
    FAILED = "failed"                    # it ended otherwise (closed, timed out)


@dataclass(frozen=True, slots=True)
class ClientRun:
    """One real client's handshake with one live server (stack × key type)."""
    result: EndToEnd
    version: str | None = None   # negotiated, when it completed or got that far
    alert: str | None = None     # the alert that ended it ("bad_certificate")
    detail: str | None = None    # the server library's words
    exit: int | None = None      # the client's exit status
    said: str | None = None      # the client's last line of error output


@dataclass(frozen=True, slots=True)
class Definition:
    """How to run a client here (source: binary); placeholders are filled by net/clientrun.py."""
    command: tuple[str, ...]
    version_command: tuple[str, ...] | None = None
    version_word: int = 1
    env: tuple[tuple[str, str], ...] = ()
    stdin: str | None = None
    setup: tuple[tuple[str, ...], ...] = ()
    build: tuple[tuple[str, ...], ...] = ()
    debian: tuple[str, ...] = ()
    pypi: tuple[str, ...] = ()
    timeout: int = 20
    stop_after_handshake: bool = False   # it waits on after the handshake (a browser's page)


@dataclass(frozen=True, slots=True)
class RecordedClient:
    id: str                       # the file name without .yaml, e.g. "curl-7.88-default"
    client: str                   # display name with version, e.g. "curl 7.88.1"
    version: str | None           # the client's version when it was recorded here
    recorded: str | None          # ISO date of the recording, for those recorded by the tool
    starttls: str | None          # the dialogue before the hello: "smtp", "imap", … or None
    source: str                   # how the bytes were obtained (provenance)
    raw: bytes                    # what the client sent: TLS records or an SSL 2.0 ClientHello
    name: str = ""                # "curl"
    family: str = ""              # "curl"
    variant: str = ""             # "defaults"
    category: Category = Category.TOOL
    library: Library = Library.OTHER
    origin: Source = Source.RECORDED
    protocol: Protocol = Protocol.TLS
    historical: bool = False
    definition: Definition | None = None
    version_text: str | None = None
    package_versions: tuple[str, ...] = ()
    end_to_end_note: str | None = None
    proven: str | None = None     # date of the end-to-end runs
    runs: tuple[tuple[str, str, ClientRun], ...] = ()   # (stack id, key type id, run)

    def run(self, stack: str, key_type: str) -> ClientRun | None:
        return next((r for s, k, r in self.runs if s == stack and k == key_type), None)


@cache
def _schema() -> dict:
    """The client schema, read once per process (libyaml's loader when PyYAML has it)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(CLIENT_SCHEMA.read_text(encoding="utf-8"), Loader=loader)


def load_client(path: Path) -> RecordedClient:
    """The client file at `path`, checked against the schema and the text rules (its text is
    published); ClientFileError lists every problem at file:line:col."""
    from generator.cases.schema import schema_problems
    from generator.cases.textrules import located_text_problems
    from generator.cases.yamlpos import load, oversized, shown_path
    source = shown_path(path)
    if path.is_symlink() or not path.is_file():
        raise ClientFileError([_problem(source, "not a regular file", "client files are plain files")])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ClientFileError([_problem(source, f"cannot read it ({error})", "save it as UTF-8")]) from None
    if len(text) > MAX_CLIENT_FILE:
        raise ClientFileError([oversized(source, len(text))])
    located, problems = load(text, source)
    if located is None:
        raise ClientFileError(problems)
    problems = schema_problems(located, source, CLIENT_SCHEMA, whole="the client file")
    problems += located_text_problems(located, source, _published_text)
    if not problems:
        problems += _meaning_problems(located, source, path.stem)
    if problems:
        raise ClientFileError(sorted(problems, key=lambda p: (p.line, p.column)))
    return client_from(path.stem, located.data)


def _problem(source: str, message: str, hint: str):
    from generator.cases.yamlpos import Problem
    return Problem(source, 1, 1, message, hint)


def _published_text(path: tuple) -> bool:
    """The fields the site shows as text, held to every text rule; commands, hex and the
    library's words are shown verbatim as code."""
    return bool(path) and path[0] in ("name", "variant", "end_to_end_note", "provenance")


def _meaning_problems(located, source: str, file_id: str) -> list:
    """What the schema cannot say: a binary needs its command and version command, the hex
    must be hex, the id must be a page address."""
    from generator.cases.yamlpos import Problem
    data = located.data
    problems = []

    def problem(path: tuple, message: str, hint: str) -> None:
        line, column = located.where(path)
        problems.append(Problem(source, line, column, message, hint))

    if data["source"] == Source.BINARY.value:
        for field in ("command", "version_command", "package"):
            if field not in data:
                problem((), f"a binary client needs `{field}`",
                        "say how to install and run it, or mark it `source: recorded`")
    try:
        bytes.fromhex("".join(data.get("hex", "").split()))
    except ValueError:
        problem(("hex",), "`hex` is not hexadecimal", "paste the bytes as hex digits")
    # the file name is the client's id: its page's address, its anchor, and a word of the
    # shell command its page gives for re-recording it, so it is held to the family's pattern
    id_rule = _schema()["$defs"]["id"]
    if not re.fullmatch(id_rule["pattern"], file_id) or len(file_id) > id_rule["maxLength"]:
        problem((), f"the file name {file_id!r} is not a client id",
                f"rename it: lower-case letters and digits, parts joined by '.' or '-', at most "
                f"{id_rule['maxLength']} characters, then .yaml (curl-7.88.yaml)")
    from generator.site.layout import RESERVED_IDS
    if file_id in RESERVED_IDS or data["family"] in RESERVED_IDS:
        problem((), f"the id {file_id!r} or family {data['family']!r} is the name of a "
                "generated page or folder", f"reserved: {', '.join(RESERVED_IDS)}")
    return problems


def client_from(file_id: str, data: dict) -> RecordedClient:
    """A RecordedClient from a checked file's data."""
    binary = data["source"] == Source.BINARY.value
    definition = None
    if binary:
        package = data.get("package", {})
        definition = Definition(
            tuple(data["command"]), tuple(data["version_command"]),
            int(data.get("version_word", 1)), tuple(sorted(data.get("env", {}).items())),
            data.get("stdin"), tuple(tuple(c) for c in data.get("setup", ())),
            tuple(tuple(c) for c in data.get("build", ())), tuple(package.get("debian", ())),
            tuple(package.get("pypi", ())), int(data.get("timeout", 20)),
            bool(data.get("stop_after_handshake", False)))
    version = _optional(data.get("version"))
    shown = f"{data['name']} {version}" if version else data["name"]
    runs = []
    end_to_end = data.get("end_to_end") or {}
    for stack, by_key in (end_to_end.get("results") or {}).items():
        for key_type, run in by_key.items():
            runs.append((stack, key_type, ClientRun(
                EndToEnd(run["result"]), run.get("version"), run.get("alert"),
                run.get("detail"), run.get("exit"), run.get("said"))))
    protocol = Protocol(data["protocol"])
    return RecordedClient(
        file_id, shown, version, _optional(data.get("recorded")), protocol.dialogue,
        " ".join(str(data.get("provenance", "not recorded yet")).split()),
        bytes.fromhex("".join(data.get("hex", "").split())),
        data["name"], data["family"], data["variant"], Category(data["category"]),
        Library(data["library"]), Source(data["source"]), protocol,
        bool(data.get("historical", False)), definition, _optional(data.get("version_text")),
        tuple(data.get("package_versions", ())), _optional(data.get("end_to_end_note")),
        _optional(end_to_end.get("proven")), tuple(runs))


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def all_clients(directory: Path | None = None) -> tuple[RecordedClient, ...]:
    """Every client file in `directory` (default CLIENTS_DIR, looked up at each call), in
    file-name order, recorded or not yet."""
    return _clients_in(directory or CLIENTS_DIR)


@cache
def _clients_in(directory: Path) -> tuple[RecordedClient, ...]:
    return tuple(load_client(path) for path in sorted(directory.glob("*.yaml")))


all_clients.cache_clear = _clients_in.cache_clear  # `mkdocs serve` reloads after a change


def recorded_clients(directory: Path | None = None) -> tuple[RecordedClient, ...]:
    """The clients whose hello has been recorded (every one but a definition just added)."""
    return tuple(client for client in all_clients(directory) if client.raw)


def client_problems(directory: Path | None = None) -> list:
    """Every problem of every client file in `directory` (for `tlskb check`): the schema, the
    text rules, and hellos that do not decode."""
    from generator.cases.yamlpos import Problem
    from generator.errors import DecodeError
    from generator.tls.records import decode_client_hello
    problems: list = []
    for path in sorted((directory or CLIENTS_DIR).glob("*.yaml")):
        try:
            client = load_client(path)
        except ClientFileError as error:
            problems.extend(p if isinstance(p, Problem) else Problem(str(path), 1, 1, str(p), None)
                            for p in error.problems)
            continue
        if client.raw:
            try:
                decode_client_hello(client.raw)
            except DecodeError as error:
                problems.append(Problem(str(path), 1, 1, f"the hello does not decode: {error}",
                                        "record it again with tools/record_client_hellos.py"))
    return problems


def catalogue_json(clients: tuple[RecordedClient, ...]) -> list[dict]:
    """`tlskb catalogue --json`: one object per client (DESIGN.md, "the CLI and its JSON")."""
    out = []
    for client in clients:
        results: dict[str, dict[str, str]] = {}
        for stack, key_type, run in client.runs:
            results.setdefault(stack, {})[key_type] = run.result.value
        definition = client.definition
        out.append({
            "id": client.id, "name": client.name, "version": client.version,
            "variant": client.variant, "family": client.family,
            "category": client.category.value, "library": client.library.value,
            "source": client.origin.value,
            "command": list(definition.command) if definition else None,
            "protocol": client.protocol.value, "recorded": client.recorded,
            "historical": client.historical, "end_to_end": results,
            "end_to_end_proven": client.proven})
    json.dumps(out)  # every value is JSON already; fail here rather than in the caller
    return out

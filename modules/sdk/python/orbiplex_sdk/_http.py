"""A minimal HTTP/1.1 server-side codec for loopback JSON traffic.

Only what the host speaks: a request line, headers, and a body framed by Content-Length
(chunked bodies are accepted too). Keep-alive is the default for HTTP/1.1. Every response
is encoded into ONE bytes object so it leaves in one write: separate header and body writes
meet Nagle + delayed ACK and cost ~40 ms per call on keep-alive connections.
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from http import HTTPStatus

#: Largest request head (request line + headers) we read; the StreamReader limit enforces it.
MAX_HEAD_BYTES = 64 * 1024
_MAX_HEADERS = 100
#: Oversized bodies up to this multiple of the limit are read and dropped before the 413.
_DISCARD_FACTOR = 8
_DIGITS = re.compile(r"[0-9]{1,19}")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")


class HttpError(Exception):
    """A request we refuse before any handler runs; the connection closes when `close` is set."""

    def __init__(self, status: int, code: str, message: str, *, close: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.close = close


@dataclass
class Request:
    """One parsed request."""

    method: str
    target: str
    path: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    keep_alive: bool = True

    def header(self, name: str, default: str | None = None) -> str | None:
        """A header by case-insensitive name."""
        return self.headers.get(name.lower(), default)


def _parse_head(head: bytes) -> Request:
    text = head.decode("latin-1")
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        raise HttpError(400, "TYPE_ERROR", f"malformed request line {lines[0][:100]!r}")
    method, target, version = parts
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise HttpError(505, "TYPE_ERROR", f"unsupported HTTP version {version[:20]!r}: use HTTP/1.1")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t":
            raise HttpError(400, "TYPE_ERROR", "folded header lines are not accepted")
        name, sep, value = line.partition(":")
        name = name.strip().lower()
        if not sep or not name:
            raise HttpError(400, "TYPE_ERROR", f"malformed header line {line[:100]!r}")
        value = value.strip()
        if name == "content-length" and name in headers and headers[name] != value:
            raise HttpError(400, "TYPE_ERROR", "conflicting Content-Length headers")
        headers[name] = value
    if len(headers) > _MAX_HEADERS:
        raise HttpError(431, "TYPE_ERROR", f"more than {_MAX_HEADERS} headers")
    tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
    keep_alive = "close" not in tokens if version == "HTTP/1.1" else "keep-alive" in tokens
    path = target.split("?", 1)[0]
    return Request(method, target, path, version, headers, b"", keep_alive)


async def _read_chunked(reader: asyncio.StreamReader, max_body: int) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        digits = size_line.split(b";", 1)[0].strip()
        # int(..., 16) also takes "-5", "+5" and "1_0": only plain hex digits are a chunk size.
        if not _HEX.fullmatch(digits):
            raise HttpError(400, "TYPE_ERROR", "malformed chunk size")
        size = int(digits, 16)
        if size == 0:
            # Trailers, if any, end with an empty line.
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass
            return bytes(body)
        if len(body) + size > max_body:
            raise HttpError(413, "TYPE_ERROR", f"request body exceeds {max_body} bytes")
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise HttpError(400, "TYPE_ERROR", "malformed chunk terminator")


async def _discard(reader: asyncio.StreamReader, length: int) -> None:
    while length > 0:
        chunk = await reader.read(min(length, 65536))
        if not chunk:
            return
        length -= len(chunk)


async def read_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, max_body: int
) -> Request | None:
    """Read one request; None when the peer closed the connection between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise HttpError(431, "TYPE_ERROR", f"request head exceeds {MAX_HEAD_BYTES} bytes") from None
    request = _parse_head(head.lstrip(b"\r\n"))
    transfer = request.header("transfer-encoding")
    length_text = request.header("content-length")
    if transfer is not None and transfer.strip().lower() != "chunked":
        raise HttpError(501, "TYPE_ERROR", f"unsupported Transfer-Encoding {transfer[:40]!r}")
    length = 0
    if transfer is None and length_text is not None:
        # str.isdigit() also takes "²" and other digits int() refuses: only ASCII digits are a length.
        if not _DIGITS.fullmatch(length_text):
            raise HttpError(400, "TYPE_ERROR", f"invalid Content-Length {length_text[:40]!r}")
        length = int(length_text)
        expects_continue = request.header("expect", "").lower() == "100-continue"
        if length > max_body:
            if not expects_continue and length <= _DISCARD_FACTOR * max_body:
                # Read the body out first: closing with unread data sends a RST that can make the
                # client lose the 413 answer.
                await _discard(reader, length)
            raise HttpError(413, "TYPE_ERROR", f"request body of {length} bytes exceeds the limit of {max_body}")
    if request.header("expect", "").lower() == "100-continue" and (length or transfer):
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    try:
        if transfer is not None:
            request.body = await _read_chunked(reader, max_body)
        elif length:
            request.body = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise HttpError(400, "TYPE_ERROR", "malformed chunked body") from None
    return request


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"


def encode_response(
    status: int,
    body: bytes,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    keep_alive: bool = True,
) -> bytes:
    """The whole response, head and body, as one bytes object (one write, one segment)."""
    lines = [
        f"HTTP/1.1 {status} {_reason(status)}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
    ]
    if headers:
        lines.extend(f"{name}: {value}" for name, value in headers.items())
    if not keep_alive:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

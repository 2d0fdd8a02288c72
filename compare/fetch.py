"""Fetch web articles safely: http(s) only, no private or loopback addresses unless allowed
(checked on the resolved address, again after every redirect), time-outs, a size cap, a
redirect limit and a content-type check. The page goes through trafilatura.

The connection is made to the very addresses that were checked (never to a second DNS
answer: a host that resolves to a public address for the check and to 127.0.0.1 for the
connection gets nowhere), and the whole fetch has a deadline, so a server that trickles its
answer a byte at a time cannot hold it open for ever. Proxy settings are not used: a proxy
would connect on our behalf to addresses that were never checked."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path

from .corpus import MAX_FILE_BYTES, article_files, article_from_html, article_to_markdown, check_outlet, read_article
from .tables import write_atomic
from .types import Article, CompareError, slugify

TIMEOUT = 15.0
"""Seconds any one network step (connect, each read) may take."""
DEADLINE_FACTOR = 4
"""The whole fetch (every redirect, the headers and the body) must end within this many
times ``timeout``."""
MAX_REDIRECTS = 5
MAX_ADDRESSES = 4
"""Addresses of one host tried in turn."""
ALLOWED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_REDIRECT_CODES = (301, 302, 303, 307, 308)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_USER_AGENT = "story-compare/0.1"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _refused_ip(ip: IPAddress) -> bool:
    """True for every address that is not plainly on the public internet: private, loopback,
    link-local (cloud metadata at 169.254.169.254), shared (100.64.0.0/10, where some clouds
    keep their metadata service), reserved, multicast, unspecified, and IPv6 forms that embed
    such an IPv4 address (::ffff:127.0.0.1, 6to4, NAT64)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(ip.packed[-4:])
        if embedded is not None and _refused_ip(embedded):
            return True
    return (not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
            or ip.is_multicast or ip.is_unspecified)


@dataclass(frozen=True)
class _Target:
    """One checked hop: where to connect and what to ask for."""

    scheme: str
    host: str
    """ASCII (IDNA) host name, for the Host header and TLS."""
    port: int
    path: str
    """Path and query, percent-encoded."""
    addresses: tuple[tuple[int, int, int, tuple], ...]
    """(family, type, proto, sockaddr) of every checked address: the only ones connected to."""


class PrivateAddressError(CompareError):
    """A URL refused because its host is on a private, loopback or local address. The message
    is the dashboard's (such addresses are fetched only from the command line); the command line
    words its own advice after ``refusal``."""

    def __init__(self, refusal: str) -> None:
        self.refusal = refusal
        """What was refused and why, without advice."""
        super().__init__(f"{refusal}; addresses on your own network are fetched only from the command line, "
                         "with story-compare fetch --allow-private")


def _check_address(url: str, allow_private: bool) -> _Target:
    """Parse ``url``, resolve its host and check every resolved address (``_refused_ip``)
    unless ``allow_private``. Raises CompareError naming the URL; nothing is connected to."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise CompareError(f"{url}: not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise CompareError(f"{url}: only http and https URLs can be fetched")
    host = parts.hostname
    if not host:
        raise CompareError(f"{url}: the URL has no host")
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        raise CompareError(f"{url}: invalid host name {host!r}") from None
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(ascii_host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CompareError(f"{url}: cannot resolve host {host!r} ({exc.strerror})") from None
    except (UnicodeError, ValueError, OSError) as exc:  # "a..b", a NUL in the name, ...
        raise CompareError(f"{url}: invalid host name {host!r} ({exc})") from None
    if not infos:
        raise CompareError(f"{url}: cannot resolve host {host!r}")
    if not allow_private:
        for info in infos:
            ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if _refused_ip(ip):
                raise PrivateAddressError(f"{url}: refused: {host} resolves to a private or local address ({ip})")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    path = urllib.parse.quote(path, safe="/%:@!$&'()*+,;=?~[]")
    addresses = tuple((f, t, p, sa) for f, t, p, _, sa in infos[:MAX_ADDRESSES])
    return _Target(scheme, ascii_host, port, path, addresses)


class _Watchdog:
    """Ends a fetch at its deadline: shuts the socket down under a blocked read."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                self._shutdown()

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            self._shutdown()

    def _shutdown(self) -> None:
        if self._sock is not None:
            try:  # the plain socket call, also for an SSLSocket: wakes any blocked read
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def _connection(target: _Target, timeout: float, watchdog: _Watchdog) -> http.client.HTTPConnection:
    """An HTTP(S) connection that can only reach ``target.addresses``."""
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        conn = http.client.HTTPSConnection(target.host, target.port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def create_connection(address, timeout=timeout, source_address=None):  # noqa: ANN001 - http.client's
        last: OSError | None = None
        for family, socktype, proto, sockaddr in target.addresses:
            sock = socket.socket(family, socktype, proto)
            try:
                sock.settimeout(timeout)
                watchdog.watch(sock)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        raise last or OSError("no address to connect to")

    conn._create_connection = create_connection  # type: ignore[attr-defined]
    return conn


def _size(n: float) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB" if n >= 1e4 else f"{n:.0f} bytes"


def fetch_html(url: str, allow_private: bool = False, timeout: float = TIMEOUT,
               max_bytes: int = MAX_FILE_BYTES) -> tuple[str, bytes]:
    """GET ``url`` following at most MAX_REDIRECTS redirects, each target checked before any
    connection is made. Returns (final_url, body). Every failure is a CompareError naming ``url``."""
    watchdog = _Watchdog(DEADLINE_FACTOR * timeout)
    try:
        return _fetch(url, allow_private, timeout, max_bytes, watchdog)
    finally:
        watchdog.cancel()


def _fetch(url: str, allow_private: bool, timeout: float, max_bytes: int,
           watchdog: _Watchdog) -> tuple[str, bytes]:
    current = url
    for hop in range(MAX_REDIRECTS + 1):
        try:
            target = _check_address(current, allow_private)
        except PrivateAddressError as exc:
            if hop:
                raise PrivateAddressError(f"{url}: redirect refused: {exc.refusal}") from None
            raise
        except CompareError as exc:
            if hop:
                raise CompareError(f"{url}: redirect refused: {exc}") from None
            raise
        conn = _connection(target, timeout, watchdog)
        try:
            conn.connect()
            watchdog.watch(conn.sock)  # the TLS socket, for https
            conn.request("GET", target.path, headers={
                "User-Agent": _USER_AGENT, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9",
                "Connection": "close"})
            resp = conn.getresponse()
            if resp.status in _REDIRECT_CODES:
                location = (resp.getheader("Location") or "").strip()
                if not location:
                    raise CompareError(f"{url}: HTTP {resp.status} redirect without a Location")
                current = urllib.parse.urljoin(current, location)
                continue
            if not 200 <= resp.status < 300:
                raise CompareError(f"{url}: HTTP {resp.status} {resp.reason}".rstrip())
            ctype = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
            if ctype and ctype not in ALLOWED_TYPES:
                raise CompareError(f"{url}: not a web page (content type {ctype})")
            length = (resp.getheader("Content-Length") or "").strip()
            if length.isdigit() and int(length) > max_bytes:
                raise CompareError(f"{url}: page too large ({_size(int(length))}; the limit is {_size(max_bytes)})")
            chunks: list[bytes] = []
            total = 0
            while chunk := resp.read1(65536):
                total += len(chunk)
                if total > max_bytes:
                    raise CompareError(f"{url}: page too large (over {_size(max_bytes)})")
                chunks.append(chunk)
            if watchdog.expired:
                raise TimeoutError("deadline")
            return current, b"".join(chunks)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if watchdog.expired:
                raise CompareError(
                    f"{url}: timed out (no complete answer within {watchdog.seconds:g} s)") from None
            if isinstance(exc, TimeoutError):
                raise CompareError(f"{url}: timed out (no answer within {timeout:g} s)") from None
            raise CompareError(f"{url}: cannot fetch ({_reason(exc)})") from None
        finally:
            conn.close()
    raise CompareError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, http.client.HTTPException):
        detail = str(exc).strip()[:80]
        return f"invalid HTTP response: {type(exc).__name__}" + (f" {detail!r}" if detail else "")
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def fetch_article(url: str, outlet: str = "", allow_private: bool = False) -> Article:
    """URL -> Article (outlet from ``outlet``, else the site's name, else the host)."""
    final, body = fetch_html(url, allow_private=allow_private)
    host = urllib.parse.urlsplit(final).hostname or "web"
    art = article_from_html(body, url, default_outlet=host, url=final)
    if outlet:
        art = replace(art, outlet=check_outlet(outlet, url))
    return art


def save_fetched(article: Article, folder: Path) -> Path:
    """Write a fetched article into a story folder as canonical Markdown (never overwriting).
    An outlet the folder already has is refused: the folder must stay loadable."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CompareError(f"{folder}: cannot create the folder ({exc.strerror or exc})") from None
    for existing in article_files(folder):
        try:
            other = read_article(existing)
        except CompareError:
            continue
        if other.outlet.casefold() == article.outlet.casefold():
            raise CompareError(
                f"{folder}: already has an article from '{article.outlet}' ({existing.name}); "
                "give this one another name with --outlet"
            )
    stem = slugify(article.outlet)
    path = folder / f"{stem}.md"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.md"
        n += 1
    return write_atomic(path, article_to_markdown(article))

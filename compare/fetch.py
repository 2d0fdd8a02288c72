"""Fetch web articles safely: http(s) only, no private or loopback addresses unless allowed
(checked on the resolved address, again after every redirect), time-outs, a size cap, a
redirect limit and a content-type check. The page goes through trafilatura."""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .corpus import MAX_FILE_BYTES, article_from_html, article_to_markdown, check_outlet
from .tables import write_atomic
from .types import Article, CompareError, slugify

TIMEOUT = 15.0
MAX_REDIRECTS = 5
ALLOWED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def _check_address(url: str, allow_private: bool) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise CompareError(f"{url}: only http and https URLs can be fetched")
    host = parts.hostname
    if not host:
        raise CompareError(f"{url}: the URL has no host")
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CompareError(f"{url}: cannot resolve host {host!r} ({exc.strerror})") from None
    if allow_private:
        return
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            raise CompareError(
                f"{url}: refused: {host} resolves to a private or local address ({ip}); "
                "pass --allow-private to fetch from your own network"
            )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        return None


def fetch_html(url: str, allow_private: bool = False, timeout: float = TIMEOUT,
               max_bytes: int = MAX_FILE_BYTES) -> tuple[str, bytes]:
    """GET ``url`` following at most MAX_REDIRECTS redirects, each target checked.
    Returns (final_url, body)."""
    opener = urllib.request.build_opener(_NoRedirect)
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        _check_address(current, allow_private)
        req = urllib.request.Request(current, headers={"User-Agent": "story-compare/0.1"})
        try:
            resp = opener.open(req, timeout=timeout)
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302, 303, 307, 308) and exc.headers.get("Location"):
                current = urllib.parse.urljoin(current, exc.headers["Location"])
                continue
            raise CompareError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CompareError(f"{url}: cannot fetch ({reason})") from None
        with resp:
            ctype = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype and ctype not in ALLOWED_TYPES:
                raise CompareError(f"{url}: not a web page (content type {ctype})")
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise CompareError(f"{url}: page too large ({int(length) / 1e6:.1f} MB)")
            try:
                body = resp.read(max_bytes + 1)
            except (TimeoutError, OSError) as exc:
                raise CompareError(f"{url}: cannot fetch ({exc})") from None
            if len(body) > max_bytes:
                raise CompareError(f"{url}: page too large (over {max_bytes / 1e6:.0f} MB)")
            return current, body
    raise CompareError(f"{url}: more than {MAX_REDIRECTS} redirects")


def fetch_article(url: str, outlet: str = "", allow_private: bool = False) -> Article:
    """URL -> Article (outlet from ``outlet``, else the site's name, else the host)."""
    final, body = fetch_html(url, allow_private=allow_private)
    host = urllib.parse.urlsplit(final).hostname or "web"
    art = article_from_html(body, url, default_outlet=host, url=final)
    if outlet:
        art = Article(**{**art.__dict__, "outlet": check_outlet(outlet, url)})
    return art


def save_fetched(article: Article, folder: Path) -> Path:
    """Write a fetched article into a story folder as canonical Markdown (never overwriting)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = slugify(article.outlet)
    path = folder / f"{stem}.md"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.md"
        n += 1
    return write_atomic(path, article_to_markdown(article))

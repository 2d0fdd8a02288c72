"""Story folders, files and pasted text -> Article, with validation that names the file and
the problem. Nothing here embeds or compares."""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .types import Article, CompareError, slugify

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".json")
MAX_FILE_BYTES = 5_000_000
"""Largest article file accepted (bytes). A news article is rarely over 100 kB."""
MAX_ARTICLE_CHARS = 1_000_000
"""Largest article body accepted (characters), whatever its source."""
MAX_OUTLETS = 100
"""Most articles in one story."""
FRONT_MATTER_FIELDS = ("outlet", "title", "published", "url", "language")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only


@dataclass(frozen=True)
class Story:
    """A named set of articles as loaded, before comparison."""

    name: str
    """Folder name, or a name given by the user."""
    articles: tuple[Article, ...]
    """The articles, in a stable order (sorted by file name for folders)."""
    folder: str = ""
    """The folder they came from, if any."""


def corpora_dir() -> Path:
    """The bundled corpora folder (``COMPARE_CORPORA`` overrides it)."""
    env = os.environ.get("COMPARE_CORPORA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "corpora"


def list_stories(root: Path | None = None) -> list[Path]:
    """Story folders under ``root`` (default: the bundled corpora), sorted by name."""
    root = root or corpora_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def story_title(folder: Path) -> str:
    """The ``title`` of a story folder's story.toml ("" when there is none or it is unreadable)."""
    import tomllib

    try:
        value = tomllib.loads((Path(folder) / "story.toml").read_text(encoding="utf-8")).get("title", "")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ""
    return value if isinstance(value, str) else ""


def article_files(folder: Path) -> list[Path]:
    """The article files of a story folder, sorted by name (gold/story files and hidden files skipped)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in ARTICLE_SUFFIXES
        and not p.name.startswith((".", "_"))
        and not p.name.lower().startswith("readme")
    )


def pile_files(root: Path) -> list[Path]:
    """The article files of a pile: every file with an article suffix in ``root`` and in its
    sub-folders, recursively, sorted by path. Names starting with ``.`` or ``_`` (files and
    folders), ``README*`` files and symbolic links to folders are skipped, as in a story folder."""
    root = Path(root)
    if not root.is_dir():
        raise CompareError(f"{root}: no such folder")
    out: list[Path] = []
    for here, dirs, files in os.walk(root, onerror=_raise_walk_error):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in files:
            p = Path(here) / name
            if (p.suffix.lower() in ARTICLE_SUFFIXES and not name.startswith((".", "_"))
                    and not name.lower().startswith("readme")):
                out.append(p)
    return sorted(out, key=lambda p: p.relative_to(root).parts)


def _raise_walk_error(exc: OSError) -> None:
    raise CompareError(f"{exc.filename}: cannot read the folder ({exc.strerror or exc})")


def read_bytes_checked(path: Path) -> bytes:
    """Read a file, refusing what cannot be an article: missing, huge, empty or binary.

    The size is checked before reading, and the read itself is bounded, so a huge file, a file
    growing meanwhile, or a device/FIFO named like an article (``x.txt -> /dev/zero``) is refused
    instead of being read into memory or blocking forever."""
    try:
        st = path.stat()
    except OSError as exc:
        raise CompareError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise CompareError(f"{path}: not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise CompareError(_too_large(path, st.st_size))
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise CompareError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise CompareError(_too_large(path, len(data)))
    if not data.strip():
        raise CompareError(f"{path}: empty file")
    return data


def _too_large(path: Path, size: int) -> str:
    return f"{path}: file too large ({size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB)"


def decode_text(data: bytes, source: str) -> str:
    """Bytes -> str. UTF-8 (with or without BOM) and UTF-16 with BOM are accepted; anything
    else is refused with the offset of the first bad byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise CompareError(f"{source}: invalid UTF-16 text") from None
    else:
        if b"\x00" in data[:8192]:
            raise CompareError(f"{source}: binary file (contains NUL bytes), not text")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CompareError(
                f"{source}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "re-save the file as UTF-8"
            ) from None
    if "\x00" in text:
        raise CompareError(f"{source}: binary file (contains NUL characters), not text")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 0.05 * min(len(text), 8192):
        raise CompareError(f"{source}: binary file (mostly control characters), not text")
    return normalise_newlines(text)


def normalise_newlines(text: str) -> str:
    """CRLF and CR -> LF; sentence offsets always refer to this form."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_front_matter(text: str, source: str) -> tuple[dict[str, str], str]:
    """Split ``---`` front matter from the body. Returns (fields, body).

    Only ``key: value`` lines are allowed; a missing closing line, a line without a colon or a
    bad ``published`` date is refused, naming the line and field."""
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    if lines[0].strip() != "---":
        raise CompareError(f"{source}: front matter must start with a line of exactly '---'")
    close = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() in ("---", "...")), None)
    if close is None:
        raise CompareError(f"{source}: front matter has no closing '---' line")
    fields: dict[str, str] = {}
    for number, line in enumerate(lines[1:close], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or not re.fullmatch(r"[a-z_][a-z0-9_-]*", key):
            raise CompareError(
                f"{source}: front matter line {number} is not 'key: value': {line.strip()[:60]!r}"
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if key in fields:
            raise CompareError(f"{source}: front matter field '{key}' is given twice")
        fields[key] = value
    return _check_fields(fields, source), "\n".join(lines[close + 1 :])


def _check_fields(fields: dict[str, str], source: str) -> dict[str, str]:
    published = fields.get("published", "")
    if published:
        if not _DATE.match(published):
            raise CompareError(f"{source}: front matter field 'published' is not a date (YYYY-MM-DD): {published!r}")
        try:
            _dt.date.fromisoformat(published[:10])
        except ValueError:
            raise CompareError(f"{source}: front matter field 'published' is not a real date: {published!r}") from None
    if "outlet" in fields and not fields["outlet"].strip():
        raise CompareError(f"{source}: front matter field 'outlet' is empty")
    return fields


def check_outlet(outlet: str, source: str) -> str:
    """An outlet name must be printable and reasonably short."""
    outlet = " ".join(outlet.split())
    if not outlet:
        raise CompareError(f"{source}: the outlet name is empty")
    if len(outlet) > 100:
        raise CompareError(f"{source}: the outlet name is longer than 100 characters")
    if any(ord(ch) < 32 for ch in outlet):
        raise CompareError(f"{source}: the outlet name contains control characters")
    return outlet


def make_article(text: str, outlet: str, source: str, /, **meta: str) -> Article:
    """Validate a body and its outlet name and build the Article.

    ``text``, ``outlet`` and ``source`` are positional-only, so metadata from a file (front
    matter may hold any key, even ``text`` or ``source``) can never collide with them; keys
    other than the front-matter fields are ignored."""
    text = normalise_newlines(text).strip("\n")
    if not text.strip():
        raise CompareError(f"{source}: no article text")
    if "\x00" in text:
        raise CompareError(f"{source}: the article text contains NUL characters")
    _check_encodable(text, source, "the article text")
    _check_encodable(outlet, source, "the outlet name")
    if len(text) > MAX_ARTICLE_CHARS:
        raise CompareError(
            f"{source}: article too long ({len(text):,} characters; the limit is {MAX_ARTICLE_CHARS:,})"
        )
    known = {k: str(v) for k, v in meta.items() if k in FRONT_MATTER_FIELDS[1:] and v}
    for key, value in known.items():
        _check_encodable(value, source, f"the field '{key}'")
    return Article(outlet=check_outlet(outlet, source), text=text, source=source, **known)


def _check_encodable(value: str, source: str, what: str) -> None:
    """Refuse lone surrogates (possible through JSON escapes such as ``"\\ud800"``): such a
    string cannot be written as UTF-8, so it could be neither saved nor exported."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CompareError(
            f"{source}: {what} contains an invalid character (U+{ord(value[exc.start]):04X} at {exc.start})"
        ) from None


def read_article(path: Path | str) -> Article:
    """One file -> Article, by suffix. Raises CompareError naming the file."""
    path = Path(path)
    _check_suffix(path.name, str(path))
    return article_from_bytes(read_bytes_checked(path), path.name, source=str(path))


def _check_suffix(name: str, source: str = "") -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        raise CompareError(f"{source or name}: unsupported file type '{suffix or '(none)'}' (use {', '.join(ARTICLE_SUFFIXES)})")
    return suffix


def article_from_bytes(data: bytes, name: str, source: str = "") -> Article:
    """The contents of a file called ``name`` (read from disk or uploaded) -> Article, by
    suffix. Messages name ``source`` (default: ``name``). See ``read_input``."""
    return read_input(data, name, source=source).article


@dataclass(frozen=True)
class Reading:
    """An article as read from a file, an upload, pasted text or stdin, and how it was read."""

    article: Article
    """The article."""
    form: str
    """How the input was read: "html", "markdown", "json" or "text"."""
    fields: tuple[str, ...] = ()
    """The metadata fields the input itself gave (front matter, JSON, the page's metadata)."""

    @property
    def note(self) -> str:
        """What was detected, for the user: "read as HTML: outlet, title", "front matter: outlet,
        title", "read as JSON: outlet, text", "plain text"."""
        found = ", ".join(self.fields)
        if self.form == "html":
            return "read as HTML (the article text extracted by trafilatura)" + (f": {found}" if found else "")
        if self.form == "markdown":
            return f"front matter: {found}" if found else "Markdown without front matter"
        if self.form == "json":
            return f"read as JSON: {found}"
        return "plain text"


_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body|meta|article)\b", re.I)
_HTML_CLOSE = re.compile(r"</(?:html|body|head|p|div|article|section|h[1-6]|span|main)\s*>", re.I)


def sniff_form(text: str) -> str:
    """The form of text that comes without a file name (pasted, stdin): "html" for a web page,
    "markdown" for front matter, "json" for an article object, else "text"."""
    head = text.lstrip("\ufeff \t\r\n")
    at = 0
    while head.startswith("<!--", at):  # a saved page may open with comments
        end = head.find("-->", at + 4)
        at = len(head) if end < 0 else end + 3
        while at < len(head) and head[at].isspace():
            at += 1
    if _HTML_START.match(head, at) or (head.startswith("<") and _HTML_CLOSE.search(head)):
        return "html"
    if text.lstrip("\ufeff").startswith("---"):
        return "markdown"
    if head.startswith("{") and head.rstrip().endswith("}"):
        try:
            obj = json.loads(head)
        except (ValueError, RecursionError):
            return "text"
        if isinstance(obj, dict) and "text" in obj:
            return "json"
    return "text"


_FORMS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".json": "json", ".txt": "text"}


def read_input(data: bytes | str, name: str = "", source: str = "", outlet: str = "",
               default_outlet: str = "") -> Reading:
    """The one reader of an article given as a file's contents, an upload, pasted text or stdin.

    With a ``name`` (a file or an upload) the form comes from its suffix, as always: ``.html``
    through trafilatura, ``.md`` with its front matter, ``.json``, ``.txt`` as plain text.
    Without one (pasted text, stdin) it is recognised from the text itself (``sniff_form``), so
    a pasted web page or Markdown file is read exactly as the same file would be. ``outlet``,
    when given, overrides the outlet the input names; the outlet is otherwise the input's own
    (front matter, JSON, the page's site name), else ``default_outlet``, else the file name's
    stem. Raises CompareError naming ``source`` (default: ``name``, else "pasted text")."""
    source = source or name or "pasted text"
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise CompareError(_too_large(Path(source), size))
    if not data.strip():
        raise CompareError(f"{source}: empty {'file' if name else 'text'}")
    default_outlet = default_outlet or (Path(name).stem if name else "")
    if name:
        form = _FORMS[_check_suffix(name, source)]
    else:
        data = data if isinstance(data, str) else decode_text(data, source)
        form = sniff_form(data)
    if form == "html":
        text, meta = _read_html(data, source)
        found = tuple(k for k in ("outlet", "title", "published", "url") if meta.get(k))
        return Reading(_build(text, outlet, meta, default_outlet, source), form, found)
    text = decode_text(data, source) if isinstance(data, bytes) else normalise_newlines(data)
    if form == "json":
        meta = _json_fields(text, source)
        found = tuple(k for k in FRONT_MATTER_FIELDS if meta.get(k))
        return Reading(_build(meta.pop("text"), outlet, meta, default_outlet, source), form, found)
    if form == "markdown":
        fields, body = parse_front_matter(text, source)
        found = tuple(k for k in FRONT_MATTER_FIELDS if fields.get(k))
        return Reading(_build(body, outlet, fields, default_outlet, source), form, found)
    return Reading(_build(text, outlet, {}, default_outlet, source), form)


def _build(text: str, outlet: str, meta: dict[str, str], default_outlet: str, source: str) -> Article:
    """make_article with the outlet chosen: the one given, else the input's, else the default."""
    meta = dict(meta)
    chosen = outlet.strip() or meta.pop("outlet", "").strip() or default_outlet
    meta.pop("outlet", None)
    if not chosen.strip():
        raise CompareError(f"{source}: the outlet name is empty (type one, or give it in the front matter)")
    return make_article(text, chosen, source, **meta)


def article_from_json(text: str, source: str) -> Article:
    """A JSON object with ``outlet`` and ``text`` (and optional metadata) -> Article."""
    meta = _json_fields(text, source)
    return make_article(meta.pop("text"), meta.pop("outlet"), source, **meta)


def _json_fields(text: str, source: str) -> dict[str, str]:
    """A JSON article's ``outlet``, ``text`` and the metadata fields it gives, checked."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CompareError(f"{source}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise CompareError(f"{source}: invalid JSON (nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise CompareError(f"{source}: invalid JSON ({str(exc).split(':')[0]})") from None
    if not isinstance(obj, dict):
        raise CompareError(f"{source}: JSON must be an object with 'outlet' and 'text'")
    for key in ("outlet", "text"):
        if not isinstance(obj.get(key), str) or not obj[key].strip():
            raise CompareError(f"{source}: JSON field '{key}' is missing or not a non-empty string")
    meta = {k: obj[k] for k in FRONT_MATTER_FIELDS[1:] if isinstance(obj.get(k), str)}
    _check_fields(dict(meta), source)
    return {"outlet": obj["outlet"], "text": obj["text"], **meta}


def article_from_html(data: bytes | str, source: str, default_outlet: str = "", url: str = "") -> Article:
    """HTML -> Article through trafilatura (boilerplate, scripts and styles removed)."""
    text, meta = _read_html(data, source, url)
    return _build(text, "", meta, default_outlet or "unknown outlet", source)


def _read_html(data: bytes | str, source: str, url: str = "") -> tuple[str, dict[str, str]]:
    """A page's article text (trafilatura) and the metadata it gives: outlet (site name),
    title, published, url (``url`` wins over the page's own)."""
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - trafilatura is a core dependency
        raise CompareError("reading HTML needs trafilatura: pip install trafilatura") from None
    html = data if isinstance(data, str) else _decode_html(data, source)
    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not text or not text.strip():
        raise CompareError(f"{source}: no article text found in the HTML")
    meta = trafilatura.extract_metadata(html)
    fields: dict[str, str] = {"url": url}
    if meta is not None:
        fields = {
            "outlet": (meta.sitename or "").strip(),
            "title": meta.title or "",
            "published": (meta.date or "")[:10],
            "url": url or meta.url or "",
        }
    if fields.get("published") and not _DATE.match(fields["published"]):
        fields["published"] = ""
    return text, {k: v for k, v in fields.items() if v}


def _decode_html(data: bytes, source: str) -> str:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CompareError(f"{source}: binary file (contains NUL bytes), not HTML")
    try:
        return decode_text(data, source)
    except CompareError:
        # Web pages often declare another charset; trafilatura's own detection handles those.
        import trafilatura.utils

        text = trafilatura.utils.decode_file(data)
        if not isinstance(text, str):  # pragma: no cover - defensive
            raise CompareError(f"{source}: cannot decode the HTML") from None
        return text


def load_story(paths: Sequence[Path | str], name: str = "", stdin_text: str | None = None,
               stdin_outlet: str = "", skip_bad: bool = False,
               warn: Callable[[str], object] | None = None, note: Callable[[str], object] | None = None) -> Story:
    """Folders, files and (optionally) stdin text -> a validated Story.

    A folder contributes every article file in it. With ``skip_bad`` a file that cannot be read
    is reported through ``warn`` and left out; otherwise it stops the load. Stdin text is read
    as pasted text is (``read_input``: a web page, front matter, JSON or plain text), its outlet
    ``stdin_outlet`` if given, else its own, else "stdin"; ``note`` hears how it was read. At
    least two articles with distinct outlet names are required."""
    articles: list[Article] = []
    folder = ""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            try:
                found = article_files(p)
            except OSError as exc:
                raise CompareError(f"{p}: cannot read the folder ({exc.strerror or exc})") from None
            if not found:
                raise CompareError(f"{p}: no article files ({', '.join(ARTICLE_SUFFIXES)}) in this folder")
            files.extend(found)
            folder = folder or str(p)
            name = name or p.resolve().name
        elif p.exists():
            files.append(p)
        else:
            raise CompareError(f"{p}: no such file or folder")
    for f in files:
        try:
            articles.append(read_article(f))
        except CompareError as exc:
            if not skip_bad:
                raise
            if warn:
                warn(f"skipped {exc}")
    if stdin_text is not None:
        reading = read_input(stdin_text, source="<stdin>", outlet=stdin_outlet, default_outlet="stdin")
        if note:
            note(f"<stdin>: {reading.note} (outlet: {reading.article.outlet})")
        articles.append(reading.article)
    return Story(name=name or "story", articles=tuple(check_story(articles, folder or "the input")), folder=folder)


def check_story(articles: Iterable[Article], where: str) -> list[Article]:
    """At least two articles, at most MAX_OUTLETS, no outlet named twice."""
    articles = list(articles)
    seen: dict[str, Article] = {}
    for a in articles:
        key = a.outlet.casefold()
        if key in seen:
            raise CompareError(
                f"{a.source}: outlet '{a.outlet}' is also claimed by {seen[key].source}; "
                "give each article its own outlet name"
            )
        seen[key] = a
    if len(articles) < 2:
        only = f" (only {articles[0].source})" if articles else ""
        raise CompareError(f"{where}: a comparison needs at least 2 articles, found {len(articles)}{only}")
    if len(articles) > MAX_OUTLETS:
        raise CompareError(f"{where}: {len(articles)} articles; the limit is {MAX_OUTLETS} outlets per story")
    return articles


def article_to_markdown(article: Article) -> str:
    """Article -> the canonical Markdown-with-front-matter form (round-trips through read_article)."""
    lines = ["---", f"outlet: {_fm_value(article.outlet)}"]
    for key in FRONT_MATTER_FIELDS[1:]:
        value = getattr(article, key)
        if value:
            lines.append(f"{key}: {_fm_value(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n" + article.text.rstrip("\n") + "\n"


def _fm_value(value: str) -> str:
    value = " ".join(value.split())
    return f'"{value}"' if value[:1] in "\"'" or value[-1:] in "\"'" else value


def save_story(articles: Sequence[Article], root: Path, name: str, overwrite: bool = False) -> Path:
    """Write a story folder ``root/<slug(name)>`` atomically: built in a temporary folder beside
    it, then swapped in, so a failed save leaves any previous folder intact. Names cannot escape
    ``root``: both story and outlet names are slugified."""
    check_story(articles, name or "story")
    # Refuse, before touching the disk, what could not be loaded back: an outlet name too long
    # or with control characters, a NUL in the text, a 'published' that is not a date, two
    # outlets that only differ in white space (" A " and "A" both reload as "A"), ...
    pages: list[tuple[str, str]] = []
    reloaded: list[Article] = []
    used: set[str] = set()
    for a in articles:
        stem = a.article_id
        while stem in used:
            stem += "-2"
        used.add(stem)
        where = a.source or f"outlet {a.outlet!r}"
        check_outlet(a.outlet, where)
        try:
            markdown = article_to_markdown(a)
            data = markdown.encode("utf-8")
        except UnicodeEncodeError:
            raise CompareError(f"{where}: contains characters that cannot be saved as UTF-8") from None
        reloaded.append(article_from_bytes(data, f"{stem}.md", source=where))
        pages.append((f"{stem}.md", markdown))
    check_story(reloaded, name or "story")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    target = root / slugify(name)
    old = root / f".{target.name}.old"
    if not target.exists() and old.is_dir():
        # A save interrupted between its two renames (power cut, kill -9) left the previous
        # story only as the hidden .old folder: put it back before anything else.
        os.replace(old, target)
    if target.exists() and not overwrite:
        raise CompareError(f"{target}: a story with this name exists already")
    tmp = _make_temp_dir(root, prefix=f".{target.name}-")
    try:
        for file_name, markdown in pages:
            (tmp / file_name).write_text(markdown, encoding="utf-8")
        swap_folder(tmp, target, old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def swap_folder(tmp: Path, target: Path, old: Path) -> None:
    """Put the finished folder ``tmp`` in place of ``target`` by renames only: the previous
    ``target`` waits as ``old`` and is put back if the second rename fails."""
    if not target.exists():
        os.replace(tmp, target)
        return
    shutil.rmtree(old, ignore_errors=True)
    os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old, target)  # put the previous folder back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _make_temp_dir(root: Path, prefix: str) -> Path:
    """A new empty folder in ``root`` with the usual permissions (0o777 less the umask).

    ``tempfile.mkdtemp`` would create it 0o700, and the story folder it becomes would then be
    unreadable to anyone but its owner."""
    for _ in range(100):
        tmp = root / f"{prefix}{secrets.token_hex(4)}"
        try:
            tmp.mkdir(mode=0o777)
        except FileExistsError:
            continue
        return tmp
    raise CompareError(f"{root}: cannot create a temporary folder")  # pragma: no cover

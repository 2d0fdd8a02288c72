"""The command line: help, list, one-line errors on bad input, a real run on the seed story,
stdin, and the embedding cache (reused across runs, rebuilt when corrupt).

CLI runs go through ``python -m compare`` in a subprocess, with ``COMPARE_CACHE_DIR`` pointing to
the session's cache folder (the ``cache_dir`` fixture of conftest), so a story is embedded once
per session. Only two runs load the model: the first run of the seed story and the corrupt-cache
run; the others read every vector from the cache."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compare.cli import main
from compare.corpus import article_files
from compare.embed import DEFAULT_MODEL, CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
from compare.tables import DIVERGENCE_COLUMNS, SUMMARY_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"
SEED = "drone-deal-2025-07"
SUBCOMMANDS = ("list", "run", "eval", "fetch")
HEAVY = ("torch", "sentence_transformers", "transformers", "faiss")
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"


@pytest.fixture(scope="session")
def cli_env(cache_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("STORY_COMPARE_DEBUG", "COMPARE_MODEL", "COMPARE_CORPORA", "PYTHONPATH"):
        env.pop(var, None)
    env.update(COMPARE_CACHE_DIR=str(cache_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PYTHONIOENCODING="utf-8")
    return env


def run_cli(env: dict[str, str], *args: str, stdin: str | bytes = b"", extra_env: dict[str, str] | None = None,
            python_flags: tuple[str, ...] = (), timeout: float = 300) -> subprocess.CompletedProcess[str]:
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, *python_flags, "-m", "compare", *args],
        input=data, capture_output=True, cwd=ROOT, env={**env, **(extra_env or {})}, timeout=timeout,
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                                       proc.stderr.decode("utf-8", "replace"))


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr


# --- help, version, list --------------------------------------------------------------------


def test_python_m_compare_help_does_not_import_torch(cli_env):
    proc = run_cli(cli_env, "--help", python_flags=("-X", "importtime"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: story-compare")
    for sub in SUBCOMMANDS:
        assert sub in proc.stdout
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0]
                for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "compare" in imported  # the import log is really there
    assert not imported & set(HEAVY), imported & set(HEAVY)


@pytest.mark.parametrize("argv", [["--help"], ["list"]])
def test_help_and_list_in_process_import_nothing_heavy(cli_env, argv):
    code = (
        "import sys\n"
        "from compare.cli import main\n"
        "try:\n"
        f"    rc = main({argv!r})\n"
        "except SystemExit as e:\n"
        "    rc = e.code\n"
        "assert rc == 0, rc\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "print('CLEAN')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=cli_env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith("CLEAN")


@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_subcommand_help(sub, capsys):
    with pytest.raises(SystemExit) as info:
        main([sub, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: story-compare {sub}")
    assert "-h, --help" in out


def test_main_help_in_process(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: story-compare")
    assert all(sub in out for sub in SUBCOMMANDS)


def test_subcommand_help_through_python_m(cli_env):
    proc = run_cli(cli_env, "run", "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: story-compare run")
    assert "--csv" in proc.stdout and "--json" in proc.stdout


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("story-compare ")


def test_list_prints_the_bundled_stories(capsys, monkeypatch):
    monkeypatch.delenv("COMPARE_CORPORA", raising=False)
    expected = sorted(p.name for p in CORPORA.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    assert len(expected) >= 10  # the five gold stories and the clustering pile's near-topic stories
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["story", "outlets", "gold"]
    rows = [line.split() for line in lines[1:]]
    assert [r[0] for r in rows] == expected
    for r in rows:
        assert int(r[1]) == len(article_files(CORPORA / r[0]))
        assert r[2] == ("yes" if (CORPORA / r[0] / "gold.toml").exists() else "-")
    assert sum(r[2] == "yes" for r in rows) >= 5


def test_list_empty_corpus_folder(tmp_path, capsys):
    assert main(["list", "--corpora", str(tmp_path)]) == 1
    assert "no stories" in capsys.readouterr().err


# --- bad input: exit 2, one line, no traceback --------------------------------------------


def _ok(tmp: Path) -> Path:
    path = tmp / "ok.txt"
    path.write_text("A good article. It has two sentences.\n", encoding="utf-8")
    return path


def case_empty(tmp):
    bad = tmp / "empty.md"
    bad.write_bytes(b"")
    return [bad, _ok(tmp)], [bad], "empty"


def case_binary(tmp):
    bad = tmp / "picture.md"
    bad.write_bytes(PNG_HEADER)
    return [bad, _ok(tmp)], [bad], "binary"


def case_one_article(tmp):
    folder = tmp / "lonely"
    folder.mkdir()
    (folder / "a.md").write_text("---\noutlet: Alone\n---\nJust one.\n", encoding="utf-8")
    return [folder], [folder], "at least 2"


def case_duplicate_outlets(tmp):
    folder = tmp / "dups"
    folder.mkdir()
    a, b = folder / "a.md", folder / "b.md"
    a.write_text("---\noutlet: Same Outlet\n---\nOne.\n", encoding="utf-8")
    b.write_text("---\noutlet: same outlet\n---\nTwo.\n", encoding="utf-8")
    return [folder], [a, b], "outlet"


def case_invalid_utf8(tmp):
    bad = tmp / "latin.txt"
    bad.write_bytes(b"caf\xe9 au lait. Deux phrases.")
    return [bad, _ok(tmp)], [bad], "UTF-8"


def case_malformed_front_matter(tmp):
    bad = tmp / "fm.md"
    bad.write_text("---\noutlet Missing Colon\n---\nBody.\n", encoding="utf-8")
    return [bad, _ok(tmp)], [bad], "front matter"


def case_unclosed_front_matter(tmp):
    bad = tmp / "open.md"
    bad.write_text("---\noutlet: Wire\nThe body follows at once.\n", encoding="utf-8")
    return [bad, _ok(tmp)], [bad], "closing"


def case_bad_date(tmp):
    bad = tmp / "date.md"
    bad.write_text("---\noutlet: Wire\npublished: 2025-13-45\n---\nBody.\n", encoding="utf-8")
    return [bad, _ok(tmp)], [bad], "published"


def case_nonexistent(tmp):
    bad = tmp / "missing.md"
    return [_ok(tmp), bad], [bad], "no such file"


def case_unknown_story_name(tmp):
    return ["no-such-story-anywhere", _ok(tmp)], ["no-such-story-anywhere"], "no such file"


def case_unsupported(tmp):
    bad = tmp / "report.pdf"
    bad.write_bytes(b"%PDF-1.7")
    return [bad, _ok(tmp)], [bad], "unsupported"


def case_too_large(tmp):
    bad = tmp / "huge.txt"
    with bad.open("wb") as fh:
        fh.truncate(50_000_001)
    return [bad, _ok(tmp)], [bad], "too large"


BAD_INPUTS = [case_empty, case_binary, case_one_article, case_duplicate_outlets, case_invalid_utf8,
              case_malformed_front_matter, case_unclosed_front_matter, case_bad_date, case_nonexistent,
              case_unknown_story_name, case_unsupported, case_too_large]


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    no_traceback(proc)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("story-compare: error:"), lines[0]
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), (fragment, lines[0])
    return lines[0]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda c: c.__name__[5:])
def test_bad_input_is_one_line_error(case, tmp_path, cli_env):
    args, named, fragment = case(tmp_path)
    proc = run_cli(cli_env, "run", *map(str, args), "--csv", str(tmp_path / "out.csv"))
    assert_one_line_error(proc, fragment, *map(str, named))
    assert proc.stdout == ""
    assert not (tmp_path / "out.csv").exists()


def test_empty_stdin_is_one_line_error(tmp_path, cli_env):
    proc = run_cli(cli_env, "run", str(_ok(tmp_path)), "-", stdin=b"  \n")
    assert_one_line_error(proc, "<stdin>", "empty")


def test_binary_stdin_is_one_line_error(tmp_path, cli_env):
    proc = run_cli(cli_env, "run", str(_ok(tmp_path)), "-", stdin=PNG_HEADER)
    assert_one_line_error(proc, "<stdin>", "binary")


@pytest.mark.parametrize("option", ["--support", "--margin", "--conflict"])
def test_out_of_range_threshold_is_one_line_error(option, tmp_path, cli_env):
    proc = run_cli(cli_env, "run", SEED, option, "1.5")
    assert_one_line_error(proc, option)


# --- a real run on the seed story -----------------------------------------------------------


@pytest.fixture(scope="session")
def seed_run(cli_env, tmp_path_factory):
    """One real run of the seed story (the only one that embeds it): CSV, JSON and summary."""
    out = tmp_path_factory.mktemp("seed-run")
    proc = run_cli(cli_env, "run", SEED, "--csv", str(out / "table.csv"), "--json", str(out / "table.json"),
                   "--summary-csv", str(out / "summary.csv"))
    return proc, out


def test_seed_run_succeeds(seed_run):
    proc, out = seed_run
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert f"story: {SEED}" in proc.stdout
    for name in ("table.csv", "table.json", "summary.csv"):
        assert f"{out / name}" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == ["summary.csv", "table.csv", "table.json"]


def test_seed_run_lists_the_invented_claims_before_the_cut(seed_run):
    """The terminal shows an outlet's first flagged claims: the seed's invented ones (the
    whistleblower, the embezzlement sources, the re-election campaign) must be among them, not
    in "... and N more"; those on unnamed sources lead."""
    proc, _ = seed_run
    block = proc.stdout[proc.stdout.index("\nseed-article:"):]
    block = block[: block.index("\n\n")] if "\n\n" in block else block
    lines = [line for line in block.splitlines()[1:] if line.startswith("  [")]
    for phrase in ("whistleblower", "Sources close to the White House", "For Trump, the agreement"):  # re-election
        assert any(phrase in line for line in lines), phrase
    sourced = ["<- unnamed source:" in line for line in lines]
    assert sourced == sorted(sourced, reverse=True) and sum(sourced) >= 5


def test_seed_run_csv_has_the_documented_columns(seed_run):
    _, out = seed_run
    with (out / "table.csv").open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert tuple(header) == DIVERGENCE_COLUMNS
    summary = pd.read_csv(out / "summary.csv")
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) == 5


def seed_rows(df: pd.DataFrame, span: str) -> pd.DataFrame:
    rows = df[(df["outlet"] == "seed-article") & df["sentence"].str.contains(span, regex=False)]
    assert len(rows) == 1, (span, rows)
    return rows


def test_seed_run_unique_and_shared_claims(seed_run):
    _, out = seed_run
    df = pd.read_csv(out / "table.csv", keep_default_na=False)
    assert set(df["outlet"]) == {"seed-article", "Meridian Wire", "Kyiv Ledger", "Ukraine Public Radio",
                                 "Capitol Courier"}
    assert set(df["status"]) <= {"shared", "partial", "unique", "conflicting"}
    invented = seed_rows(df, "exclusive access to internal White House communications")
    assert invented["status"].tolist() == ["unique"]
    assert invented["supporting_outlets"].tolist() == [""]
    carried = seed_rows(df, "purchase a large batch of Ukrainian drones")
    assert carried["status"].tolist()[0] != "unique"
    assert carried["support"].tolist()[0] >= 1


def test_seed_run_json_matches_csv(seed_run):
    _, out = seed_run
    records = json.loads((out / "table.json").read_text(encoding="utf-8"))
    df = pd.read_csv(out / "table.csv", keep_default_na=False)
    assert len(records) == len(df)
    assert [r["status"] for r in records] == df["status"].tolist()
    assert [(r["outlet"], r["sentence_id"]) for r in records] == list(zip(df["outlet"], df["sentence_id"], strict=True))
    assert all(list(r) == list(DIVERGENCE_COLUMNS) for r in records)


def _poisoned(tmp: Path) -> Path:
    """A folder that, first on PYTHONPATH, makes importing torch or sentence-transformers fail."""
    for name in ("torch", "sentence_transformers"):
        (tmp / name).mkdir(parents=True)
        (tmp / name / "__init__.py").write_text(f"raise ImportError('{name} must not be imported on a cached run')\n")
    return tmp


def test_second_run_reads_the_cache_without_loading_the_model(seed_run, cli_env, tmp_path):
    _, out = seed_run
    proc = run_cli(cli_env, "run", SEED, "--csv", str(tmp_path / "again.csv"), "-q",
                   extra_env={"PYTHONPATH": str(_poisoned(tmp_path / "poison"))})
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "Loading weights" not in proc.stderr
    assert proc.stdout == ""  # -q
    assert (tmp_path / "again.csv").read_bytes() == (out / "table.csv").read_bytes()


def test_poison_really_blocks_the_model(cli_env, tmp_path):
    """The check above is meaningful: an uncached run with the same poison cannot succeed."""
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(f"Fresh text {uuid.uuid4()} never embedded. Another sentence.\n", encoding="utf-8")
    b.write_text(f"Other fresh text {uuid.uuid4()}. And more.\n", encoding="utf-8")
    proc = run_cli(cli_env, "run", str(a), str(b), "-q", extra_env={"PYTHONPATH": str(_poisoned(tmp_path / "p"))})
    no_traceback(proc)
    assert proc.returncode == 2
    assert "sentence-transformers" in proc.stderr


def test_output_path_that_is_a_folder_is_one_line_error(seed_run, cli_env, tmp_path):
    (tmp_path / "out.csv").mkdir()
    proc = run_cli(cli_env, "run", SEED, "-q", "--csv", str(tmp_path / "out.csv"))
    assert_one_line_error(proc, str(tmp_path / "out.csv"))


def test_stdin_article(seed_run, cli_env, tmp_path):
    ledger = (CORPORA / SEED / "kyiv-ledger.md").read_text(encoding="utf-8")
    body = ledger.split("\n---\n", 1)[1]  # the article without its front matter
    proc = run_cli(cli_env, "run", f"corpora/{SEED}/meridian-wire.md", "-", "--stdin-outlet", "Piped Ledger",
                   "--csv", str(tmp_path / "out.csv"), stdin=body)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "Piped Ledger" in proc.stdout
    df = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert df["outlet"].drop_duplicates().tolist() == ["Meridian Wire", "Piped Ledger"]
    piped = df[df["outlet"] == "Piped Ledger"]
    assert "Ukraine and the United States are preparing" in piped["sentence"].iloc[0]
    # The piped article took part in the comparison: Meridian's claims are carried by it.
    assert (df.loc[df["outlet"] == "Meridian Wire", "supporting_outlets"] == "Piped Ledger").any()


# --- the embedding cache ---------------------------------------------------------------------


def test_real_encoder_second_encode_uses_the_cache(encoder, cache_dir):
    texts = [f"Cache check {uuid.uuid4().hex}: Ukraine plans a drone deal.", f"Second line {uuid.uuid4().hex}."]
    before = encoder.encoded
    first = encoder.encode(texts)
    assert encoder.encoded - before == 2
    assert first.shape[0] == 2 and first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)

    base = SentenceTransformerEncoder()
    again = CachedEncoder(base, EmbeddingCache(DEFAULT_MODEL, cache_dir))  # a fresh process would do this
    second = again.encode(texts)
    assert again.encoded == 0
    assert base._model is None  # never loaded
    np.testing.assert_array_equal(first, second)


class FakeEncoder:
    """Deterministic 8-d vectors: no model needed to test the cache itself."""

    name = "fake-encoder-for-tests"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts, progress=None):
        self.calls += 1
        rows = []
        for t in texts:
            v = np.frombuffer(t.encode("utf-8").ljust(8, b"x")[:8], dtype=np.uint8).astype(np.float32) + 1
            rows.append(v / np.linalg.norm(v))
        return np.vstack(rows)


def test_corrupt_cache_file_is_rebuilt_with_a_warning(tmp_path, capsys):
    cache = EmbeddingCache(FakeEncoder.name, tmp_path)
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_bytes(b"this is not an SQLite database\x00\xff" * 100)
    enc = CachedEncoder(FakeEncoder(), cache)
    vecs = enc.encode(["alpha", "beta"])
    assert vecs.shape == (2, 8) and enc.encoded == 2
    err = capsys.readouterr().err
    assert "warning" in err and str(cache.path) in err and "rebuilding" in err
    assert "Traceback" not in err
    again = CachedEncoder(FakeEncoder(), EmbeddingCache(FakeEncoder.name, tmp_path))
    np.testing.assert_array_equal(again.encode(["alpha", "beta"]), vecs)
    assert again.encoded == 0 and again.encoder.calls == 0  # the rebuilt cache works


def test_corrupt_cache_through_the_cli_is_not_fatal(cli_env, tmp_path):
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    path = EmbeddingCache(DEFAULT_MODEL, cache_dir).path
    path.write_bytes(os.urandom(4096))
    a, b = tmp_path / "Alpha.txt", tmp_path / "Beta.txt"
    a.write_text("The bridge closed on Friday. Repairs will take a week.\n", encoding="utf-8")
    b.write_text("The bridge was shut on Friday. Engineers expect repairs to last seven days.\n", encoding="utf-8")
    proc = run_cli(cli_env, "run", str(a), str(b), "-q", "--csv", str(tmp_path / "out.csv"),
                   extra_env={"COMPARE_CACHE_DIR": str(cache_dir)})
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "story-compare: warning:" in proc.stderr and "rebuilding" in proc.stderr
    assert len(pd.read_csv(tmp_path / "out.csv")) == 4
    assert EmbeddingCache(DEFAULT_MODEL, cache_dir).get(["anything"]) == {}  # a valid database again


# --- issue 15: the small things ------------------------------------------------------------


def test_run_takes_the_dashboards_minimum_cosine_before_details_are_compared(cli_env, tmp_path):
    """`--conflict` is Settings.conflict, the dashboard's "Minimum cosine before details are
    compared": raised to 0.99, the two reports of the fire are no longer similar enough for
    their figures to be compared as best matches (a search of its own, with its own threshold,
    may still find them: it may stay, never grow)."""
    from compare.cli import _settings, build_parser

    args = build_parser().parse_args(["run", "x", "--conflict", "0.7"])
    assert _settings(args).conflict == 0.7 and build_parser().parse_args(["run", "x"]).conflict == 0.5
    a = tmp_path / "harbor-wire.md"
    b = tmp_path / "city-desk.md"
    a.write_text("---\noutlet: Harbor Wire\n---\nA fire destroyed a warehouse near the port on Monday night. "
                 "The blaze injured 12 workers, the fire service said. The cause is not yet known.\n", encoding="utf-8")
    b.write_text("---\noutlet: City Desk\n---\nA warehouse near the port burned down on Monday night. "
                 "The blaze injured 15 workers, the fire service said. Investigators are looking for the cause.\n",
                 encoding="utf-8")
    counts = {}
    for cut in ("0.5", "0.99"):
        out = tmp_path / f"{cut}.csv"
        proc = run_cli(cli_env, "run", str(a), str(b), "-q", "--conflict", cut, "--csv", str(out))
        assert proc.returncode == 0, proc.stderr
        table = pd.read_csv(out, keep_default_na=False)
        counts[cut] = int(table["conflict"].str.contains("number: 12 workers vs 15 workers").sum())
    assert counts["0.5"] == 1 and counts["0.99"] <= 1, counts
    assert "--conflict COS" in run_cli(cli_env, "run", "--help").stdout


@pytest.mark.parametrize("option", ["--csv", "--json", "--summary-csv"])
def test_run_refuses_an_output_in_a_missing_folder(option, tmp_path, capsys):
    target = tmp_path / "no-such-folder" / "out.file"
    assert main(["run", SEED, "-q", option, str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(target) in err[0] and "no such folder" in err[0] and option in err[0], err
    assert not target.parent.exists()  # refused, not created


@pytest.mark.parametrize("option", ["--csv", "--parquet"])
def test_batch_refuses_an_output_in_a_missing_folder(option, tmp_path, capsys):
    target = tmp_path / "no-such-folder" / "out.file"
    args = ["batch", str(CORPORA), "-q", "--csv", str(tmp_path / "all.csv")]
    args += [option, str(target)] if option == "--parquet" else []
    if option == "--csv":
        args[args.index("--csv") + 1] = str(target)
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(target) in err[0] and "no such folder" in err[0], err
    assert not target.parent.exists() and not (tmp_path / "all.csv").exists()


def test_batch_on_one_story_folder_suggests_run(tmp_path, capsys):
    story = CORPORA / SEED
    assert main(["batch", str(story), "--csv", str(tmp_path / "all.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"story-compare run {story}" in err[0] and "one story" in err[0], err
    assert not (tmp_path / "all.csv").exists()


@pytest.fixture
def web(tmp_path):
    """A web page served on 127.0.0.1 (fetched with --allow-private)."""
    import http.server
    import threading

    page = (b"<html><head><title>Bridge reopens</title></head><body><article><p>The old bridge reopened on "
            b"Monday after repairs that took three weeks, officials said.</p><p>Traffic was light in the "
            b"morning, and ferries will stop running on Friday.</p></article></body></html>")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_exit_codes_none_some_all_failed(web, tmp_path, capsys):
    into = tmp_path / "story"
    assert main(["fetch", f"{web}/a", "--allow-private", "--into", str(into)]) == 0
    assert main(["fetch", f"{web}/b", "ftp://example.org/x", "--allow-private", "--outlet", "B", "--outlet", "C",
                 "--into", str(into)]) == 1
    assert main(["fetch", "ftp://example.org/x", "gopher://example.org/y", "--into", str(into)]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 3


def test_fetch_loopback_refusal_names_the_option_in_the_cli_own_words(tmp_path, capsys):
    assert main(["fetch", "http://127.0.0.1:9/page", "--into", str(tmp_path / "story")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "resolves to a private or local address (127.0.0.1)" in err[0], err
    assert "--allow-private" in err[0] and "only from the command line" not in err[0], err


def test_the_dashboards_loopback_refusal_keeps_its_words():
    from compare.fetch import fetch_article
    from compare.types import CompareError

    with pytest.raises(CompareError, match="fetched only from the command line, with story-compare fetch --allow-private"):
        fetch_article("http://127.0.0.1:9/page")


# --- issue 15: stdin read like a file, and another language ---------------------------------


def test_stdin_page_is_read_like_an_html_file(seed_run, cli_env, tmp_path):
    body = (CORPORA / SEED / "kyiv-ledger.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    page = ("<!DOCTYPE html><html><head><meta property='og:site_name' content='Piped Page'><script>var x = 1;</script>"
            "</head><body><article><p>" + body.replace("\n\n", "</p><p>") + "</p></article></body></html>")
    proc = run_cli(cli_env, "run", f"corpora/{SEED}/meridian-wire.md", "-", "--csv", str(tmp_path / "out.csv"),
                   stdin=page)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "<stdin>: read as HTML" in proc.stderr and "outlet: Piped Page" in proc.stderr
    df = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    piped = df[df["outlet"] == "Piped Page"]["sentence"]
    assert len(piped) > 5 and not piped.str.contains("<|var x", regex=True).any()


def test_a_german_article_is_warned_about_and_its_claims_not_flagged(seed_run, cli_env, tmp_path):
    german = ROOT / "tests" / "data" / "german" / "kiewer-rundschau.md"
    files = [f"corpora/{SEED}/meridian-wire.md", f"corpora/{SEED}/kyiv-ledger.md", str(german)]
    proc = run_cli(cli_env, "run", *files, "--csv", str(tmp_path / "out.csv"))
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    warning = [line for line in proc.stderr.splitlines() if "English-only" in line]
    assert len(warning) == 1 and str(german) in warning[0] and "German (de)" in warning[0], proc.stderr
    report = proc.stdout[proc.stdout.index("\nKiewer Rundschau:"):]
    assert "not compared" in report.splitlines()[1] and "[UNIQUE" not in report
    df = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert (df["outlet"] == "Kiewer Rundschau").sum() >= 6  # the table keeps every row
    proc = run_cli(cli_env, "run", *files, "--multilingual")
    assert proc.returncode == 0 and "English-only" not in proc.stderr
    assert "[UNIQUE  ]" in proc.stdout[proc.stdout.index("\nKiewer Rundschau:"):]


def test_train_vetter_writes_a_model_that_run_and_eval_take(cli_env, tmp_path):
    import shutil

    corpus = tmp_path / "labelled"
    names = ("sinkhole-2026", "turbine-collapse-2026", "ammonia-leak-2026")  # each with false conflicts to learn from
    for name in names:
        shutil.copytree(CORPORA / name, corpus / name)
    out = tmp_path / "my-vetter.json"
    proc = run_cli(cli_env, "train-vetter", "--corpora", str(corpus), "--out", str(out), "--threshold", "0.6", "-q")
    assert proc.returncode == 0, proc.stderr
    model = json.loads(out.read_text(encoding="utf-8"))
    assert model["trained_on"] == sorted(names)
    assert model["threshold"] == 0.6
    csv_path = tmp_path / "t.csv"
    proc = run_cli(cli_env, "run", str(corpus / "sinkhole-2026"), "--vetter", str(out), "-q", "--csv", str(csv_path))
    assert proc.returncode == 0, proc.stderr
    assert csv_path.exists()
    # eval scores each of the three stories with a vetter trained on the other two
    proc = run_cli(cli_env, "eval", "--corpora", str(corpus), "--vetter", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    assert "the 3 stories whose labels trained the vetter are each scored by one trained without them" in proc.stdout


@pytest.mark.parametrize("bad", ["missing.json", "notjson.json"])
def test_a_bad_vetter_is_one_line_naming_the_file(cli_env, tmp_path, bad):
    (tmp_path / "notjson.json").write_text("{not json", encoding="utf-8")
    proc = run_cli(cli_env, "run", SEED, "--vetter", str(tmp_path / bad), "-q")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and bad in proc.stderr and "Traceback" not in proc.stderr


def test_no_vetting_keeps_every_conflict_the_rules_find(cli_env, tmp_path):
    plain, vetted = tmp_path / "plain.csv", tmp_path / "vetted.csv"
    story = str(CORPORA / "festival-stage-collapse-2026")
    assert run_cli(cli_env, "run", story, "--no-vetting", "-q", "--csv", str(plain)).returncode == 0
    assert run_cli(cli_env, "run", story, "-q", "--csv", str(vetted)).returncode == 0
    bare = pd.read_csv(plain)
    kept = pd.read_csv(vetted)
    n_bare = int((bare["status"] == "conflicting").sum())
    n_kept = int((kept["status"] == "conflicting").sum())
    assert n_kept < n_bare, (n_kept, n_bare)
    assert n_kept > 0

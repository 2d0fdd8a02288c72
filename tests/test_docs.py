"""The README's claims, run as tests: its commands work, its column table is the real one."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys

import pandas as pd

from compare.tables import DIVERGENCE_COLUMNS, SUMMARY_COLUMNS
from compare.vetting import load_vetter, read_vetter

from .conftest import CORPORA, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def cli_block() -> list[str]:
    block = README.split("## Command line", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]


def run(args: list[str], cwd, cache_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "COMPARE_CACHE_DIR": str(cache_dir)}
    return subprocess.run([sys.executable, "-m", "compare", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_readme_names_the_two_make_targets():
    assert "make demo" in README and "make test" in README
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "torch==2.13.0" in (ROOT / "constraints.txt").read_text()
    install = makefile.index("-c constraints.txt torch==2.13.0")
    assert install < makefile.index("-c constraints.txt -e .")  # torch first, pinned
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_commands_run(tmp_path, cache_dir):
    story = CORPORA / "drone-deal-2025-07"
    shutil.copy(story / "meridian-wire.md", tmp_path / "a.md")
    shutil.copy(story / "seed-article.txt", tmp_path / "b.txt")
    (tmp_path / "c.html").write_text(
        "<html><head><title>Kyiv Ledger</title><script>var x = 1;</script></head><body><article><p>"
        + (story / "kyiv-ledger.md").read_text(encoding="utf-8").split("---", 2)[2].replace("\n\n", "</p><p>")
        + "</p></article></body></html>", encoding="utf-8")
    (tmp_path / "corpora").symlink_to(CORPORA)
    commands = cli_block()
    assert len(commands) == 7
    for line in commands:
        args = shlex.split(line)[1:]
        if args[0] == "fetch":  # needs the web: check that the command and its options exist
            out = run(["fetch", "--help"], tmp_path, cache_dir)
            assert out.returncode == 0 and "--into" in out.stdout
            continue
        out = run(args, tmp_path, cache_dir)
        assert out.returncode == 0, (line, out.stderr[-2000:])
        assert "Traceback" not in out.stderr
    table = pd.read_csv(tmp_path / "out.csv")
    assert tuple(table.columns) == DIVERGENCE_COLUMNS
    assert len(pd.read_json(tmp_path / "out.json")) > 10
    assert set(pd.read_csv(tmp_path / "all.csv")["story"]) == {p.name for p in CORPORA.iterdir() if p.is_dir()}
    # train-vetter on the bundled corpora trains the shipped vetter
    assert read_vetter(tmp_path / "my-vetter.json").trained_on == load_vetter("default").trained_on


def test_readme_documents_every_column():
    documented = re.findall(r"^\| `([^|]+)` \|", README, re.M)
    names = [n.strip("`") for cell in documented for n in re.split(r"`, `", cell)]
    assert names == list(DIVERGENCE_COLUMNS)
    summary = README.split("download) has `", 1)[1].split("`.", 1)[0]
    assert [c.strip() for c in summary.replace("\n", " ").split(",")] == list(SUMMARY_COLUMNS)


def test_readme_eval_table_matches_eval(cache_dir):
    out = run(["eval", "-q"], ROOT, cache_dir)
    assert out.returncode == 0, out.stderr[-2000:]
    overall = [line for line in out.stdout.splitlines() if line.startswith("overall")][0]
    assert overall in README, overall

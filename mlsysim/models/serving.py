"""Serving: latency budgets against an SLO, Amdahl's law, unit cost of inference, LLM memory.

Latency (all times in ms)::

    total            = Σ components                       (network, features, parsing, inference, …)
    headroom         = SLO − total                        (negative: the budget overruns the SLO)
    end-to-end gain  = 1 / ((1 − f) + f / s)              Amdahl: fraction f of the time sped up s×
    gain limit       = 1 / (1 − f)                        the same with s → ∞
    speedup needed   = t_c / (SLO − (total − t_c))        to fit the SLO by shrinking component c alone

Adding component P99s gives an upper bound on the end-to-end P99 (it is exact only when the slow
tails of all components coincide), so a budget that fits is conservative.

Cost::

    cost per 1K inferences = hourly cost × 1000 / inferences per hour          (USD)

LLM serving memory (bytes)::

    KV cache per token     = 2 · layers · kv_heads · head_dim · bytes per value  (keys and values)
    sequences that fit     = ⌊(GPUs · HBM − parameters · bytes per weight) / KV cache per sequence⌋

Capacity headroom of a service running at utilisation u: a traffic burst of 1/u − 1 (as a fraction of
current traffic) saturates it.

Energy of one inference on a device drawing P watts for t seconds: E = P · t  (joules).

Memory hierarchy: time to move B bytes at bandwidth W bytes/s is B / W.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

__all__ = [
    "latency_total", "slo_headroom", "slo_overrun", "amdahl_speedup", "amdahl_limit",
    "required_component_speedup", "cost_per_1k", "kv_cache_bytes_per_token", "kv_cache_bytes",
    "weight_bytes", "max_concurrent_sequences", "transfer_time", "classify_utilization",
    "energy_per_inference", "burst_headroom",
    "latency_rest", "latency_share", "amdahl_new_time", "cost_per_1k_at", "hbm_bytes",
]


def _values(components) -> list[float]:
    vals = list(components.values()) if isinstance(components, Mapping) else list(components)
    if not vals:
        raise ValueError("a latency budget needs at least one component")
    for v in vals:
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"latency components must be finite and non-negative, got {v!r}")
    return [float(v) for v in vals]


def latency_total(components: Mapping[str, float] | Sequence[float]) -> float:
    """Sum of the component latencies (ms)."""
    return math.fsum(_values(components))


def slo_headroom(components, slo: float) -> float:
    """SLO − Σ components (ms); negative when the components overrun the SLO."""
    if slo <= 0:
        raise ValueError(f"the SLO must be positive, got {slo!r}")
    return slo - latency_total(components)


def slo_overrun(components, slo: float) -> float:
    """By how much the components exceed the SLO (ms); 0 when they fit."""
    return max(0.0, -slo_headroom(components, slo))


def amdahl_speedup(fraction: float, speedup: float) -> float:
    """End-to-end speedup when a part taking ``fraction`` of the time becomes ``speedup``× faster."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"the accelerated fraction must be between 0 and 1, got {fraction!r}")
    if speedup <= 0:
        raise ValueError(f"the speedup of the part must be positive, got {speedup!r}")
    return 1.0 / ((1 - fraction) + fraction / speedup)


def amdahl_limit(fraction: float) -> float:
    """End-to-end speedup if the part were made infinitely fast: 1 / (1 − fraction) (∞ if fraction = 1)."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"the accelerated fraction must be between 0 and 1, got {fraction!r}")
    return math.inf if fraction == 1 else 1.0 / (1 - fraction)


def required_component_speedup(component: float, others: float, slo: float) -> float:
    """How many times faster one component must become for the total to fit the SLO.

    ``others`` is the sum of all the other components.  Returns a value ≤ 1 when the budget already
    fits, and ``math.inf`` when the other components alone use up the SLO (no speedup of this
    component can help)."""
    if component < 0 or others < 0 or slo <= 0:
        raise ValueError("latencies must be non-negative and the SLO positive")
    room = slo - others
    if room <= 0:
        return math.inf
    return component / room


def cost_per_1k(hourly_cost: float, inferences_per_hour: float, per: float = 1000) -> float:
    """Cost of ``per`` (default 1,000) inferences: hourly cost × per / inferences per hour (USD)."""
    if hourly_cost < 0:
        raise ValueError(f"the hourly cost cannot be negative, got {hourly_cost!r}")
    if inferences_per_hour <= 0:
        raise ValueError(f"the throughput must be positive, got {inferences_per_hour!r}")
    return hourly_cost * per / inferences_per_hour


def kv_cache_bytes_per_token(layers: int, kv_heads: int, head_dim: int, bytes_per_value: float) -> float:
    """Bytes of attention keys and values stored per token: 2 · layers · kv_heads · head_dim · bytes."""
    if min(layers, kv_heads, head_dim) < 1 or bytes_per_value <= 0:
        raise ValueError("layers, heads and head dimension must be ≥ 1 and bytes per value positive")
    return 2.0 * layers * kv_heads * head_dim * bytes_per_value


def kv_cache_bytes(tokens: int, layers: int, kv_heads: int, head_dim: int, bytes_per_value: float) -> float:
    """KV-cache bytes of one sequence of ``tokens`` tokens."""
    if tokens < 0:
        raise ValueError("the number of tokens cannot be negative")
    return tokens * kv_cache_bytes_per_token(layers, kv_heads, head_dim, bytes_per_value)


def weight_bytes(parameters: float, bytes_per_weight: float) -> float:
    """Bytes needed to hold the model's weights."""
    if parameters <= 0 or bytes_per_weight <= 0:
        raise ValueError("parameter count and bytes per weight must be positive")
    return parameters * bytes_per_weight


def max_concurrent_sequences(memory_bytes: float, weights: float, kv_per_sequence: float) -> int:
    """Sequences whose KV cache fits beside the weights: ⌊(memory − weights) / KV per sequence⌋ (≥ 0).

    Ignores activations, fragmentation and runtime overheads, so it is an upper bound."""
    if memory_bytes <= 0 or weights < 0 or kv_per_sequence <= 0:
        raise ValueError("memory and KV cache per sequence must be positive, weights non-negative")
    free = memory_bytes - weights
    return max(0, math.floor(free / kv_per_sequence))


def transfer_time(nbytes: float, bandwidth: float) -> float:
    """Seconds to move ``nbytes`` at ``bandwidth`` bytes per second."""
    if nbytes < 0 or bandwidth <= 0:
        raise ValueError("bytes must be non-negative and bandwidth positive")
    return nbytes / bandwidth


def classify_utilization(gpu_util: float, mem_bw_util: float) -> str:
    """Name the utilisation signature of a GPU (both arguments are fractions 0…1), following the
    chapter's thresholds: compute-bound (GPU > 85 %, memory BW < 70 %), memory-bound (GPU 50–85 %,
    memory BW > 85 %), I/O-bound (both < 50 %); anything else is ``"ambiguous"`` (profile it)."""
    for v in (gpu_util, mem_bw_util):
        if not 0 <= v <= 1:
            raise ValueError(f"utilisations are fractions between 0 and 1, got {v!r}")
    if gpu_util > 0.85 and mem_bw_util < 0.70:
        return "compute-bound"
    if 0.50 <= gpu_util <= 0.85 and mem_bw_util > 0.85:
        return "memory-bound"
    if gpu_util < 0.50 and mem_bw_util < 0.50:
        return "I/O-bound"
    return "ambiguous"


def energy_per_inference(power_watts: float, latency_s: float) -> float:
    """Energy (J) of one inference that keeps a device at ``power_watts`` for ``latency_s`` seconds."""
    if power_watts < 0 or latency_s < 0:
        raise ValueError("power and latency must be non-negative")
    return power_watts * latency_s


def burst_headroom(utilization: float) -> float:
    """Traffic increase (fraction of current load) that a service at ``utilization`` can absorb
    before saturating: 1/u − 1.  At 70 % utilisation a 43 % burst fills the GPU."""
    if not 0 < utilization <= 1:
        raise ValueError(f"utilisation must be a fraction in (0, 1], got {utilization!r}")
    return 1 / utilization - 1


def latency_rest(components: Mapping[str, float], name: str) -> float:
    """Latency of every component except ``name`` (ms): what a faster ``name`` cannot remove.

    >>> latency_rest({"network": 15, "inference": 45, "post": 12.5}, "inference")
    27.5
    """
    if name not in components:
        raise ValueError(f"there is no latency component {name!r}; the components are {', '.join(components)}")
    return math.fsum(_values({k: v for k, v in components.items() if k != name}))


def latency_share(components: Mapping[str, float], name: str) -> float:
    """Fraction of the total latency spent in component ``name`` (0 when the total is 0 ms).

    >>> latency_share({"network": 15, "inference": 45, "post": 20}, "inference")
    0.5625
    """
    if name not in components:
        raise ValueError(f"there is no latency component {name!r}; the components are {', '.join(components)}")
    total = latency_total(components)
    return float(components[name]) / total if total > 0 else 0.0


def amdahl_new_time(total: float, fraction: float, speedup: float) -> float:
    """End-to-end time after a part taking ``fraction`` of ``total`` becomes ``speedup``× faster:
    total / :func:`amdahl_speedup` (the same unit as ``total``).

    >>> round(amdahl_new_time(100, 0.45, 2), 9)
    77.5
    """
    if total < 0:
        raise ValueError(f"the total time cannot be negative, got {total!r}")
    return total / amdahl_speedup(fraction, speedup)


def cost_per_1k_at(hourly_cost: float, peak_per_hour: float, utilization: float, per: float = 1000) -> float:
    """:func:`cost_per_1k` of a server run at ``utilization`` of its peak throughput (USD): it
    serves peak · utilization inferences an hour and is paid for every hour.

    >>> round(cost_per_1k_at(4.0, 10_000, 0.5), 9)
    0.8
    """
    if not 0 < utilization <= 1:
        raise ValueError(f"utilization must be a fraction in (0, 1], got {utilization!r}")
    return cost_per_1k(hourly_cost, peak_per_hour * utilization, per)


def hbm_bytes(gpus: int, hbm_gb_per_gpu: float) -> float:
    """High-bandwidth memory of a server: GPUs · GB per GPU, in bytes (1 GB = 10⁹ bytes).

    >>> hbm_bytes(8, 80)
    640000000000.0
    """
    if gpus < 0 or hbm_gb_per_gpu < 0:
        raise ValueError("GPU count and memory per GPU cannot be negative")
    return gpus * hbm_gb_per_gpu * 1e9

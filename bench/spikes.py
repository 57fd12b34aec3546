"""Daily spike alerts on generated rhythms: false alarms and detection, against a naive rule.

Generates `--series` daily series of `--days` days (default 300 × 365, seeded): Poisson and
overdispersed negative-binomial counts (size 0.5–3), base rates 0.2–5 stories a day (many zero
days at the low end), a weekday pattern (busy Mondays or quiet weekends, or flat) and a slow
drift. Each day after the first 56 is judged by `alerts.spikes` (`baseline` + `judge`, the
config's thresholds: `spikes:` of `--config`, else the defaults) and by a naive rule (the last
56 days' mean + 3 standard deviations, with the same `min_count`). Reports, for Poisson and
negative-binomial (NB) series apart, as Markdown tables:

- false alarms: episodes (runs of consecutive alarm days) per series-year, per rate band;
- detection: `--spikes` days per series multiplied ×3 and ×5 (its count drawn at 3 or 5 times its
  usual rate, same noise model), the share of those days alarmed, per rate band.

Asserts nothing; the figures go into README ("Tin lan rộng và tăng đột biến").
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts.spikes import WINDOW_DAYS, baseline, judge  # noqa: E402
from duluan.config import Spikes, load_config  # noqa: E402

START = date(2025, 1, 6)  # a Monday
BANDS = ((0.2, 0.5), (0.5, 1.5), (1.5, 3.0), (3.0, 5.0))
PATTERNS = {
    "phẳng": (1, 1, 1, 1, 1, 1, 1),
    "thứ Hai đông": (2.5, 1, 1, 1, 1, 0.6, 0.4),
    "cuối tuần vắng": (1.2, 1.2, 1.2, 1.2, 1.2, 0.3, 0.2),
}


@dataclass(frozen=True)
class Series:
    """One generated series: its daily means and counts."""

    rate: float
    size: float | None  # None: Poisson
    means: np.ndarray
    counts: np.ndarray


def draw(rng: np.random.Generator, mean: np.ndarray, size: float | None) -> np.ndarray:
    """Counts with these means: Poisson, or negative binomial of `size` (a gamma mixture)."""
    if size is None:
        return rng.poisson(mean)
    return rng.poisson(rng.gamma(size, mean / size))


def generate(rng: np.random.Generator, count: int, days: int) -> list[Series]:
    """`count` series: rates spread over the bands, half Poisson, half overdispersed."""
    out = []
    weekdays = np.array([(START + timedelta(days=i)).weekday() for i in range(days)])
    for index in range(count):
        low, high = BANDS[index % len(BANDS)]
        rate = float(rng.uniform(low, high))
        pattern = np.array(list(PATTERNS.values())[index % len(PATTERNS)], dtype=float)
        pattern = pattern / pattern.mean()
        drift = 1 + 0.3 * np.sin(np.arange(days) * 2 * np.pi / days + rng.uniform(0, 6.3))
        means = rate * pattern[weekdays] * drift
        poisson = (index // len(BANDS)) % 2 == 0  # every band gets both noise models
        size = None if poisson else float(rng.uniform(0.5, 3.0))
        out.append(Series(rate, size, means, draw(rng, means, size)))
    return out


Rule = Callable[[Sequence[tuple[date, int]], date, int], bool]


def model_rule(settings: Spikes) -> Rule:
    """duluan's rule: `alerts.spikes.baseline` then `judge`."""

    def rule(history: Sequence[tuple[date, int]], day: date, count: int) -> bool:
        return judge(count, baseline(history, day), settings).spike

    return rule


def naive_rule(settings: Spikes) -> Rule:
    """Mean + 3σ of the window, with the same `min_count` and history floor."""

    def rule(history: Sequence[tuple[date, int]], day: date, count: int) -> bool:
        values = np.array([c for _, c in history], dtype=float)
        if len(values) < settings.min_history_days:
            return False
        return count >= settings.min_count and count > values.mean() + 3 * values.std()

    return rule


def episodes(alarms: Sequence[bool]) -> int:
    """Runs of consecutive alarm days."""
    return sum(1 for i, a in enumerate(alarms) if a and (i == 0 or not alarms[i - 1]))


def history_of(counts: np.ndarray, day: int) -> list[tuple[date, int]]:
    """The window before `day`, dated."""
    first = max(0, day - WINDOW_DAYS)
    return [(START + timedelta(days=i), int(counts[i])) for i in range(first, day)]


def band_of(rate: float) -> int:
    return next(i for i, (low, high) in enumerate(BANDS) if low <= rate <= high)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=300)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--spikes", type=int, default=5, help="injected days per series")
    parser.add_argument("--config", type=Path, help="read `spikes:` from this config.yaml")
    parser.add_argument("--p-value", type=float, help="override `spikes.p_value`")
    args = parser.parse_args()
    settings = load_config(args.config, {}).config.spikes if args.config else Spikes()
    if args.p_value is not None:
        settings = settings.model_copy(update={"p_value": args.p_value})
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    all_series = generate(rng, args.series, args.days)
    rules = {"duluan": model_rule(settings), "naive 3σ": naive_rule(settings)}
    models = ("Poisson", "NB")
    judged_years = (args.days - WINDOW_DAYS) / 365
    # [rule][model][band] = [events, trials]
    false = {r: {m: [[0, 0] for _ in BANDS] for m in models} for r in rules}
    caught = {(r, f): {m: [[0, 0] for _ in BANDS] for m in models} for r in rules for f in (3, 5)}
    for series in all_series:
        band, model = band_of(series.rate), models[series.size is not None]
        for name, rule in rules.items():
            alarms = [
                rule(history_of(series.counts, day), START + timedelta(days=day), int(c))
                for day, c in enumerate(series.counts)
                if day >= WINDOW_DAYS
            ]
            false[name][model][band][0] += episodes(alarms)
            false[name][model][band][1] += 1
        for factor in (3, 5):
            for _ in range(args.spikes):
                day = int(rng.integers(WINDOW_DAYS, args.days))
                spiked = int(draw(rng, np.array([series.means[day] * factor]), series.size)[0])
                history = history_of(series.counts, day)
                for name, rule in rules.items():
                    hit = rule(history, START + timedelta(days=day), spiked)
                    caught[(name, factor)][model][band][0] += int(hit)
                    caught[(name, factor)][model][band][1] += 1
    print(
        f"{args.series} chuỗi × {args.days} ngày (seed {args.seed}; nửa Poisson, nửa NB size "
        f"0,5–3); ngưỡng p_value {settings.p_value}, min_count {settings.min_count}, "
        f"min_ratio {settings.min_ratio}, min_history_days {settings.min_history_days}"
    )
    columns = [(r, m) for r in rules for m in models]
    header = "| tin/ngày | " + " | ".join(f"{r}, {m}" for r, m in columns) + " |"
    rule_line = "| --- |" + " ---: |" * len(columns)

    def rate(cell: list[int], scale: float = 1.0) -> float:
        return cell[0] / max(cell[1] * scale, 1e-9)

    print("\nBáo động sai (đợt / chuỗi-năm):\n" + header + "\n" + rule_line)
    for band, (low, high) in enumerate(BANDS):
        cells = " | ".join(f"{rate(false[r][m][band], judged_years):.2f}" for r, m in columns)
        print(f"| {low}–{high} | {cells} |")
    sums = {
        c: [sum(e for e, _ in false[c[0]][c[1]]), sum(n for _, n in false[c[0]][c[1]])]
        for c in columns
    }
    total = " | ".join(f"{rate(sums[c], judged_years):.2f}" for c in columns)
    print(f"| tất cả | {total} |")
    for factor in (3, 5):
        print(
            f"\nPhát hiện ngày tăng ×{factor} (tỷ lệ ngày được báo):\n" + header + "\n" + rule_line
        )
        for band, (low, high) in enumerate(BANDS):
            cells = " | ".join(f"{rate(caught[(r, factor)][m][band]):.2f}" for r, m in columns)
            print(f"| {low}–{high} | {cells} |")
    print(f"\n{time.perf_counter() - started:.1f} giây")


if __name__ == "__main__":
    main()

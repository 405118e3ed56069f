"""Time series that grow step by step: a light SVG chart fed with appended rows.

The chart lives in the browser as a small Vue component that keeps its own
copy of the data. Each frame Python sends only the latest rows (a bounded
tail, not the whole history); the component appends the steps it has not seen
and redraws its polylines. If it ever misses rows (a gap), it asks Python for
the full history once. Reform moments are drawn as labelled vertical lines.

Stable hooks for tests: the root has class ``govsim-series`` and attributes
``data-name``, ``data-steps`` (rows held), ``data-marks`` (reform lines) and
``data-last`` (last values, comma separated).
"""

from __future__ import annotations

from collections.abc import Sequence

import ipyvue
import traitlets

TAIL = 40
"""Rows sent per frame; more than the steps a frame can advance, so no gap in normal play."""

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
PARADIGM_COLOURS = {"opa": "#6d6d6d", "npm": "#d95f02", "npg": "#1b9e77"}
FAMILY_COLOURS = {"efficiency": "#1f77b4", "democracy": "#d62728", "innovation": "#2ca02c"}

TEMPLATE = r"""
<template>
  <div class="govsim-series" :data-name="name" :data-steps="n" :data-marks="marks.length"
       :data-last="lastText" style="width: 100%">
    <div style="font-weight: 600; font-size: 13px; margin: 2px 0 0 4px">{{ title }}</div>
    <svg :viewBox="'0 0 ' + W + ' ' + H" width="100%" style="display: block; font: 10px sans-serif">
      <g>
        <line v-for="g in [0, 0.25, 0.5, 0.75, 1]" :key="'g' + g" :x1="L" :x2="W - R" :y1="sy(g)" :y2="sy(g)"
              stroke="#e4e4e4" stroke-width="1"/>
        <text v-for="g in [0, 0.5, 1]" :key="'t' + g" :x="L - 4" :y="sy(g) + 3" text-anchor="end" fill="#666">{{ g }}</text>
        <text :x="L" :y="H - 2" fill="#666">0</text>
        <text :x="W - R" :y="H - 2" text-anchor="end" fill="#666">step {{ xmax }}</text>
      </g>
      <g class="govsim-marks">
        <g v-for="(m, k) in marks" :key="'m' + k">
          <line :x1="sx(m.step)" :x2="sx(m.step)" :y1="T" :y2="H - B" stroke="#444" stroke-dasharray="4 3"
                stroke-width="1" class="govsim-mark"/>
          <text :x="sx(m.step) + 3" :y="T + 9 + 10 * (k % 2)" fill="#222">{{ m.label }}</text>
        </g>
      </g>
      <polyline v-for="(s, i) in series" :key="'s' + i + '-' + s.name" :points="paths[i]" fill="none"
                :stroke="s.color" :stroke-width="s.width || 1.6" :stroke-dasharray="s.dash || ''"
                :data-series="s.name"/>
    </svg>
    <div style="font-size: 11px; margin-left: 4px; line-height: 1.6">
      <span v-for="(s, i) in series" :key="'l' + i" style="margin-right: 10px; white-space: nowrap" :title="s.doc || ''">
        <span :style="'display:inline-block;width:14px;height:3px;vertical-align:middle;background:' + s.color"></span>
        {{ s.name }} <b>{{ lastValue(i) }}</b>
      </span>
    </div>
  </div>
</template>
<script>
module.exports = {
  data() {
    return { version: 0, n: 0, W: 900, H: 200, L: 26, R: 8, T: 6, B: 14 };
  },
  created() {
    this.cols = [];
    this.ep = null;
    this.apply();
  },
  watch: {
    chunk() { this.apply(); },
    series() { this.ep = null; this.apply(); },
  },
  methods: {
    apply() {
      const c = this.chunk ? JSON.parse(this.chunk) : null;
      if (!c || c.rows === undefined) return;
      if (c.epoch !== this.ep || this.cols.length !== this.series.length) {
        this.cols = this.series.map(() => []);
        this.n = 0;
        this.ep = c.epoch;
      }
      if (c.start > this.n + 1) {
        this.resync({});
        return;
      }
      for (let k = 0; k < c.rows.length; k++) {
        const step = c.start + k;
        if (step <= this.n) continue;
        const row = c.rows[k];
        for (let i = 0; i < this.cols.length; i++) this.cols[i].push(row[i]);
        this.n = step;
      }
      this.version++;
    },
    sx(step) {
      return this.L + (this.W - this.L - this.R) * step / this.xmax;
    },
    sy(v) {
      return this.H - this.B - (this.H - this.B - this.T) * v;
    },
    lastValue(i) {
      this.version;
      const col = this.cols[i];
      return col && col.length ? col[col.length - 1].toFixed(2) : "";
    },
  },
  computed: {
    xmax() {
      this.version;
      return Math.max(this.min_steps, Math.ceil(this.n / 24) * 24);
    },
    paths() {
      this.version;
      const xmax = this.xmax;
      return this.cols.map((col) => {
        const out = new Array(col.length + 1);
        out[0] = this.sx(0).toFixed(1) + "," + this.sy(col.length ? col[0] : 0).toFixed(1);
        for (let k = 0; k < col.length; k++) {
          out[k + 1] = this.sx(k + 1).toFixed(1) + "," + this.sy(col[k]).toFixed(1);
        }
        return col.length ? out.join(" ") : "";
      });
    },
    lastText() {
      this.version;
      return this.cols.map((c) => (c.length ? c[c.length - 1].toFixed(4) : "")).join(",");
    },
  },
};
</script>
"""


class SeriesChart(ipyvue.VueTemplate):
    """A growing line chart; see the module docstring."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    series = traitlets.List([]).tag(sync=True)  # [{"name", "color", "dash"?, "doc"?}]
    chunk = traitlets.Unicode("").tag(sync=True)  # JSON {"epoch", "start", "rows"}: rows of steps start, start+1, ...
    marks = traitlets.List([]).tag(sync=True)  # [{"step", "label"}]
    min_steps = traitlets.Int(48).tag(sync=True)
    full = traitlets.Any(None)  # () -> the complete chunk, for a resync (not synced)

    def vue_resync(self, _data=None) -> None:
        if self.full is not None:
            self.chunk = self.full()


def chunk(epoch: int, rows: Sequence[Sequence[float]], tail: int | None = TAIL) -> dict:
    """The rows to send: the last ``tail`` of ``rows`` (all if None), numbered from step 1."""
    n = len(rows)
    start = 0 if tail is None else max(0, n - tail)
    return {"epoch": epoch, "start": start + 1, "rows": [[round(v, 4) for v in r] for r in rows[start:]]}


def columns(rows: Sequence[Sequence[float]], idx: Sequence[int]) -> list[list[float]]:
    """The columns ``idx`` of each row."""
    return [[r[i] for i in idx] for r in rows]


def marks_of(marks: Sequence[tuple[int, str]]) -> list[dict]:
    return [{"step": int(s), "label": str(label)} for s, label in marks]


"""The citizens' network as a light SVG: positions sent once, colours each frame.

A readable sample of at most :data:`MAX_NODES` citizens (snowballs from a few
evenly spread starting citizens, so neighbourhoods stay visible) is laid out
once per model. The public sector stands around it: politicians (red stars) on
top, administrators (blue triangles) on the right, employees (squares, shaded by
motivation) below. Citizens are coloured by trust or by how deeply they took
part lately (the ladder's rung, T9). Each active co-creation arena is a purple
hexagon linked to its members.

Stable hooks for tests: root class ``govsim-network`` with ``data-nodes``,
``data-arenas`` (arenas drawn) and ``data-colour``; shapes have classes
``govsim-citizen``, ``govsim-employee``, ``govsim-administrator``,
``govsim-politician`` and ``govsim-arena``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import ipyvue
import numpy as np
import traitlets

from govsim.app import adapter as A

MAX_NODES = 240
MAX_EMPLOYEES = 30
RING = 1.16

# Sequential palette (dark purple -> yellow), readable for colour-blind viewers.
SEQ = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89",
       "#35b779", "#6ece58", "#b5de2b", "#fde725")
LADDER = ("#d9d9d9", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08306b")

TEMPLATE = r"""
<template>
  <div class="govsim-network" :data-nodes="L.nodes.length" :data-arenas="arenas.length" :data-colour="colour_by"
       style="width: 100%">
    <svg viewBox="-1.36 -1.36 2.72 2.72" width="100%" style="display: block; max-height: 400px">
      <path :d="L.edges" stroke="#bbb" stroke-width="0.004" fill="none"/>
      <path v-for="a in arenas" :key="'l' + a.id" :d="a.d" stroke="#8e24aa" stroke-width="0.006" fill="none"
            opacity="0.55"/>
      <circle v-for="(p, i) in L.nodes" :key="'c' + i" :cx="p[0]" :cy="p[1]" r="0.026" :fill="fills[i]"
              stroke="#fff" stroke-width="0.004" class="govsim-citizen"/>
      <rect v-for="(p, i) in L.employees" :key="'e' + i" :x="p[0] - 0.025" :y="p[1] - 0.025" width="0.05"
            height="0.05" :fill="employeeFills[i]" stroke="#333" stroke-width="0.005" class="govsim-employee"/>
      <polygon v-for="(p, i) in L.administrators" :key="'a' + i" class="govsim-administrator" fill="#1565c0"
               :points="(p[0]) + ',' + (p[1] - 0.045) + ' ' + (p[0] - 0.04) + ',' + (p[1] + 0.03) + ' ' + (p[0] + 0.04) + ',' + (p[1] + 0.03)"/>
      <polygon v-for="(p, i) in L.politicians" :key="'p' + i" class="govsim-politician" fill="#c62828"
               :points="star(p)"/>
      <polygon v-for="a in arenas" :key="'h' + a.id" class="govsim-arena" fill="#8e24aa" stroke="#fff"
               stroke-width="0.006" :points="hex(a.x, a.y)"/>
    </svg>
    <div style="font-size: 11px; line-height: 1.7; margin-left: 4px">
      <span style="color:#c62828">&#9733;</span> politicians &nbsp;
      <span style="color:#1565c0">&#9650;</span> administrators &nbsp;
      <span>&#9632;</span> employees (shade: motivation) &nbsp;
      <span style="color:#8e24aa">&#11043;</span> co-creation arena &nbsp;
      <span>&#9679;</span> citizens: {{ legend }}
    </div>
  </div>
</template>
<script>
module.exports = {
  computed: {
    L() {
      return this.layout_json ? JSON.parse(this.layout_json)
        : { nodes: [], edges: "", employees: [], administrators: [], politicians: [] };
    },
    fills() { return this.colors.split(","); },
    employeeFills() { return this.employee_colors.split(","); },
  },
  methods: {
    hex(x, y) {
      const r = 0.06;
      const pts = [];
      for (let k = 0; k < 6; k++) {
        const a = Math.PI / 3 * k + Math.PI / 6;
        pts.push((x + r * Math.cos(a)).toFixed(3) + "," + (y + r * Math.sin(a)).toFixed(3));
      }
      return pts.join(" ");
    },
    star(p) {
      const pts = [];
      for (let k = 0; k < 10; k++) {
        const r = k % 2 ? 0.02 : 0.05;
        const a = Math.PI / 5 * k - Math.PI / 2;
        pts.push((p[0] + r * Math.cos(a)).toFixed(3) + "," + (p[1] + r * Math.sin(a)).toFixed(3));
      }
      return pts.join(" ");
    },
  },
};
</script>
"""


class NetworkWidget(ipyvue.VueTemplate):
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    layout_json = traitlets.Unicode("").tag(sync=True)  # static: positions and ties, sent once
    colors = traitlets.Unicode("").tag(sync=True)  # comma-separated fills of the sampled citizens
    employee_colors = traitlets.Unicode("").tag(sync=True)
    arenas = traitlets.List([]).tag(sync=True)
    colour_by = traitlets.Unicode("trust").tag(sync=True)
    legend = traitlets.Unicode("").tag(sync=True)


@dataclass(frozen=True)
class Layout:
    """Positions computed once per model (or once per town in side-by-side runs)."""

    rows: np.ndarray  # sampled citizens' rows
    xy: np.ndarray  # (len(rows), 2)
    edges: str  # SVG path of the ties among the sample
    emp_rows: np.ndarray
    emp_xy: np.ndarray
    adm_xy: np.ndarray
    pol_xy: np.ndarray
    index: dict  # citizen row -> position in the sample

    @property
    def json(self) -> str:
        """The static part the widget draws once, as one string (cheap to compare each frame)."""
        cached = self.__dict__.get("_json")
        if cached is None:
            cached = json.dumps({"nodes": _round(self.xy), "edges": self.edges, "employees": _round(self.emp_xy),
                                 "administrators": _round(self.adm_xy), "politicians": _round(self.pol_xy)})
            object.__setattr__(self, "_json", cached)
        return cached


def _round(xy: np.ndarray) -> list[list[float]]:
    return [[round(float(x), 3), round(float(y), 3)] for x, y in xy]


def sample_citizens(adj, max_nodes: int = MAX_NODES, seeds: int = 6) -> np.ndarray:
    """Rows of a readable sample: all citizens if few, else snowballs from evenly spread starts."""
    from scipy.sparse.csgraph import breadth_first_order

    n = adj.shape[0]
    if n <= max_nodes:
        return np.arange(n)
    chosen: list[int] = []
    seen: set[int] = set()
    per = max_nodes // seeds
    for k in range(seeds):
        start = (n // seeds) * k
        order = breadth_first_order(adj, start, directed=False, return_predecessors=False)
        took = 0
        for v in order:
            v = int(v)
            if v not in seen:
                seen.add(v)
                chosen.append(v)
                took += 1
                if took >= per:
                    break
    return np.array(sorted(chosen), dtype=np.int64)


def _arc(n: int, a0: float, a1: float, radius: float = RING) -> np.ndarray:
    if n == 0:
        return np.zeros((0, 2))
    ang = np.radians(np.linspace(a0, a1, n) if n > 1 else np.array([(a0 + a1) / 2]))
    return np.column_stack([radius * np.cos(ang), radius * np.sin(ang)])


def compute_layout(model) -> Layout:
    """Sample and lay out the citizens (spring layout, fixed seed) and place the public sector."""
    import networkx as nx

    adj = A.network_of(model).tocsr()
    rows = sample_citizens(adj)
    sub = adj[rows][:, rows].tocoo()
    g = nx.Graph()
    g.add_nodes_from(range(rows.size))
    g.add_edges_from((int(i), int(j)) for i, j in zip(sub.row, sub.col, strict=True) if i < j)
    pos = nx.spring_layout(g, seed=0, iterations=60, k=1.6 / np.sqrt(max(rows.size, 1)))
    xy = np.array([pos[i] for i in range(rows.size)], dtype=float)
    xy -= xy.mean(axis=0)
    scale = np.abs(xy).max() if xy.size else 1.0
    xy = xy / (scale or 1.0) * 0.95
    parts = [f"M{xy[i, 0]:.3f} {xy[i, 1]:.3f}L{xy[j, 0]:.3f} {xy[j, 1]:.3f}"
             for i, j in zip(sub.row, sub.col, strict=True) if i < j]
    counts = A.public_counts(model)
    n_emp = counts["employee"]
    emp_rows = np.unique(np.linspace(0, n_emp - 1, min(n_emp, MAX_EMPLOYEES)).round().astype(np.int64))
    return Layout(
        rows=rows, xy=xy, edges="".join(parts), emp_rows=emp_rows,
        emp_xy=_arc(emp_rows.size, 35, 145),
        adm_xy=_arc(counts["administrator"], -25, 25),
        pol_xy=_arc(counts["politician"], -145, -35),
        index={int(r): k for k, r in enumerate(rows)},
    )


def shade(values: np.ndarray, palette=SEQ) -> list[str]:
    """Values in [0, 1] -> palette colours (quantised, so unchanged shades send the same string)."""
    idx = np.clip((np.asarray(values) * len(palette)).astype(int), 0, len(palette) - 1)
    return [palette[i] for i in idx]


def citizen_colours(model, layout: Layout, colour_by: str) -> list[str]:
    cols = A.citizen_view(model, layout.rows)
    if colour_by == "participation":
        rung = cols["participation"].astype(int)
        return [LADDER[min(r, len(LADDER) - 1)] for r in rung]
    return shade(cols["trust"])


def employee_colours(model, layout: Layout) -> list[str]:
    return shade(A.employee_view(model)["motivation"][layout.emp_rows])


def arena_shapes(model, layout: Layout) -> list[dict]:
    """Hexagon position and member links of each active arena with members in view."""
    out = []
    emp_pos = {int(r): k for k, r in enumerate(layout.emp_rows)}
    for a in A.arenas(model):
        members = [layout.index[int(c)] for c in a["citizens"] if int(c) in layout.index]
        anchor = members or [layout.index[int(c)] for c in a["affected"] if int(c) in layout.index]
        if not anchor:
            continue
        hx, hy = layout.xy[anchor].mean(axis=0)
        ends = [layout.xy[k] for k in members]
        ends += [layout.emp_xy[emp_pos[int(e)]] for e in a["employees"] if int(e) in emp_pos]
        ends += [layout.adm_xy[int(r)] for r in a["administrators"] if int(r) < len(layout.adm_xy)]
        ends += [layout.pol_xy[int(r)] for r in a["politicians"] if int(r) < len(layout.pol_xy)]
        d = "".join(f"M{hx:.3f} {hy:.3f}L{x:.3f} {y:.3f}" for x, y in ends)
        out.append({"id": a["id"], "x": round(float(hx), 3), "y": round(float(hy), 3), "d": d})
    return out


LEGENDS = {
    "trust": "colour = trust (dark: low, yellow: high)",
    "participation": "colour = deepest recent participation (grey: none, dark blue: governance network)",
}


def frame(model, layout: Layout, colour_by: str) -> dict:
    """Everything the widget needs for one frame (positions are static per layout)."""
    return {
        "colors": ",".join(citizen_colours(model, layout, colour_by)),
        "employee_colors": ",".join(employee_colours(model, layout)),
        "arenas": arena_shapes(model, layout),
        "legend": LEGENDS.get(colour_by, ""),
    }

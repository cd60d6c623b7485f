"""Reads for /insights/: silos as islands joined by bridges, the silo x framework matrix and councils.

Everything comes from the refreshed aggregates (see practices/services/discovery_stats.py),
so the page costs the same at a hundred case studies or a million. The SVG geometry is
worked out here so the templates only place shapes; labels are escaped by the templates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db import connection

from councils.models import Council, ServiceSilo
from practices.models import Framework

# Islands canvas (SVG user units; the drawing scales to the page width).
MAP_WIDTH = 1000
MAP_HEIGHT = 620
MAP_RADIUS_X = 300
MAP_RADIUS_Y = 225
ISLAND_MIN_RADIUS = 9
ISLAND_MAX_RADIUS = 34
BRIDGE_MIN_WIDTH = 1.5
BRIDGE_MAX_WIDTH = 9

# The matrix drawing shows the most widely used frameworks; the table and CSV show all.
MATRIX_DRAWN_FRAMEWORKS = 20
MATRIX_CELL = 34
MATRIX_LABEL_WIDTH = 210
MATRIX_HEADER_HEIGHT = 190

TOP_COUNCILS = 10
# Sized so the chart draws at about its natural size in half a page column.
BAR_LABEL_WIDTH = 205
BAR_WIDTH = 195
BAR_HEIGHT = 22


@dataclass
class Island:
    silo: ServiceSilo
    case_studies: int
    frameworks: int
    bridges: int = 0
    x: float = 0
    y: float = 0
    r: float = 0
    label_x: float = 0
    label_y: float = 0
    anchor: str = "middle"

    @property
    def isolated(self) -> bool:
        return self.bridges == 0


@dataclass
class Bridge:
    a: Island
    b: Island
    shared_frameworks: list[Framework] = field(default_factory=list)
    adoptions: int = 0
    width: float = 0

    @property
    def strength(self) -> int:
        return len(self.shared_frameworks) + self.adoptions


@dataclass
class MatrixCell:
    implementations: int
    adoptions: int
    curated: bool = False
    x: float = 0
    r: float = 0

    @property
    def total(self) -> int:
        return self.implementations + self.adoptions

    @property
    def used(self) -> bool:
        return bool(self.total or self.curated)


@dataclass
class MatrixRow:
    silo: ServiceSilo
    cells: list[MatrixCell]
    y: float = 0
    drawn_cells: list[MatrixCell] = field(default_factory=list)
    pairs: list[tuple[Framework, MatrixCell]] = field(default_factory=list)


@dataclass
class Matrix:
    frameworks: list[Framework]
    rows: list[MatrixRow]
    drawn_frameworks: list[Framework]
    width: float = 0
    height: float = 0
    drawn_columns: list[tuple[Framework, float]] = field(default_factory=list)


@dataclass
class CouncilBar:
    council: Council
    value: int
    y: float = 0
    length: float = 0


def _fetch(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _silo_framework_use() -> dict[tuple[int, int], tuple[int, int, bool]]:
    """{(silo id, framework id): (implementations, adoptions, curated)} for published
    frameworks; curated means a curator lists the silo under "applied in", which
    counts as use even before anyone writes it up."""
    rows = _fetch(
        """
        SELECT coalesce(s.silo_id, c.servicesilo_id), coalesce(s.framework_id, c.framework_id),
               coalesce(s.implementations, 0), coalesce(s.adoptions, 0), c.framework_id IS NOT NULL
          FROM practices_silo_framework_stats s
          FULL JOIN practices_framework_silos c ON c.servicesilo_id = s.silo_id AND c.framework_id = s.framework_id
          JOIN practices_framework f ON f.id = coalesce(s.framework_id, c.framework_id)
         WHERE f.status = 'published'
        """
    )
    return {(silo_id, framework_id): (impl, adopt, curated) for silo_id, framework_id, impl, adopt, curated in rows}


def insights_overview() -> dict:
    """Islands, bridges, the matrix and the council tables in a fixed number of queries (seven)."""
    silos = list(ServiceSilo.objects.order_by("name"))
    totals = dict(_fetch("SELECT silo_id, case_studies FROM practices_silo_tag_stats WHERE tag_id = 0"))
    use = _silo_framework_use()
    frameworks = (
        Framework.objects.filter(status=Framework.Status.PUBLISHED)
        .only("id", "title", "slug")
        .in_bulk({framework_id for _, framework_id in use})
    )
    flows = _fetch(
        "SELECT from_silo_id, to_silo_id, adoptions FROM practices_silo_adoption_flows WHERE from_silo_id <> to_silo_id"
    )
    islands, bridges = _islands_and_bridges(silos, totals, use, frameworks, flows)
    contributors, reusers = _council_bars("contributed"), _council_bars("reused")
    return {
        "islands": islands,
        "bridges": bridges,
        "isolated": [island for island in islands if island.isolated],
        "matrix": _matrix(silos, use, frameworks),
        "contributors": contributors,
        "reusers": reusers,
        "council_charts": [
            _chart("contributors", "Councils contributing most", "Published case studies", contributors, "#1d70b8"),
            _chart("reusers", "Councils reusing most", "Reuses recorded", reusers, "#00703c"),
        ],
        "map_width": MAP_WIDTH,
        "map_height": MAP_HEIGHT,
        "bar_label_width": BAR_LABEL_WIDTH,
        "bar_width": BAR_WIDTH,
    }


def _islands_and_bridges(silos, totals, use, frameworks, flows) -> tuple[list[Island], list[Bridge]]:
    used_by: dict[int, set[int]] = {}
    for silo_id, framework_id in use:
        if framework_id in frameworks:
            used_by.setdefault(silo_id, set()).add(framework_id)
    islands = {
        silo.pk: Island(silo=silo, case_studies=totals.get(silo.pk, 0), frameworks=len(used_by.get(silo.pk, ())))
        for silo in silos
    }
    pairs: dict[tuple[int, int], Bridge] = {}
    ordered = [silo.pk for silo in silos]
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            shared = used_by.get(a, set()) & used_by.get(b, set())
            if shared:
                pairs[(a, b)] = Bridge(
                    a=islands[a],
                    b=islands[b],
                    shared_frameworks=sorted((frameworks[f] for f in shared), key=lambda f: f.title),
                )
    position = {pk: i for i, pk in enumerate(ordered)}
    for from_id, to_id, adoptions in flows:
        if from_id not in islands or to_id not in islands:
            continue
        key = (from_id, to_id) if position[from_id] < position[to_id] else (to_id, from_id)
        bridge = pairs.setdefault(key, Bridge(a=islands[key[0]], b=islands[key[1]]))
        bridge.adoptions += adoptions
    bridges = sorted(pairs.values(), key=lambda b: (-b.strength, b.a.silo.name, b.b.silo.name))
    for bridge in bridges:
        bridge.a.bridges += 1
        bridge.b.bridges += 1
    _lay_out_islands(list(islands.values()), bridges)
    return list(islands.values()), bridges


def _lay_out_islands(islands: list[Island], bridges: list[Bridge]) -> None:
    """Islands round an ellipse (alphabetical, clockwise from the top), sized by
    the square root of their case studies so area tracks the count."""
    biggest = max((island.case_studies for island in islands), default=0) or 1
    count = max(len(islands), 1)
    cx, cy = MAP_WIDTH / 2, MAP_HEIGHT / 2
    for i, island in enumerate(islands):
        angle = -math.pi / 2 + 2 * math.pi * i / count
        cos, sin = math.cos(angle), math.sin(angle)
        island.x = round(cx + MAP_RADIUS_X * cos, 1)
        island.y = round(cy + MAP_RADIUS_Y * sin, 1)
        island.r = round(
            ISLAND_MIN_RADIUS + (ISLAND_MAX_RADIUS - ISLAND_MIN_RADIUS) * math.sqrt(island.case_studies / biggest), 1
        )
        gap = island.r + 8
        island.label_x = round(island.x + gap * cos, 1)
        island.label_y = round(island.y + gap * sin + (5 if abs(sin) < 0.5 else (16 if sin > 0 else -6)), 1)
        island.anchor = "start" if cos > 0.2 else ("end" if cos < -0.2 else "middle")
    strongest = max((bridge.strength for bridge in bridges), default=0) or 1
    for bridge in bridges:
        bridge.width = round(BRIDGE_MIN_WIDTH + (BRIDGE_MAX_WIDTH - BRIDGE_MIN_WIDTH) * bridge.strength / strongest, 1)


def _matrix(silos, use, frameworks) -> Matrix:
    spread: dict[int, int] = {}
    for _, framework_id in use:
        if framework_id in frameworks:
            spread[framework_id] = spread.get(framework_id, 0) + 1
    columns = sorted(frameworks.values(), key=lambda f: (-spread.get(f.pk, 0), f.title))
    rows = [
        MatrixRow(silo=silo, cells=[MatrixCell(*use.get((silo.pk, f.pk), (0, 0, False))) for f in columns])
        for silo in silos
    ]
    drawn = columns[:MATRIX_DRAWN_FRAMEWORKS]
    biggest = max((cell.total for row in rows for cell in row.cells[: len(drawn)]), default=0) or 1
    matrix = Matrix(
        frameworks=columns,
        rows=rows,
        drawn_frameworks=drawn,
        # Room on the right for the slanted column labels of the last columns.
        width=MATRIX_LABEL_WIDTH + MATRIX_CELL * len(drawn) + 150,
        height=MATRIX_HEADER_HEIGHT + MATRIX_CELL * len(rows) + 10,
        drawn_columns=[(f, MATRIX_LABEL_WIDTH + MATRIX_CELL * (i + 0.5)) for i, f in enumerate(drawn)],
    )
    for i, row in enumerate(rows):
        row.y = MATRIX_HEADER_HEIGHT + MATRIX_CELL * (i + 0.5)
        row.pairs = [(f, cell) for f, cell in zip(columns, row.cells, strict=True) if cell.used]
        row.drawn_cells = row.cells[: len(drawn)]
        for (_, x), cell in zip(matrix.drawn_columns, row.drawn_cells, strict=True):
            cell.x = x
            # At least big enough to hold its number; at most the cell.
            cell.r = round(10 + (MATRIX_CELL / 2 - 11) * math.sqrt(cell.total / biggest), 1) if cell.total else 0
    return matrix


def _council_bars(column: str) -> list[CouncilBar]:
    # column is one of two fixed names, never user input.
    rows = _fetch(
        f"SELECT council_id, {column} FROM practices_council_stats WHERE {column} > 0 "
        f"ORDER BY {column} DESC, council_id LIMIT %s",
        [TOP_COUNCILS],
    )
    councils = Council.objects.only("id", "name", "slug").in_bulk([council_id for council_id, _ in rows])
    biggest = max((value for _, value in rows), default=0) or 1
    bars = []
    for i, (council_id, value) in enumerate(rows):
        if council_id in councils:
            bars.append(
                CouncilBar(
                    council=councils[council_id],
                    value=value,
                    y=i * (BAR_HEIGHT + 8),
                    length=round(BAR_WIDTH * value / biggest, 1),
                )
            )
    return bars


def _chart(chart_id: str, title: str, measure: str, bars: list[CouncilBar], colour: str) -> dict:
    return {
        "id": chart_id,
        "title": title,
        "measure": measure,
        "bars": bars,
        "colour": colour,
        "width": BAR_LABEL_WIDTH + BAR_WIDTH + 50,
        "height": max(len(bars), 1) * (BAR_HEIGHT + 8),
    }


def insights_csv_rows(table: str) -> tuple[list[str], list[list]]:
    """(header, rows) for the CSV download of one of the page's tables."""
    overview = insights_overview()
    if table == "bridges":
        header = ["silo", "other_silo", "shared_frameworks", "cross_silo_adoptions", "frameworks"]
        rows = [
            [
                bridge.a.silo.name,
                bridge.b.silo.name,
                len(bridge.shared_frameworks),
                bridge.adoptions,
                "; ".join(f.title for f in bridge.shared_frameworks),
            ]
            for bridge in overview["bridges"]
        ]
        rows += [[island.silo.name, "", 0, 0, "isolated"] for island in overview["isolated"]]
        return header, rows
    if table == "councils":
        header = ["council", "measure", "count"]
        rows = [[bar.council.name, "case studies contributed", bar.value] for bar in overview["contributors"]]
        rows += [[bar.council.name, "reuses recorded", bar.value] for bar in overview["reusers"]]
        return header, rows
    matrix = overview["matrix"]
    header = ["silo", "framework", "implementations", "adoptions", "listed_by_curators"]
    rows = [
        [row.silo.name, framework.title, cell.implementations, cell.adoptions, "yes" if cell.curated else "no"]
        for row in matrix.rows
        for framework, cell in zip(matrix.frameworks, row.cells, strict=True)
        if cell.total or cell.curated
    ]
    return header, rows

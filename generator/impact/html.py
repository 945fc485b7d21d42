"""The HTML report of `tlskb impact`: one self-contained file — inline CSS, an inline SVG bar
chart of the connections each key type would break, no script and no address of any other
file or host — rendered from report.Report through Jinja with autoescape, every value from the
input escaped (and stripped of control characters by printable_line first)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import jinja2

from generator import __version__
from generator.impact.report import Report
from generator.printable import printable_line

#: the chart's geometry, in SVG user units
BAR_LEFT, BAR_WIDTH, ROW = 170, 560, 28


def _finalize(value: object) -> object:
    return printable_line(value) if isinstance(value, str) else value


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                              finalize=_finalize, trim_blocks=True, lstrip_blocks=True)


def _template() -> jinja2.Template:
    text = resources.files(__package__).joinpath("templates/impact.html").read_text("utf-8")
    return _environment().from_string(text)


def chart(view, connections: int) -> dict:
    """Bars for one stack: per key type, the breaking and at-risk shares of all connections."""
    rows = []
    for index, impact in enumerate(view.key_types):
        whole = max(connections, 1)
        breaking = BAR_WIDTH * impact.connections_breaking / whole
        risk = BAR_WIDTH * impact.connections_at_risk / whole
        rows.append({"y": 10 + index * ROW, "id": impact.key_type.id,
                     "label": impact.key_type.label,
                     "breaking": round(breaking, 2), "risk": round(risk, 2),
                     "risk_x": round(BAR_LEFT + breaking, 2),
                     "text_x": round(BAR_LEFT + breaking + risk + 6, 2),
                     "count": impact.connections_breaking, "at_risk": impact.connections_at_risk,
                     "percent": f"{100 * impact.connections_breaking / whole:.1f}"})
    return {"rows": rows, "height": 20 + len(rows) * ROW, "left": BAR_LEFT, "width": BAR_WIDTH}


def render(report: Report, sources: list[str]) -> str:
    from generator.stacks import stack
    tally = report.scanned.tally
    key_count = len(report.stacks[0].key_types) if report.stacks else 0
    stacks = [{"view": view, "label": stack(view.stack).label,
               "library": stack(view.stack).library,
               "chart": chart(view, tally.connections)} for view in report.stacks]
    clients = []
    for client in report.clients:
        breaks = []
        for s, view in enumerate(report.stacks):
            ids = [k.key_type.id for i, k in enumerate(view.key_types)
                   if client.breaking[s * key_count + i]]
            if ids:
                breaks.append(f"{stack(view.stack).label}: {', '.join(ids)}"
                              if len(report.stacks) > 1 else ", ".join(ids))
        clients.append({"tally": client, "peers": client.peers.count(),
                        "peers_estimated": client.peers.estimated,
                        "names": client.names.count(), "names_estimated": client.names.estimated,
                        "examples": sorted(client.names.values or ())[:5],
                        "breaks": "; ".join(breaks) or "none"})
    return _template().render(report=report, tally=tally, stacks=stacks, clients=clients,
                              sources=sources, version=__version__,
                              flows=report.scanned.flows).strip() + "\n"

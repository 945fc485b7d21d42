"""A decoded ClientHello (tree.Node) as collapsible HTML: <details> for nodes with children,
the fields that decided a verdict highlighted and linked to the explanation."""

from __future__ import annotations

from collections.abc import Iterable

from generator.site.safe import plain
from generator.tls.tree import Node

#: verdict fields -> the extension codepoint whose node carries them
FIELD_EXTENSIONS = {"supported_groups": 10, "ec_point_formats": 11, "signature_algorithms": 13,
                    "signature_algorithms_cert": 50, "supported_versions": 43, "key_share": 51}


def decisive_keys(fields: Iterable[str]) -> set[str]:
    keys = set()
    for field in fields:
        keys.add(field)
        if field in FIELD_EXTENSIONS:
            keys.add(f"extension:{FIELD_EXTENSIONS[field]}")
    return keys


def _decides(node: Node, decisive: set[str]) -> bool:
    """Highlight the extension and its list header, not every item of the list."""
    if node.key not in decisive:
        return False
    return node.key.startswith("extension:") or node.value is None


def tree_html(root: Node, decisive: set[str], anchor: str, open_depth: int = 3) -> str:
    """Nested lists of the tree; nodes whose key is decisive get class `tlskb-decisive` and a
    link to `#{anchor}`."""
    parts: list[str] = []

    def why(node: Node) -> str:
        if not _decides(node, decisive):
            return ""
        return (f' <a class="tlskb-why" href="#{plain(anchor)}" title="This field decides a '
                f'verdict: see why">why?</a>')

    def label(node: Node) -> str:
        classes = ["tlskb-node"]
        if node.grease:
            classes.append("tlskb-grease")
        if node.generated:
            classes.append("tlskb-generated")
        if _decides(node, decisive):
            classes.append("tlskb-decisive")
        return f'<span class="{" ".join(classes)}">{plain(node.label)}</span>'

    def visit(node: Node, depth: int) -> None:
        if node.children:
            is_open = depth < open_depth or any(_decides(n, decisive) for n in node.walk())
            # the link goes after the summary: a link inside it would be a control inside a
            # control (the summary toggles its details)
            parts.append(f'<li><details{" open" if is_open else ""}><summary>{label(node)}'
                         f"</summary>{why(node)}<ul>")
            for child in node.children:
                visit(child, depth + 1)
            parts.append("</ul></details></li>")
        else:
            parts.append(f"<li>{label(node)}{why(node)}</li>")

    parts.append('<ul class="tlskb-tree">')
    visit(root, 0)
    parts.append("</ul>")
    return "".join(parts)

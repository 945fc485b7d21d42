"""Site build time: the tlskb plugin generating 1,000 cases versus MkDocs building the very
same pages written out beforehand as plain Markdown, in one run. The difference is the
generator's overhead: checking every case (schema, sample decoding, every stack's analyzer
verdicts and replays, placeholder variants) and writing its pages.

    python benchmarks/site.py [--cases 1000] [--runs 3] [--keep DIR]

The synthetic cases are the project's real cases, copied round-robin under new ids and titles,
so they quote the real recorded ClientHellos; replays are memoized per (ClientHello, key type,
stack), in the process and on disk (compat/replaycache.py), as in any build — so the timed
builds are warm, the case the 1.2× target is about — and the number of distinct replays is
printed. Each build is a separate
`mkdocs build --strict` process (interpreter start and imports included); the figure is the
median of the runs, alternating the two builds, as wall time and as CPU time.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support.site import project_copy  # noqa: E402

MKDOCS = [sys.executable, "-m", "mkdocs"]


def synthetic_cases(count: int) -> dict[str, str]:
    """{file name: YAML} for `count` cases made from the real ones under new ids and titles."""
    originals = sorted((ROOT / "cases").glob("*.yaml"))
    cases = {}
    for number in range(count):
        source = originals[number % len(originals)]
        text = source.read_text(encoding="utf-8")
        case_id = f"{source.stem}-{number:04d}"
        text, ids = re.subn(r"^id: .*$", f"id: {case_id}", text, count=1, flags=re.MULTILINE)
        text, titles = re.subn(r"^title: (.*)$", rf"title: \1 (synthetic {number})", text,
                               count=1, flags=re.MULTILINE)
        if ids != 1 or titles != 1:
            raise SystemExit(f"{source}: expected one `id:` and one single-line `title:`")
        cases[f"{case_id}.yaml"] = text
    return cases


def plain_copy(generated: Path, target: Path) -> int:
    """Write `target`: the generated project as a plain MkDocs project, its generated pages
    written out as Markdown and the tlskb plugin removed. Returns the number of pages written."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    config = load_config(config_file=str(generated / "mkdocs.yml"))
    plugin = config.plugins["tlskb"]
    # the first steps of `mkdocs build`, through the plugins' events
    config = config.plugins.on_config(config)
    config.plugins.on_pre_build(config=config)
    files = config.plugins.on_files(get_files(config), config=config)
    shutil.copytree(generated / "kb", target / "kb")
    shutil.copytree(generated / "theme-overrides", target / "theme-overrides")
    written = 0
    for src in [*plugin.sources, "index.md"]:
        file = files.get_file_from_path(src)
        content = file.content_string
        if src == "index.md":
            content = plugin.on_page_markdown(content, SimpleNamespace(file=file), config, files)
        content = with_fragments(content, plugin.fragments.get(src, {}))
        (target / "kb" / src).parent.mkdir(parents=True, exist_ok=True)
        (target / "kb" / src).write_text(content, encoding="utf-8")
        written += 1
    shim = files.get_file_from_path("assets/javascripts/tlskb-iframe-worker-shim.js")
    (target / "kb" / shim.src_uri).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(shim.abs_src_path, target / "kb" / shim.src_uri)
    settings = yaml.safe_load((generated / "mkdocs.yml").read_text(encoding="utf-8"))
    settings["plugins"] = [p for p in settings["plugins"]
                           if not (isinstance(p, dict) and "tlskb" in p)]
    settings["nav"] = config.nav
    settings.setdefault("extra", {})["polyfills"] = config.extra["polyfills"]
    (target / "mkdocs.yml").write_text(yaml.safe_dump(settings, sort_keys=False,
                                                      allow_unicode=True), encoding="utf-8")
    return written


def with_fragments(markdown: str, fragments) -> str:
    """The page as plain Markdown carrying the same HTML: each fragment's token replaced by its
    HTML (raw HTML to MkDocs; blank lines inside a block are dropped so that Markdown keeps it
    as one HTML block). The plugin inserts the same HTML after rendering instead, so both builds
    publish pages of the same size."""
    for token, fragment in fragments.items():
        html = fragment.html
        if fragment.block:
            html = "\n".join(line for line in html.split("\n") if line.strip())
        markdown = markdown.replace(token, html)
    return markdown


def timed_build(project: Path, site: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `mkdocs build` process. CPU time is the steadier
    figure on a shared machine."""
    shutil.rmtree(site, ignore_errors=True)
    environment = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([*MKDOCS, "build", "--strict", "--quiet", "--site-dir", str(site)],
                          cwd=project, env=environment, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"mkdocs build failed in {project}:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def distinct_replays(project: Path) -> tuple[int, int]:
    """(samples quoted by the cases, distinct ClientHellos among them)."""
    from generator.cases.check import check_paths
    report = check_paths([project / "cases"], replay=False)
    raws = [sample.raw for case in report.cases for sample in case.samples]
    return len(raws), len(set(raws))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build in this directory and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="tlskb-bench-site-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        generated = work / "generated"
        shutil.rmtree(generated, ignore_errors=True)
        generated.mkdir()
        project_copy(generated, synthetic_cases(args.cases))
        plain = work / "plain"
        shutil.rmtree(plain, ignore_errors=True)
        plain.mkdir()
        start = time.perf_counter()
        pages = plain_copy(generated, plain)
        export = time.perf_counter() - start
        samples, distinct = distinct_replays(generated)
        import mkdocs
        import material
        print(f"{args.cases} synthetic cases ({samples} samples, {distinct} distinct ClientHellos); "
              f"{pages} generated pages; mkdocs {mkdocs.__version__}, "
              f"mkdocs-material {material.__version__}, Python {sys.version.split()[0]}")
        print(f"  (writing the plain Markdown in-process took {export:.1f} s; not timed below)")
        with_plugin, without = [], []
        for run in range(args.runs):
            with_plugin.append(timed_build(generated, work / "site-generated"))
            without.append(timed_build(plain, work / "site-plain"))
            print(f"  run {run + 1}: tlskb plugin {with_plugin[-1][0]:6.1f} s wall "
                  f"{with_plugin[-1][1]:6.1f} s CPU   plain Markdown {without[-1][0]:6.1f} s wall "
                  f"{without[-1][1]:6.1f} s CPU")
        for index, measure in ((0, "wall"), (1, "CPU")):
            ours = statistics.median(run[index] for run in with_plugin)
            theirs = statistics.median(run[index] for run in without)
            print(f"median {measure:>4}: tlskb plugin {ours:.1f} s, plain Markdown {theirs:.1f} s;"
                  f" generator overhead {ours - theirs:+.1f} s = "
                  f"{(ours / theirs - 1) * 100:+.1f}% (target: under +20%)")
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

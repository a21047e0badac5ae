"""Open a local HTML page (a saved map) in real headless Chromium and report what happened.

:func:`check_page` loads the file in Debian's ``/usr/bin/chromium`` through Playwright (the pip package
``playwright`` drives an existing browser via ``executable_path``; its own browser download is never
used). It returns a :class:`PageReport`: JavaScript errors (console errors and uncaught exceptions),
requests that left the machine (blocked by default) or failed, what Leaflet drew (interactive SVG
paths, marker icons, layer-control labels, marker positions) and an optional PNG screenshot.

Maps saved with ``save_map(..., offline=True)`` must load with no error and no network request; online
maps report their tile and CDN requests in ``blocked_requests`` (or load them with
``allow_network=True``).

Screenshots can also be kept as artefacts (e.g. of a CI run): inside
``with keep_screenshots(folder, prefix=name):`` every page checked leaves
``folder/<prefix>-<page>.png`` as well (the test suite does this for every browser check when
``OPTIMIZER_ARTIFACTS_DIR`` or ``CI`` is set, see ``tests/conftest.py``).

Chromium runs with ``--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
--disable-background-networking --disable-component-update --disable-sync`` and a fresh profile folder
(a new ``--user-data-dir`` per call), which is what works on this project's Debian machines and CI.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer.errors import InputError, InputErrors, OptimizerError

__all__ = [
    "CHROMIUM_FLAGS",
    "BrowserUnavailableError",
    "PageReport",
    "check_page",
    "check_pages",
    "find_chromium",
    "keep_screenshots",
]

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Command-line flags passed to Chromium (the profile folder is added per call)."""

CHROMIUM_ENV = "OPTIMIZER_CHROMIUM"
"""Environment variable naming the Chromium binary; default ``/usr/bin/chromium``, then ``PATH``."""


@dataclass
class _Keep:
    folder: Path
    prefix: str
    used: set[str] = field(default_factory=set)

    def path_for(self, page: str) -> Path:
        base = f"{_safe(self.prefix)}-{_safe(page)}"
        name, k = base, 1
        while name in self.used:
            k += 1
            name = f"{base}-{k}"
        self.used.add(name)
        return self.folder / f"{name}.png"


_KEEP: list[_Keep] = []


def _safe(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", name, flags=re.ASCII).strip("_.") or "page"


@contextmanager
def keep_screenshots(folder: str | Path, *, prefix: str) -> Iterator[Path]:
    """Keep a screenshot of every page checked in this block as ``folder/<prefix>-<page>.png``.

    ``<page>`` is the stem of the screenshot path the caller asked for, else of the HTML file
    (``maps/network.html`` → ``network``); a repeated name gets ``-2``, ``-3``, … Pages checked
    without a screenshot get one taken; requested screenshots are copied. Characters other than
    ASCII letters, digits, ``_ . -`` become ``_``. Blocks nest: the innermost one applies.

    Parameters
    ----------
    folder
        Artefact folder (created).
    prefix
        Usually the test name (e.g. ``test_run_pages_load_in_a_real_browser``).

    Yields
    ------
    pathlib.Path
        ``folder``.

    Raises
    ------
    InputError
        If ``prefix`` is empty.
    """
    if not str(prefix).strip():
        raise InputError("keep_screenshots needs a non-empty prefix (e.g. the test name)",
                         field="prefix")
    keep = _Keep(Path(folder), str(prefix))
    keep.folder.mkdir(parents=True, exist_ok=True)
    _KEEP.append(keep)
    try:
        yield keep.folder
    finally:
        _KEEP.remove(keep)


class BrowserUnavailableError(OptimizerError, RuntimeError):
    """Chromium or the Playwright driver is not installed."""


@dataclass(frozen=True)
class PageReport:
    """What a real browser saw when it opened a page.

    Attributes
    ----------
    url
        The ``file://`` URL opened.
    js_errors
        Console messages of type ``error`` (other than failed resource loads) and uncaught
        exceptions (``"uncaught: <message>"``), in order.
    resource_errors
        Console "Failed to load resource" messages (one per failed or blocked load).
    warnings
        Console messages of type ``warning``.
    blocked_requests
        URLs the page asked for that are not ``file:``/``data:``/``blob:`` and were blocked
        (``allow_network=False``).
    failed_requests
        Requests that failed for another reason (e.g. a missing local file), as ``"url (error)"``.
    n_interactive
        Elements with class ``leaflet-interactive`` (SVG paths of polygons, lines and circle markers,
        plus clickable marker icons).
    n_paths
        ``path.leaflet-interactive`` elements: polygons, lines, circle markers.
    n_marker_icons
        Elements in Leaflet's marker pane (``.leaflet-marker-pane > *``): default, awesome-markers and
        div-icon markers and marker clusters (awesome markers carry ``awesome-marker-icon``, not
        ``leaflet-marker-icon``, so that class alone undercounts).
    n_tiles_loaded
        Tile images that finished loading (``img.leaflet-tile-loaded``).
    layer_names
        Labels of the layer control (base layers then overlays), stripped.
    marker_latlngs
        ``(lat, lng)`` in degrees of every ``L.Marker`` on every Leaflet map of the page, as Leaflet
        holds them (i.e. in the tiles' datum: GCJ-02 on AMap tiles).
    title
        The document title.
    screenshot
        Path of the PNG written, or None.
    boxes
        For each CSS selector passed as ``measure``: the bounding box ``(x, y, width, height)`` in
        CSS pixels of the first visible match in the viewport's coordinates, or None when no
        element matches or it is not displayed.
    """

    url: str
    js_errors: tuple[str, ...]
    resource_errors: tuple[str, ...]
    warnings: tuple[str, ...]
    blocked_requests: tuple[str, ...]
    failed_requests: tuple[str, ...]
    n_interactive: int
    n_paths: int
    n_marker_icons: int
    n_tiles_loaded: int
    layer_names: tuple[str, ...]
    marker_latlngs: tuple[tuple[float, float], ...] = field(default=())
    title: str = ""
    screenshot: Path | None = None
    boxes: dict[str, tuple[float, float, float, float] | None] = field(default_factory=dict)

    def overlap(self, first: str, second: str) -> bool:
        """True when the boxes of two measured selectors intersect (share more than an edge).

        Raises
        ------
        KeyError
            If a selector was not measured.
        """
        a, b = self.boxes[first], self.boxes[second]
        if a is None or b is None:
            return False
        return (a[0] < b[0] + b[2] and b[0] < a[0] + a[2]
                and a[1] < b[1] + b[3] and b[1] < a[1] + a[3])

    @property
    def ok(self) -> bool:
        """True when there was no JS error, no failed request and no blocked request."""
        return not (self.js_errors or self.failed_requests or self.blocked_requests)

    def summary(self) -> str:
        """One-paragraph human-readable summary (for logs and assertion messages)."""
        return (
            f"{self.url}: {len(self.js_errors)} JS error(s) {list(self.js_errors)[:3]}, "
            f"{len(self.blocked_requests)} blocked {list(self.blocked_requests)[:3]}, "
            f"{len(self.failed_requests)} failed {list(self.failed_requests)[:3]}; "
            f"drew {self.n_paths} path(s), {self.n_marker_icons} marker icon(s); "
            f"layers {list(self.layer_names)}"
        )


def find_chromium() -> str | None:
    """Locate a Chromium binary.

    Returns
    -------
    str or None
        ``$OPTIMIZER_CHROMIUM`` if set and executable, else ``/usr/bin/chromium``, else the first of
        ``chromium``/``chromium-browser`` on ``PATH``; None if none exists.
    """
    env = os.environ.get(CHROMIUM_ENV, "").strip()
    if env and os.access(env, os.X_OK):
        return env
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


_COLLECT_JS = """
() => {
  const q = (s) => document.querySelectorAll(s).length;
  const labels = Array.from(document.querySelectorAll(
      '.leaflet-control-layers-base label, .leaflet-control-layers-overlays label'))
    .map(l => l.textContent.replace(/\\s+/g, ' ').trim());
  const latlngs = [];
  if (window.L) {
    for (const k of Object.keys(window)) {
      let v;
      try { v = window[k]; } catch (e) { continue; }
      if (v instanceof L.Map) {
        v.eachLayer(l => { if (l instanceof L.Marker) { const p = l.getLatLng(); latlngs.push([p.lat, p.lng]); } });
      }
    }
  }
  return {
    n_interactive: q('.leaflet-interactive'),
    n_paths: q('path.leaflet-interactive'),
    n_marker_icons: q('.leaflet-marker-pane > *'),
    n_tiles_loaded: q('img.leaflet-tile-loaded'),
    layer_names: labels,
    marker_latlngs: latlngs,
    n_maps: q('.leaflet-container'),
  };
}
"""


def check_page(
    html_path: str | Path,
    *,
    screenshot: str | Path | None = None,
    timeout_s: float = 30.0,
    allow_network: bool = False,
    viewport: tuple[int, int] = (1280, 800),
    settle_ms: int = 500,
    measure: Sequence[str] = (),
) -> PageReport:
    """Open a local HTML file in headless Chromium and report errors, requests and drawn layers.

    Parameters
    ----------
    html_path
        The page (e.g. written by :func:`optimizer.outputs.maps.save_map`).
    screenshot
        Where to write a PNG of the viewport; None for none. Parent folders are created.
    timeout_s
        Seconds allowed for starting the browser, loading the page and taking the screenshot.
    allow_network
        False (default): every request that is not ``file:``, ``data:`` or ``blob:`` is aborted and
        listed in ``blocked_requests``. True: requests go out (tiles, CDN).
    viewport
        Browser viewport ``(width, height)`` in CSS pixels.
    settle_ms
        Milliseconds to wait after the load event (fonts, ``fitBounds``) before collecting.
    measure
        CSS selectors whose bounding boxes to report in :attr:`PageReport.boxes` (e.g.
        ``(".opt-title-box", ".leaflet-control-layers")`` to check that they do not overlap).

    Returns
    -------
    PageReport

    Raises
    ------
    InputError
        If ``html_path`` does not exist or ``timeout_s`` is not positive.
    BrowserUnavailableError
        If Chromium or the ``playwright`` package is missing (the message says how to install them:
        ``apt-get install chromium``; ``pip install playwright`` — never ``playwright install``).

    Notes
    -----
    Uses Playwright's synchronous API, which cannot run inside a running asyncio event loop
    (e.g. a Jupyter cell); call it from a script or a test. To check several pages, use
    :func:`check_pages`, which starts the browser once.
    """
    return check_pages(
        [html_path],
        screenshots=None if screenshot is None else [screenshot],
        timeout_s=timeout_s,
        allow_network=allow_network,
        viewport=viewport,
        settle_ms=settle_ms,
        measure=measure,
    )[0]


def check_pages(
    html_paths: Sequence[str | Path],
    *,
    screenshots: Sequence[str | Path | None] | None = None,
    timeout_s: float = 30.0,
    allow_network: bool = False,
    viewport: tuple[int, int] = (1280, 800),
    settle_ms: int = 500,
    measure: Sequence[str] = (),
) -> list[PageReport]:
    """Check several local pages in one Chromium session (each in its own fresh tab).

    Parameters
    ----------
    html_paths
        The pages, in order.
    screenshots
        One PNG path (or None) per page; None for no screenshots at all.
    timeout_s, allow_network, viewport, settle_ms, measure
        As in :func:`check_page` (per page).

    Returns
    -------
    list of PageReport
        One per page, in input order.

    Raises
    ------
    InputError
        If a page does not exist, ``screenshots`` has the wrong length or ``timeout_s`` is not positive.
    BrowserUnavailableError
        If Chromium or the ``playwright`` package is missing.
    """
    paths = [Path(p).resolve() for p in html_paths]
    missing = [InputError(f"no such HTML file: {p}", file=str(p)) for p in paths if not p.is_file()]
    if missing:
        raise missing[0] if len(missing) == 1 else InputErrors(missing)
    shots = [None] * len(paths) if screenshots is None else list(screenshots)
    if len(shots) != len(paths):
        raise InputError(f"{len(shots)} screenshot path(s) for {len(paths)} page(s)", field="screenshots")
    if not timeout_s > 0:
        raise InputError(f"timeout_s must be > 0; got {timeout_s!r}", field="timeout_s")
    exe = find_chromium()
    if exe is None:
        raise BrowserUnavailableError(
            "Chromium not found (looked at $OPTIMIZER_CHROMIUM, /usr/bin/chromium, PATH); "
            "install Debian's browser with `apt-get install -y chromium`"
        )
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BrowserUnavailableError(
            "the browser check needs the Python package 'playwright' (pip install playwright, or the "
            "project's [test] extra); do not run `playwright install`: Debian's chromium is used"
        ) from exc

    timeout_ms = float(timeout_s) * 1000.0
    reports: list[PageReport] = []
    profile = tempfile.mkdtemp(prefix="optimizer-chromium-")
    try:
        with sync_playwright() as pw:
            try:
                ctx = pw.chromium.launch_persistent_context(
                    profile,
                    executable_path=exe,
                    headless=True,
                    args=list(CHROMIUM_FLAGS),
                    viewport={"width": int(viewport[0]), "height": int(viewport[1])},
                    timeout=timeout_ms,
                )
            except PlaywrightError as exc:
                raise BrowserUnavailableError(f"could not start Chromium at {exe}: {exc}") from exc
            try:
                for path, shot in zip(paths, shots):
                    reports.append(
                        _check_one(ctx, path, shot, timeout_ms=timeout_ms,
                                   allow_network=allow_network, settle_ms=settle_ms,
                                   measure=tuple(measure))
                    )
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return reports


def _check_one(
    ctx: Any, path: Path, screenshot: str | Path | None, *, timeout_ms: float, allow_network: bool,
    settle_ms: int, measure: tuple[str, ...] = (),
) -> PageReport:
    url = path.as_uri()
    js_errors: list[str] = []
    resource_errors: list[str] = []
    warns: list[str] = []
    blocked: list[str] = []
    failed: list[str] = []

    def on_console(msg: Any) -> None:
        text = msg.text
        if msg.type == "error":
            (resource_errors if text.startswith("Failed to load resource") else js_errors).append(text)
        elif msg.type == "warning":
            warns.append(text)

    def on_route(route: Any) -> None:
        req_url = route.request.url
        if allow_network or req_url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(req_url)
            route.abort("blockedbyclient")

    def on_failed(req: Any) -> None:
        if req.url not in blocked:
            failed.append(f"{req.url} ({req.failure})")

    page = ctx.new_page()
    shot: Path | None = None
    try:
        page.on("console", on_console)
        page.on("pageerror", lambda exc: js_errors.append(f"uncaught: {exc}"))
        page.on("requestfailed", on_failed)
        page.route("**/*", on_route)
        # folium's map script is inline and synchronous: by the load event the map exists (or has
        # failed, and js_errors says why); settle_ms lets fonts and fitBounds finish.
        page.goto(url, wait_until="load", timeout=timeout_ms)
        page.wait_for_timeout(max(0, int(settle_ms)))
        info = page.evaluate(_COLLECT_JS)
        title = page.title()
        boxes: dict[str, tuple[float, float, float, float] | None] = {}
        for sel in measure:
            el = page.query_selector(sel)
            bb = el.bounding_box() if el is not None else None
            boxes[sel] = (None if bb is None else
                          (float(bb["x"]), float(bb["y"]), float(bb["width"]), float(bb["height"])))
        if screenshot is not None:
            shot = Path(screenshot)
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=False, timeout=timeout_ms)
        if _KEEP:
            kept = _KEEP[-1].path_for(Path(screenshot).stem if screenshot is not None else path.stem)
            if shot is not None:
                shutil.copyfile(shot, kept)
            else:
                page.screenshot(path=str(kept), full_page=False, timeout=timeout_ms)
    finally:
        page.close()
    return PageReport(
        url=url,
        js_errors=tuple(js_errors),
        resource_errors=tuple(resource_errors),
        warnings=tuple(warns),
        blocked_requests=tuple(blocked),
        failed_requests=tuple(failed),
        n_interactive=int(info["n_interactive"]),
        n_paths=int(info["n_paths"]),
        n_marker_icons=int(info["n_marker_icons"]),
        n_tiles_loaded=int(info["n_tiles_loaded"]),
        layer_names=tuple(str(s) for s in info["layer_names"]),
        marker_latlngs=tuple((float(a), float(b)) for a, b in info["marker_latlngs"]),
        title=title,
        screenshot=shot,
        boxes=boxes,
    )

"""The privacy scan of a run folder: no personal data in any file outside ``dispatch/``.

Every file a run publishes (everything but ``dispatch/``) is read back as text (cells for XLSX) and
checked for

* the personal values the services declare (:class:`optimizer.services.base.PersonalData`:
  names and phone numbers of patients and drivers, as exact substrings),
* exact points (homes, vehicle bases): a file that shows such a point to 5 decimals (about 1 m),
  as two consecutive numbers (``lon, lat`` or ``lat, lon``, as GeoJSON and Leaflet write them)
  or both on one line of a table, is refused,
* CSV headers that look personal (:func:`optimizer.outputs.maps.personal_columns`).

The scan names the file and whose value it is (``patient DP001 name``), never the value itself.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "t.csv").write_text("ride,island\\nR001,ISL001\\n", encoding="utf-8")
>>> scan_published(d, ["t.csv"], texts=("韩某德",), points=())
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from optimizer.errors import PrivacyError

__all__ = ["assert_folder_publishable", "scan_published"]

TEXT_SUFFIXES = (".csv", ".html", ".htm", ".md", ".json", ".geojson", ".txt", ".svg")
"""Files read as UTF-8 text by the scan; ``.xlsx`` is read cell by cell; others (PNG) are not
text and carry no values."""

POINT_DECIMALS = 5
"""Decimals of degrees compared for exact points (1e-5 degree is about 1 m at 30° N)."""

_NUMBER = re.compile(r"-?\d{1,3}\.\d{" + str(POINT_DECIMALS) + r",}")


def _text(path: Path) -> str:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                             for v in row if v is not None)
        finally:
            wb.close()
    if path.suffix.lower() in TEXT_SUFFIXES:
        return path.read_bytes().decode("utf-8-sig", errors="replace")
    return ""


_PAIR_GAP = re.compile(r"[^\[\]{}()]{0,24}")
"""What may stand between the two numbers of a pair on a long line: up to 24 characters and no
bracket or brace (``122.3, 29.9``, ``"lon": 122.3, "lat": 29.9``, ``POINT (122.3 29.9)``, a CSV
``122.3,29.9``), so one coordinate pair's latitude and the next pair's longitude (``…, 29.9],
[122.4, …``, across GeoJSON features, polygon vertices or rows of a JSON array) are no pair."""


def _pairs(text: str) -> set[tuple[int, int]]:
    """Coordinate-like number pairs of a text, at :data:`POINT_DECIMALS` (both orders): every two
    numbers on one line of up to 2,000 characters, and on longer lines every two consecutive
    numbers with only :data:`_PAIR_GAP` between them. (Consecutive numbers across brackets made
    a point of one position's latitude and the next one's longitude: on the 10 x dataset's maps
    of 38,309 demand points those mixed points fell on dozens of the 32,000 homes by chance.)"""
    scale = 10 ** POINT_DECIMALS
    out: set[tuple[int, int]] = set()
    for line in text.splitlines():
        if len(line) > 2000:
            found = list(_NUMBER.finditer(line))
            near = ((round(float(a.group()) * scale), round(float(b.group()) * scale))
                    for a, b in zip(found, found[1:])
                    if _PAIR_GAP.fullmatch(line, a.end(), b.start()))
        else:
            nums = [round(float(m) * scale) for m in _NUMBER.findall(line)]
            near = ((a, b) for i, a in enumerate(nums) for b in nums[i + 1:])
        for a, b in near:
            out.update(((a, b), (b, a)))
    return out


def _header_problems(path: Path, text: str) -> list[str]:
    if path.suffix.lower() != ".csv" or not text:
        return []
    from optimizer.outputs.maps import personal_columns

    header = next(iter(text.splitlines()), "")
    bad = personal_columns(h.strip().strip('"') for h in header.split(","))
    return [f"columns {bad} look personal"] if bad else []


def _trie_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    """One regular expression matching any of ``words``, built as a prefix tree, so a search
    costs about one pass over the text whatever the number of words (thousands of names and
    phones); ``None`` when there are no words."""
    trie: dict[str, dict] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def rx(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + rx(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(rx(trie)) if trie else None


def _texts_found(text: str, needles: Sequence[str], pattern: re.Pattern[str] | None
                 ) -> list[str]:
    """The needles that occur in ``text``: one prefix-tree search first (a clean file, the usual
    case, costs one pass), then each needle only if the search found something."""
    if pattern is None or pattern.search(text) is None:
        return []
    return [t for t in needles if t in text]


_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")
"""Embedded images and fonts (base64): letters and digits that are no record ids."""


_TOKEN = re.compile(r"[0-9A-Za-z_]+")
"""Maximal runs of letters, digits and ``_``: a record id made of these is found as a whole
token exactly when one of these runs equals it."""


class _IdFinder:
    """Record ids as whole tokens (``DP001`` but not ``DP0010`` or ``XDP001``).

    Ids of letters, digits and ``_`` only (all of the product's) are looked up in a set, one
    pass over the text's tokens; others (``V01-2``) each by its own regular expression, so ids
    that overlap (``11`` inside ``11.``) are each found. (One alternation of all ids cost
    O(text x ids): minutes on the 10 x dataset's 32,000 patient and household ids; and it
    reported only one of two overlapping ids.)
    """

    def __init__(self, ids: Sequence[str]) -> None:
        ids = sorted({str(i).strip() for i in ids if len(str(i).strip()) >= 2})
        self.plain = frozenset(i for i in ids if _TOKEN.fullmatch(i))
        self.other = [(i, re.compile("(?<![0-9A-Za-z_])" + re.escape(i) + "(?![0-9A-Za-z_])"))
                      for i in ids if i not in self.plain]

    def __bool__(self) -> bool:
        return bool(self.plain) or bool(self.other)

    def findall(self, text: str) -> list[str]:
        """The ids that occur in ``text`` as whole tokens (plain ids with repeats, the others
        once each; in no set order)."""
        found = [t for t in _TOKEN.findall(text) if t in self.plain] if self.plain else []
        return found + [i for i, rx in self.other if rx.search(text)]


def _id_pattern(ids: Sequence[str]) -> _IdFinder | None:
    """Record ids as whole tokens (:class:`_IdFinder`); None without ids."""
    finder = _IdFinder(ids)
    return finder if finder else None


def scan_published(out_dir: Path, files: Iterable[str], *, texts: Sequence[str],
                   points: Sequence[tuple[float, float]],
                   owners: Mapping[str, str] | None = None,
                   ids: Sequence[str] = ()) -> list[str]:
    """Problems found in the published files (empty list = clean).

    Parameters
    ----------
    out_dir
        The run folder.
    files
        Paths relative to ``out_dir``; those under ``dispatch/`` are skipped.
    texts
        Personal values (names, phones); values shorter than 2 characters are ignored.
    points
        Exact (lon, lat) points in EPSG:4326 degrees that must not be shown.
    owners
        Whose each text is, used in the messages instead of the value.
    ids
        Record ids of people (patient ids, household ids), found as whole tokens outside
        embedded base64 data; published files name people by per-run pseudonyms or counts.

    Returns
    -------
    list of str
        One line per problem: ``"<file>: <whose value>"``.
    """
    owners = owners or {}
    scale = 10 ** POINT_DECIMALS
    needles = [t for t in dict.fromkeys(str(t).strip() for t in texts) if len(t) >= 2]
    pattern = _trie_pattern(needles)
    id_rx = _id_pattern(ids)
    exact = [(round(lon * scale), round(lat * scale)) for lon, lat in points]
    problems: list[str] = []
    for rel in files:
        if rel.startswith("dispatch/"):
            continue
        path = Path(out_dir) / rel
        text = _text(path)
        problems += [f"{rel}: {p}" for p in _header_problems(path, text)]
        problems += [f"{rel}: {owners.get(t, 'a personal value')} appears"
                     for t in _texts_found(text, needles, pattern)]
        found = sorted(set(id_rx.findall(_DATA_URI.sub("", text)))) if id_rx else []
        if found:
            problems.append(f"{rel}: {len(found)} record id(s) of people appear (e.g. "
                            f"{owners.get(found[0], found[0])})")
        if exact:
            pairs = _pairs(text)
            hits = sum(1 for xy in exact if xy in pairs)
            if hits:
                problems.append(f"{rel}: {hits} exact home/base point(s) appear "
                                f"(lon and lat to {POINT_DECIMALS} decimals)")
    return problems


def assert_folder_publishable(out_dir: Path, files: Iterable[str], *, texts: Sequence[str],
                              points: Sequence[tuple[float, float]],
                              owners: Mapping[str, str] | None = None,
                              ids: Sequence[str] = ()) -> None:
    """Run :func:`scan_published` and raise if anything is found.

    Raises
    ------
    optimizer.errors.PrivacyError
        Listing every problem (file and whose value), never the values.
    """
    problems = scan_published(out_dir, files, texts=texts, points=points, owners=owners,
                              ids=ids)
    if problems:
        raise PrivacyError("personal data would be published outside dispatch/:\n  - "
                           + "\n  - ".join(problems), field="privacy")

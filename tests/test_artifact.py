"""Index artifacts: `build-index --artifact` packs one checked file; `install-index` verifies it and swaps it in
atomically, and refuses a damaged, truncated or foreign artifact with the live index untouched."""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from index import artifact
from index.artifact import ArtifactError, install_artifact, read_header, write_artifact
from index.build import build_index, live_build
from index.schema import SCHEMA_VERSION
from index.search import CodeIndex

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "codes.jsonl"


@pytest.fixture(scope="module")
def packed(tmp_path_factory) -> Path:
    """An artifact of the fixture corpus, made by the command line."""
    folder = tmp_path_factory.mktemp("artifact")
    target = folder / "index.tar.gz"
    done = subprocess.run([sys.executable, "-m", "service", "build-index", "--corpus", str(FIXTURE),
                           "--index", str(folder / "built"), "--quiet", "--artifact", str(target)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"artifact {target}" in done.stdout
    return target


@pytest.fixture()
def live(tmp_path) -> Path:
    """An index directory already serving a build of the fixture corpus."""
    index_dir = tmp_path / "live"
    build_index(FIXTURE, index_dir, progress=False)
    return index_dir


def _members(path: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    """Every member of an artifact with its bytes."""
    with tarfile.open(path, "r:gz") as tar:
        return [(m, tar.extractfile(m).read()) for m in tar.getmembers()]


def _repack(members: list[tuple[str, bytes]], target: Path) -> Path:
    """Write (name, bytes) members as a gzip tar."""
    with tarfile.open(target, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def _with_header(source: Path, target: Path, change) -> Path:
    """A copy of an artifact whose artifact.json is changed, with its trailer checksum made to match."""
    members = [(m.name, data) for m, data in _members(source)]
    header = json.loads(members[0][1])
    change(header)
    raw = json.dumps(header).encode()
    members[0] = (artifact.HEADER, raw)
    members[-1] = (artifact.TRAILER, hashlib.sha256(raw).hexdigest().encode())
    return _repack(members, target)


def _assert_untouched(index_dir: Path, before: Path) -> None:
    """The live build is the one before, it still answers, and no staging folder is left behind."""
    assert live_build(index_dir) == before
    assert CodeIndex(index_dir).get("E0601")["code"] == "E0601"
    assert [p.name for p in (index_dir / "builds").iterdir() if p.name.startswith(".")] == []


def test_artifact_header_holds_the_manifest_and_every_file_checksum(packed):
    header = read_header(packed)
    assert header["format"] == "codesearch-index" and header["format_version"] == 1
    assert header["schema_version"] == SCHEMA_VERSION and header["record_count"] == 12
    assert header["corpus_sha256"] == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    assert header["built_at"].endswith("+00:00") and header["code_version"].startswith("0.")
    names = [m.name for m, _ in _members(packed)]
    assert names[0] == "artifact.json" and names[-1] == "artifact.json.sha256"
    assert sorted(n[len("index/"):] for n in names[1:-1]) == sorted(header["files"])
    assert "manifest.json" in header["files"]


def test_install_into_an_empty_directory_serves_the_packed_build(packed, tmp_path):
    done = subprocess.run([sys.executable, "-m", "service", "install-index", str(packed),
                           "--index", str(tmp_path / "replica")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    header = read_header(packed)
    assert live_build(tmp_path / "replica").name == header["build_id"]
    index = CodeIndex(tmp_path / "replica")
    assert index.manifest()["corpus_sha256"] == header["corpus_sha256"]
    assert [h.code for h in index.search("cpap").hits][:1] == ["E0601"]


def test_install_swaps_a_live_index_and_a_second_install_changes_nothing(packed, live):
    before = live_build(live)
    first = install_artifact(packed, live)
    assert first["changed"] and live_build(live) != before
    assert live_build(live).name == read_header(packed)["build_id"]
    again = install_artifact(packed, live)
    assert not again["changed"] and live_build(live).name == read_header(packed)["build_id"]


def test_installed_files_are_byte_for_byte_the_packed_build(packed, tmp_path):
    installed = Path(install_artifact(packed, tmp_path / "replica")["path"])
    for name, expected in read_header(packed)["files"].items():
        assert hashlib.sha256((installed / name).read_bytes()).hexdigest() == expected["sha256"]


@pytest.mark.parametrize("keep", [0.02, 0.3, 0.7, 0.98])
def test_truncated_artifact_is_refused_and_the_live_index_untouched(packed, live, tmp_path, keep):
    before = live_build(live)
    data = packed.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(ArtifactError, match="truncated|unreadable"):
        install_artifact(cut, live)
    _assert_untouched(live, before)


def test_a_damaged_index_file_fails_its_checksum(packed, live, tmp_path):
    before = live_build(live)
    members = [(m.name, data) for m, data in _members(packed)]
    segment = next(i for i, (name, _) in enumerate(members) if name.endswith(".seg"))
    name, data = members[segment]
    members[segment] = (name, data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    with pytest.raises(ArtifactError, match=r"\.seg: checksum mismatch"):
        install_artifact(_repack(members, tmp_path / "bad.tar.gz"), live)
    _assert_untouched(live, before)


def test_a_changed_header_fails_the_trailer_checksum(packed, live, tmp_path):
    before = live_build(live)
    members = [(m.name, data) for m, data in _members(packed)]
    header = json.loads(members[0][1])
    header["record_count"] = 13
    members[0] = (members[0][0], json.dumps(header).encode())
    with pytest.raises(ArtifactError, match="artifact.json: checksum mismatch"):
        install_artifact(_repack(members, tmp_path / "bad.tar.gz"), live)
    _assert_untouched(live, before)


@pytest.mark.parametrize("change, message", [
    (lambda h: h.update(schema_version=SCHEMA_VERSION + 1), "this code reads schema version"),
    (lambda h: h.update(schema_version=None), "this code reads schema version"),
    (lambda h: h.update(format="something-else"), "not a codesearch-index artifact"),
    (lambda h: h.update(format_version=2), "format version"),
    (lambda h: h.update(build_id="../escape"), "bad build id"),
    (lambda h: h.update(record_count=13), "disagree on record_count"),
    (lambda h: h.pop("corpus_sha256"), "lacks corpus_sha256"),
])
def test_an_artifact_this_code_cannot_read_is_refused(packed, live, tmp_path, change, message):
    before = live_build(live)
    with pytest.raises(ArtifactError, match=message):
        install_artifact(_with_header(packed, tmp_path / "foreign.tar.gz", change), live)
    _assert_untouched(live, before)


@pytest.mark.parametrize("edit, message", [
    (lambda m: m + [("index/../../escape", b"x")], "unexpected member"),
    (lambda m: [x for x in m if not x[0].endswith("manifest.json")], "files missing"),
    (lambda m: m[:-1], "truncated"),
    (lambda m: m[:2] + [m[1]] + m[2:], "unexpected member"),
])
def test_unexpected_or_missing_members_are_refused(packed, live, tmp_path, edit, message):
    before = live_build(live)
    members = [(m.name, data) for m, data in _members(packed)]
    trailer = members.pop()
    members = edit(members) + ([trailer] if message != "truncated" else [])
    with pytest.raises(ArtifactError, match=message):
        install_artifact(_repack(members, tmp_path / "odd.tar.gz"), live)
    _assert_untouched(live, before)


def test_not_an_archive_is_refused(live, tmp_path):
    before = live_build(live)
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"this is not a gzip file at all" * 100)
    with pytest.raises(ArtifactError):
        install_artifact(junk, live)
    with pytest.raises(ArtifactError, match="no such file"):
        install_artifact(tmp_path / "missing.tar.gz", live)
    _assert_untouched(live, before)


def test_cli_refusal_exits_2_and_says_the_live_index_is_unchanged(packed, live, tmp_path):
    before = live_build(live)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(packed.read_bytes()[:5000])
    done = subprocess.run([sys.executable, "-m", "service", "install-index", str(cut), "--index", str(live)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "the live index is unchanged" in done.stderr and "Traceback" not in done.stderr
    _assert_untouched(live, before)


def test_write_artifact_refuses_an_unfinished_build(tmp_path):
    (tmp_path / "half").mkdir()
    with pytest.raises(ArtifactError, match="not a complete build"):
        write_artifact(tmp_path / "half", tmp_path / "out.tar.gz")
    assert not (tmp_path / "out.tar.gz").exists()

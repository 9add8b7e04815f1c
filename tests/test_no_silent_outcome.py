"""No silent outcome: every input path gets a line, a missing path fails, numeric
options are validated, read commands never create a data directory, and an
over-long question is refused — each with its exit code and Japanese message."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from base.errors import HomeMissing, RetrievalError
from base.settings import MAX_TOP_K, Settings
from indexer.catalog import Batch, Catalog
from shirube.cli import main as cli_main
from shirube.engine import Shirube

LEAVE = "標市職員の休暇に関する規程\n第1条 職員は、年次休暇を一の年において二十日取得することができる。\n"
TRAVEL = "旅費の支給について\n出張の日当は、一日につき二千円とする。宿泊料は一夜につき一万千円を上限とする。\n"


@pytest.fixture
def env(db_url, monkeypatch):
    monkeypatch.setenv("SHIRUBE_DB_URL", db_url)
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    monkeypatch.setenv("SHIRUBE_PARSE_IN_SUBPROCESS", "false")
    return db_url


@pytest.fixture
def folder(tmp_path) -> Path:
    d = tmp_path / "docs"
    (d / "sub").mkdir(parents=True)
    (d / ".git").mkdir()
    (d / "kyuka.txt").write_text(LEAVE, encoding="utf-8")
    (d / "sub" / "ryohi.txt").write_text(TRAVEL, encoding="utf-8")
    (d / ".draft.txt").write_text(TRAVEL + "下書き\n", encoding="utf-8")
    (d / "sub" / ".secret.txt").write_text("秘密\n", encoding="utf-8")
    (d / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    (d / "qa.jsonl").write_text("{}\n", encoding="utf-8")
    (d / ".shirubeignore").write_text("qa.jsonl\n", encoding="utf-8")
    (d / "link").symlink_to(d / "sub", target_is_directory=True)
    return d


def _batches(db_url: str) -> int:
    cat = Catalog(db_url)
    try:
        with cat.session() as s:
            return s.scalar(select(func.count()).select_from(Batch))
    finally:
        cat.close()


# -- every input path gets a line -------------------------------------------------------
def test_hidden_and_ignored_files_are_named_as_skipped(env, folder, tmp_path, capsys):
    home = tmp_path / "home"
    assert cli_main(["--home", str(home), "ingest", str(folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    got = {Path(f["source"]).relative_to(folder).as_posix(): (f["result"], f["reason"]) for f in report["files"]}
    assert got == {
        "kyuka.txt": ("ok", None), "sub/ryohi.txt": ("ok", None),
        ".draft.txt": ("skipped", "スキップ（隠しファイル）"),
        "sub/.secret.txt": ("skipped", "スキップ（隠しファイル）"),
        ".git": ("skipped", "スキップ（隠しフォルダ）"),
        "qa.jsonl": ("skipped", "スキップ（.shirubeignore）"),
        "link": ("skipped", "スキップ（通常のファイルではありません）"),  # a link to a folder is not followed
    }
    # in the text report too, and a hidden file named explicitly is ingested
    assert cli_main(["--home", str(home), "ingest", str(folder / ".draft.txt"), str(folder / "sub")]) == 0
    out = capsys.readouterr().out
    assert "取り込み 1 / 重複 1 / エラー 0 / スキップ 1" in out
    assert f"[取込] {folder / '.draft.txt'}" in out
    assert f"[スキップ] {folder / 'sub' / '.secret.txt'} — スキップ（隠しファイル）" in out


def test_a_missing_path_fails_without_an_empty_batch(env, tmp_path, capsys):
    home = tmp_path / "home"
    rc = cli_main(["--home", str(home), "ingest", "/no/such/file.pdf", "/no/such/dir"])
    cap = capsys.readouterr()
    assert rc == 1 and cap.out == ""
    assert cap.err == "エラー: /no/such/file.pdf、/no/such/dir: ファイルまたはフォルダがありません\n"
    assert _batches(env) == 0


def test_a_missing_path_beside_good_ones_is_an_error_line_and_exit_1(env, folder, tmp_path, capsys):
    home = tmp_path / "home"
    rc = cli_main(["--home", str(home), "ingest", str(folder / "kyuka.txt"), "/no/such/file.pdf", "--json"])
    cap = capsys.readouterr()
    assert rc == 1
    files = json.loads(cap.out)["files"]
    assert [(f["result"], f["reason"]) for f in files] == [("ok", None), ("error", "ファイルまたはフォルダがありません")]
    assert cap.err == "エラー: /no/such/file.pdf: ファイルまたはフォルダがありません\n"
    assert _batches(env) == 1


def test_an_unreadable_folder_is_an_error(env, folder, tmp_path, monkeypatch, capsys):
    real_walk = os.walk

    def walk(top, onerror=None, **kw):  # as when the folder's mode is 000 (root ignores modes)
        if Path(top) == folder / "sub" or Path(top) == folder:
            onerror(PermissionError(13, "Permission denied", str(top)))
            return iter(())
        return real_walk(top, onerror=onerror, **kw)

    monkeypatch.setattr(os, "walk", walk)
    home = tmp_path / "home"
    assert cli_main(["--home", str(home), "ingest", str(folder)]) == 1
    assert capsys.readouterr().err == f"エラー: {folder}: フォルダを読めません: Permission denied\n"
    assert not home.exists() or _batches(env) == 0
    # one readable folder beside it: a batch, the unreadable one an error line, exit 1
    other = tmp_path / "other"
    other.mkdir()
    (other / "kyuka.txt").write_text(LEAVE, encoding="utf-8")
    assert cli_main(["--home", str(home), "ingest", str(other), str(folder)]) == 1
    cap = capsys.readouterr()
    assert f"[エラー] {folder} — フォルダを読めません: Permission denied" in cap.out
    assert "取り込み 1 / 重複 0 / エラー 1" in cap.out


# -- numeric options ----------------------------------------------------------------------
@pytest.mark.parametrize("argv, expected", [
    (["search", "休暇", "-k", "-5"], f"argument -k: 1〜{MAX_TOP_K} の整数で指定してください（指定値: -5）"),
    (["search", "休暇", "-k", "0"], f"argument -k: 1〜{MAX_TOP_K} の整数で指定してください（指定値: 0）"),
    (["ask", "休暇は何日", "-k", "101"], f"argument -k: 1〜{MAX_TOP_K} の整数で指定してください（指定値: 101）"),
    (["search", "休暇", "-k", "三"], "argument -k: 整数で指定してください（指定値: 三）"),
    (["audit", "list", "--limit", "0"], "argument --limit: 1〜100000 の整数で指定してください（指定値: 0）"),
    (["delete", "-3"], "argument document_id: 1〜"),
    (["serve-llm", "--model", "bundled", "--port", "70000"], "argument --port: 1〜65535 の整数で指定してください"),
])
def test_numeric_options_are_validated(tmp_path, capsys, argv, expected):
    with pytest.raises(SystemExit) as exc:
        cli_main(["--home", str(tmp_path / "home"), *argv])
    assert exc.value.code == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "home").exists()


def test_engine_validates_k(tmp_path, folder):
    sh = Shirube(Settings.load(home=tmp_path / "home", env={}, embedder="fake", parse_in_subprocess=False))
    try:
        sh.ingest([folder])
        for bad in (0, -5, MAX_TOP_K + 1, True, 2.5):
            with pytest.raises(RetrievalError, match=f"件数 k は 1〜{MAX_TOP_K} の整数"):
                sh.search("休暇", k=bad)
            with pytest.raises(RetrievalError, match="件数 k"):
                sh.ask("年次休暇は何日ですか", k=bad)
        assert len(sh.search("休暇", k=1)) == 1
    finally:
        sh.close()


# -- read commands never create a data directory ----------------------------------------------
READS = [
    ["search", "休暇"], ["ask", "年次休暇は何日ですか"], ["status"], ["documents"], ["audit", "list"],
    ["audit", "verify"], ["audit", "export"], ["eval", "--qa", "samples/qa.jsonl"], ["delete", "1"],
    ["relabel", "1", "--label", "2"], ["user", "list"], ["user", "disable", "sato"], ["sft-data"],
]


@pytest.mark.parametrize("argv", READS, ids=[" ".join(a[:2]) for a in READS])
def test_read_commands_refuse_a_missing_home(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    home = tmp_path / "typo-home"
    assert cli_main(["--home", str(home), *argv]) == 1
    assert capsys.readouterr().err == f"エラー: データディレクトリがありません: {home}（shirube ingest で作成されます）\n"
    assert not home.exists()


def test_ingest_user_add_and_reindex_create_the_home(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    for i, argv in enumerate((["reindex"], ["user", "add", "sato", "--role", "admin", "--password", "hitsuji-to-yagi"])):
        home = tmp_path / f"h{i}"
        assert cli_main(["--home", str(home), *argv]) == 0, capsys.readouterr().err
        assert home.is_dir()
    with pytest.raises(HomeMissing):
        Shirube.open(home=tmp_path / "nope", create=False)
    assert not (tmp_path / "nope").exists()


# -- over-long questions -------------------------------------------------------------------
def test_over_long_question_is_refused(env, folder, tmp_path, capsys):
    home = tmp_path / "home"
    assert cli_main(["--home", str(home), "ingest", str(folder)]) == 0
    long_q = "年次休暇は何日ですか" * 101  # 1010 characters
    for cmd in ("search", "ask"):
        capsys.readouterr()
        assert cli_main(["--home", str(home), cmd, long_q]) == 1
        assert capsys.readouterr().err == (
            "エラー: 質問が長すぎます（1010文字、上限1000文字）。要点を短くして再度お試しください。\n")
    sh = Shirube.open(home=home, create=False, max_question_chars=20)
    try:
        with pytest.raises(RetrievalError, match="上限20文字"):
            sh.ask("年次休暇は何日取得することができますか、教えてください")
        assert sh.search("年次休暇は何日ですか")  # within the limit
    finally:
        sh.close()

"""Verify the audit log: chain, ids, keyed MACs, external checkpoints and the head anchor.

:func:`check` returns a :class:`Verification`: ``problems`` (tampering found)
and ``unproven`` (what this configuration cannot prove, with the id range), so
``shirube audit verify`` never says 「改ざんなし」 about rows it cannot vouch for.

What each part proves (README "Security and reliability"):

* the plain SHA-256 chain + ``audit.head``: edits, deletions and reorders made
  *without* recomputing the chain;
* gapless ids (assigned under the append lock): a deleted row, even with the
  chain recomputed around it;
* a key (HMAC rows): any forged, edited or re-chained row — the database
  administrator does not hold the key;
* external checkpoints: every row up to the newest checkpoint, including
  deleting the tail or every row; rows after it can still be cut off.

>>> check(catalog, anchor, seal).problems                     # doctest: +SKIP
[]
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from indexer.catalog import AuditEvent, Catalog

from .audit_seal import (
    GENESIS, Seal, anchor_mac, append_checkpoint, chain_hash, mac_ok, make_checkpoint, read_anchor, read_checkpoints,
)


@dataclass
class Verification:
    """The outcome of one verification."""

    events: int = 0
    last_id: int = 0
    keyed: bool = False  # a key was configured
    proven_to: int = 0  # every row up to this id is proven by an external checkpoint
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    unproven: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line for the CLI and the app."""
        if self.problems:
            return f"監査ログに改ざん・削除の痕跡があります（{len(self.problems)} 件）"
        how = "鍵付きハッシュチェーン検証済み" if self.keyed else "ハッシュチェーン検証済み・鍵なし"
        cp = f"、外部チェックポイントで行 {self.proven_to} まで証明" if self.proven_to else ""
        return f"監査ログ: {self.events} 件、改ざんは見つかりません（{how}{cp}）"


def _rng(a: int, b: int) -> str:
    return f"行 {a}" if a == b else f"行 {a}–{b}"


def check(catalog: Catalog, anchor: str | Path | None = None, seal: Seal | None = None) -> Verification:
    key = seal.key if seal else None
    v = Verification(keyed=key is not None)
    p = v.problems
    expected, prev_id = GENESIS, 0
    seen: dict[int, str] = {}
    plain_to = 0  # rows 1..plain_to carry an unkeyed hash (written before the key was configured)
    keyed_seen = False
    with catalog.session() as s:
        for ev in s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
            if ev.id != prev_id + 1:
                p.append(f"監査ログ: {_rng(prev_id + 1, ev.id - 1)} がありません（削除された）"
                         f" / ids {prev_id + 1}-{ev.id - 1} missing (rows deleted)")
            if ev.prev_hash != expected:
                p.append(
                    f"監査ログ {ev.id} 行目: 直前の行との連結が切れています（前の行が削除・改ざん・並べ替えされた）"
                    f" / row {ev.id}: prev_hash does not match the previous row (row deleted, edited or reordered)"
                )
            args = (ev.prev_hash, ev.at, ev.user, ev.action, ev.detail or {})
            if key is not None and hmac.compare_digest(ev.hash, chain_hash(*args, key=key)):
                keyed_seen = True
            elif ev.hash == chain_hash(*args):
                if keyed_seen:
                    p.append(f"監査ログ {ev.id} 行目: 鍵なしのハッシュです（鍵の設定後の行としては偽造）"
                             f" / row {ev.id}: unkeyed hash after keyed rows (forged)")
                elif key is not None:
                    plain_to = ev.id
            else:
                p.append(
                    f"監査ログ {ev.id} 行目: 内容がハッシュと一致しません（改ざん）"
                    f" / row {ev.id}: content does not match its hash (edited"
                    + (", or written without the audit key)" if key is not None else ")")
                )
            expected, prev_id = ev.hash, ev.id
            seen[ev.id] = ev.hash
        v.events, v.last_id = len(seen), prev_id
        if seal is not None and seal.checkpoint_file is not None:
            _checkpoints(s, v, seal, seen)
    _anchor(v, anchor, key if keyed_seen else None, seen)
    _unproven(v, seal, plain_to)
    return v


def _checkpoints(s, v: Verification, seal: Seal, seen: dict[int, str]) -> None:
    key, path = seal.key, seal.checkpoint_file
    cps, bad = read_checkpoints(path)
    v.problems.extend(bad)
    v.checkpoints = len(cps)
    for cp in cps:
        where = f"チェックポイント（{path} の {cp['_line']} 行目、行 {cp['last_id']}、{cp.get('at')}）"
        # with a key, a MAC'd checkpoint must verify; one without a MAC (written before the key)
        # is still compared with the rows but proves nothing: anyone could have appended it
        unkeyed = cp.get("mac") is None
        if key is not None and not unkeyed and not mac_ok(key, cp):
            v.problems.append(f"{where}: MAC が一致しません（偽造、または別の鍵） / checkpoint MAC invalid")
            continue
        last = cp["last_id"]
        if last == 0:  # a checkpoint of the empty log proves nothing
            continue
        if last not in seen:
            v.problems.append(f"{where} が証明する行がありません（削除された）。現在の最終行は {v.last_id}"
                              f" / row {last} named by a checkpoint is missing")
            continue
        if not hmac.compare_digest(seen[last], cp["head"]):
            v.problems.append(f"{where}: 行 {last} までの内容がチェックポイントと一致しません（書き換え）"
                              f" / rows up to {last} differ from the checkpoint")
            continue
        if cp.get("count") is not None:
            n = s.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.id <= last)).scalar()
            if n != cp["count"]:
                v.problems.append(f"{where}: 行 {last} までの件数 {n} がチェックポイントの {cp['count']} 件と違います"
                                  f" / row count differs from the checkpoint")
                continue
        if key is None or not unkeyed:
            v.proven_to = max(v.proven_to, last)


def _anchor(v: Verification, anchor: str | Path | None, key, seen: dict[int, str]) -> None:
    head = read_anchor(anchor) if anchor is not None else None
    if head is None:
        return
    hid, hhash, hmac_ = head
    # key: rows were written with the key, so the anchor must carry a valid MAC
    if key is not None and (hmac_ is None or not hmac.compare_digest(hmac_, anchor_mac(key, hid, hhash))):
        v.problems.append(f"監査ログ: {anchor} の MAC が一致しません（書き換え） / anchor MAC missing or invalid")
    elif hid not in seen:
        v.problems.append(
            f"監査ログ: 記録済みの最新行 {hid} がありません（末尾の行が削除された）"
            f" / row {hid} named by the anchor is missing (rows cut off the end); last row is {v.last_id}"
        )
    elif seen[hid] != hhash:
        v.problems.append(
            f"監査ログ {hid} 行目: アンカーのハッシュと一致しません / row {hid} does not match the anchor hash"
        )


def _unproven(v: Verification, seal: Seal | None, plain_to: int) -> None:
    key = seal.key if seal else None
    cp_file = seal.checkpoint_file if seal else None
    top = v.last_id
    if key is None and top > v.proven_to:
        v.unproven.append(
            f"{_rng(v.proven_to + 1, top)}: 鍵が設定されていないため、データベースに書き込める者による書き換えは"
            f"検出できません（audit_key_file を設定してください）"
        )
    elif key is not None and plain_to > v.proven_to:
        v.unproven.append(
            f"{_rng(v.proven_to + 1, plain_to)}: 鍵の設定前に書かれた行です。鍵で保護されていないため、"
            f"データベースに書き込める者による書き換えは検出できません（shirube audit checkpoint で封印できます）"
        )
    if cp_file is None:
        v.unproven.append(
            "外部チェックポイント（audit_checkpoint_file）が設定されていないため、末尾の行や全行の削除は"
            "データディレクトリ内の audit.head でしか検出できません"
        )
    elif top > v.proven_to:
        v.unproven.append(
            f"{_rng(v.proven_to + 1, top)}: 最後の外部チェックポイントより後の行です。"
            f"末尾からの削除は検出できません"
        )


def verify(catalog: Catalog, anchor: str | Path | None = None, seal: Seal | None = None) -> list[str]:
    """Problems found in the chain (empty list: intact)."""
    return check(catalog, anchor, seal).problems


def checkpoint(catalog: Catalog, seal: Seal | None = None) -> dict:
    """A checkpoint of the newest row (appended to the external file when one is configured)."""
    with catalog.session() as s:
        last = s.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
        n = s.execute(select(func.count()).select_from(AuditEvent)).scalar() or 0
    cp = make_checkpoint(seal.key if seal else None, last.id if last else 0, n, last.hash if last else GENESIS)
    if seal is not None and seal.checkpoint_file is not None:
        append_checkpoint(seal.checkpoint_file, cp)
    return cp


__all__ = ["Verification", "check", "verify", "checkpoint"]

"""Short and everyday names of things government text names in full.

Staff ask about 国保 and マイナンバーカード; the law says 国民健康保険 and
個人番号カード. A key term of a question counts as found where its full name
(or its short name) is written. The table is small and closed on purpose:
names whose meaning is fixed in administrative Japanese, not guesses at
paraphrase.

>>> written_forms("国保")
('国保', '国民健康保険')
>>> written_forms("マイナンバーカード")
('マイナンバーカード', '個人番号カード')
>>> written_forms("会社")  # a question about work asks what the labour laws say of the 使用者
('会社', '使用者', '事業主', '事業者')
>>> written_forms("赤ちゃん")
('赤ちゃん', '乳児', '生児')
>>> written_forms("町長")  # the national laws name every town's head so
('町長', '地方公共団体の長', '市町村長')
>>> written_forms("住民票")
('住民票',)
"""

from __future__ import annotations

# short or everyday name → the names the documents use for the same thing
_ALIASES: dict[str, tuple[str, ...]] = {
    "国保": ("国民健康保険",),
    "社保": ("社会保険",),
    "健保": ("健康保険",),
    "マイナンバー": ("個人番号",),
    "マイナンバーカード": ("個人番号カード",),
    "マイナ保険証": ("健康保険証", "被保険者証"),
    "育休": ("育児休業",),
    "産休": ("産前産後休業", "産前休業", "産後休業"),
    "介護休": ("介護休業",),
    "有休": ("年次有給休暇", "有給休暇"),
    "有給": ("年次有給休暇", "有給休暇"),
    "労基法": ("労働基準法",),
    "労基署": ("労働基準監督署",),
    "ハローワーク": ("公共職業安定所",),
    "入管法": ("出入国管理及び難民認定法",),
    "入管": ("出入国在留管理",),
    "個情法": ("個人情報の保護に関する法律", "個人情報保護法"),
    "個人情報保護法": ("個人情報の保護に関する法律",),
    "情報公開法": ("行政機関の保有する情報の公開に関する法律",),
    "番号法": ("行政手続における特定の個人を識別するための番号の利用等に関する法律",),
    "住基": ("住民基本台帳",),
    "住民税": ("市町村民税", "道府県民税", "個人住民税"),
    # the workplace in everyday words and in the labour laws' (労働基準法, 雇用保険法, 労働安全衛生法)
    "従業員": ("労働者",),
    "社員": ("労働者",),
    "会社": ("使用者", "事業主", "事業者"),
    "給料": ("賃金",),
    "残業": ("時間外労働",),
    "職員": ("労働者",),  # 職員が退職し…: the labour laws say 労働者 of any employer's staff
    # a child in everyday words and in the laws' (労働基準法の生児, 児童手当の児童)
    "赤ちゃん": ("乳児", "生児"),
    "子ども": ("児童",),
    # a town's or city's head as the national laws name every one (個人情報保護法 第百六十七条の地方公共団体の長)
    "市長": ("地方公共団体の長", "市町村長"),
    "町長": ("地方公共団体の長", "市町村長"),
    "村長": ("地方公共団体の長", "市町村長"),
}
# and back: the full name stands for its short forms too (国民健康保険 → 国保)
_BACK: dict[str, tuple[str, ...]] = {}
for _short, _full in _ALIASES.items():
    for _name in _full:
        _BACK[_name] = _BACK.get(_name, ()) + (_short,)


def written_forms(word: str) -> tuple[str, ...]:
    """``word`` and the other names the same thing is written with, ``word`` first."""
    return (word,) + tuple(x for x in _ALIASES.get(word, ()) + _BACK.get(word, ()) if x != word)

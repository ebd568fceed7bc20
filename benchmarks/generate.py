#!/usr/bin/env python3
"""A deterministic synthetic paper-notes repository, for benchmarking ``papernotes lint`` against peers.

    python benchmarks/generate.py OUT --notes N --seed S [--force]

The tree is shaped like the real repositories of ``FIELD-GUIDE.md``: a README with a VS Code TOC, topic
indexes in ``notes/*.md`` (about one per 40 papers), one note per paper (``resources/notes/d0001/``,
``notes/papers/`` or ``papers/<venue>/<year>/``, picked per repository by the seed) and pasted images.

About 1% of each defect kind lint reports is planted, and every planted defect is listed in
``OUT/.defects.json`` as ``{"kind", "rule", "file", "line"}``: ``rule`` is the ``papernotes lint`` rule
expected to report it (``DEFECT_RULES``; null for TOC defects, which ``papernotes toc --check`` owns), lines
are 1-based, file-level defects (``unused-image``, ``orphan-note``, ``duplicate-note``) use line 1, and
``duplicate-note`` names the copy whose path sorts last. A location can carry two kinds when one mistake is
two findings: a stale TOC item is also a broken anchor, a title broken over two lines leaves its note
orphaned (the second line is no link), a second title for one id is also a duplicate entry.

Same N and seed give a byte-identical tree: every random choice comes from a ``random.Random`` seeded with a
string naming what it decides (never the global RNG), nothing depends on time or on directory order. Papers
are planned from (seed, number) alone, so a note can link to another note's headings by re-planning it,
and files are written one at a time: memory stays flat at 100,000 notes.

Only the standard library and ``papernotes.slug`` (for exact GitHub anchors) are used, so the script runs on
a fresh clone after ``pip install -e .``.
"""

from __future__ import annotations

import argparse
import bisect
import json
import posixpath
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from papernotes.slug import Slugger, github_slug

__all__ = ["DEFECT_KINDS", "DEFECT_RULES", "MAX_NOTES", "PNG", "Summary", "generate", "main"]

# The smallest valid PNG (1x1, RGBA, transparent): linters only check that images exist.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
assert len(PNG) == 67

# Planted defect kinds -> the ``papernotes lint`` rule that reports them. A kind is the rule's name when one
# kind maps to one rule, finer where a rule covers several shapes; TOC kinds (None) are the toc command's.
DEFECT_RULES: dict[str, str | None] = {
    "merge-conflict": "merge-conflict",
    "duplicate-entry": "duplicate-entry",
    "duplicate-title": "duplicate-entry",
    "conflicting-id": "conflicting-id",
    "broken-link": "broken-link",
    "link-case-mismatch": "link-case-mismatch",
    "absolute-local-path": "absolute-local-path",
    "broken-anchor": "broken-anchor",
    "missing-image": "missing-image",
    "unused-image": "unused-image",
    "invalid-paper-id": "invalid-paper-id",
    "date-id-mismatch": "date-id-mismatch",
    "invalid-front-matter": "frontmatter-invalid",
    "unquoted-id": "frontmatter-invalid",
    "broken-title": "malformed-entry",
    "unbalanced-bracket": "malformed-entry",
    "empty-todo": "empty-todo",
    "empty-section": "empty-section",
    "heading-level": "heading-level",
    "stale-toc": None,
    "collapsed-toc": None,
    "orphan-note": "orphan-note",
    "duplicate-note": "duplicate-note",
}
DEFECT_KINDS = tuple(DEFECT_RULES)
# broken-anchor comes in two flavours, planted in different files; each is its own placement kind.
_PLACEMENTS = (*(k for k in DEFECT_KINDS if k != "broken-anchor"), "anchor-github", "anchor-vscode")

# Months covered by arXiv ids: 2012-01 .. 2023-12. Ids before 2015 have four digits after the dot.
_FIRST_YEAR, _MONTHS = 2012, 144
_NOTE_MIN, _NOTE_MAX = 3 * 1024, 8 * 1024
# Beyond this, months before 2015 run out of distinct four-digit arXiv serials.
MAX_NOTES = 1_000_000
_PAPERS_PER_INDEX = (28, 52)

# -- vocabulary ----------------------------------------------------------------------------------------------

_SYLLABLES = ("ba", "ke", "lo", "mi", "nu", "ra", "si", "to", "va", "ze", "qi", "fu", "do", "gi", "hy", "ju")
# No suffix starts with one of the syllables above, so the lower-cased acronym decodes to its number alone:
# titles (and the note names made from them) are unique even on case-insensitive file systems.
_ACRONYM_SUFFIXES = ("BERT", "Former", "Net", "GPT", "LM", "T5", "Seg", "Rec", "Prompt", "CLIP", "XL", "Mix")
_ADJ = (
    "Efficient",
    "Robust",
    "Scalable",
    "Unified",
    "Contrastive",
    "Sparse",
    "Adaptive",
    "Hierarchical",
    "Multilingual",
    "Self-supervised",
    "Lightweight",
    "Continual",
    "Cross-lingual",
    "Retrieval-Augmented",
    "Tokenization-Free",
    "Differentiable",
    "Generative",
    "Dynamic",
    "Structured",
    "Knowledge-Enhanced",
)
_NOUN = (
    "Pre-training",
    "Transformers",
    "Language Models",
    "Encoders",
    "Representations",
    "Attention",
    "Distillation",
    "Prompt Tuning",
    "Mixture of Experts",
    "Graph Networks",
    "Embeddings",
    "Decoders",
    "Tokenizers",
    "Retrievers",
    "Adapters",
)
_TASK = (
    "Language Understanding",
    "Text Generation",
    "Machine Translation",
    "Question Answering",
    "Sentence Matching",
    "Commonsense Reasoning",
    "Information Extraction",
    "Dialogue Systems",
    "Code Search",
    "Image Captioning",
    "Speech Recognition",
    "Recommendation",
    "Document Ranking",
    "Named Entity Recognition",
    "Summarization",
)
_TITLE_SHAPES = (
    "{a}: {adj} {noun} for {task}",
    "{a}: {adj} {noun} for {task}",
    "{a}: Towards {adj} {noun} with {noun2}",
    "{adj} {noun} for {task} with {a}",
    "{a}: Rethinking {noun} in {task}",
    "{noun} Is (Almost) All You Need: {a} for {task}",
    "Don't Stop {noun}: {a} Adapts {noun2} to {task}",
    "How {adj} are {noun}? Probing {a} on {task}",
    "{a} Understands {task}, Too",
    "{a}: A {adj} Framework for {task} and Beyond",
)
_ZH_ADJ = (
    "高效的",
    "鲁棒的",
    "统一的",
    "对比学习的",
    "稀疏的",
    "自适应的",
    "层次化的",
    "多语言的",
    "自监督的",
)
_ZH_NOUN = ("预训练", "语言模型", "编码器", "表示学习", "注意力机制", "知识蒸馏", "提示学习", "专家混合")
_ZH_TASK = ("自然语言理解", "文本生成", "机器翻译", "问答", "句子匹配", "常识推理", "信息抽取", "对话系统")
_ORGS = ("THU", "Microsoft", "Facebook", "Google", "OpenAI", "Baidu", "Alibaba", "PKU", "CMU", "DeepMind")
_VENUES = ("ACL", "EMNLP", "NAACL", "ICLR", "NeurIPS", "ICML", "AAAI", "KDD", "CVPR", "SIGIR", "COLING")
_TAGS = ("nlp", "pretraining", "bert", "distillation", "multimodal", "retrieval", "efficiency", "generation")
_USERS = ("alice", "bob", "zhangwei", "li")

# (file name, tag used in note names, Chinese title, README group)
_TOPICS = (
    ("PretrainedLanguageModel", "pretrainlm", "预训练语言模型", "自然语言处理 NLP"),
    ("KnowledgeDistillation", "kd", "知识蒸馏", "模型压缩 Compression"),
    ("Attention", "attention", "注意力机制", "自然语言处理 NLP"),
    ("MachineTranslation", "mt", "机器翻译", "自然语言处理 NLP"),
    ("QuestionAnswering", "qa", "问答系统", "自然语言处理 NLP"),
    ("Multimodal", "mm", "多模态", "多模态 Multimodal"),
    ("Retrieval", "ir", "信息检索", "检索与推荐 IR & RecSys"),
    ("Recommendation", "rec", "推荐系统", "检索与推荐 IR & RecSys"),
    ("Quantization", "quant", "量化与剪枝", "模型压缩 Compression"),
    ("PromptLearning", "prompt", "提示学习", "自然语言处理 NLP"),
    ("GraphNeuralNetwork", "gnn", "图神经网络", "图学习 Graphs"),
    ("FastReading", "fast", "快速阅读", "杂项 Misc"),
)
_CATEGORIES = (
    "模型",
    "蒸馏",
    "应用",
    "原理",
    "Models",
    "Analysis 分析",
    "Efficiency",
    "多任务 Multi-task",
    "Benchmarks 评测",
    "数据增强",
    "Surveys 综述",
)
_EMPTY_CATEGORIES = ("待读", "TODO", "其他 Misc", "Ideas 想法")

_ZH_SENTENCES = (
    "对 BERT 架构进行了两次修改，重新排列了层归一化和残差连接的顺序，这对大规模模型来说至关重要。",
    "每个令牌都用两个位置 id 进行编码，第一个表示损坏文本中的位置，第二个表示跨度内的位置。",
    "掩码跨度占原始令牌的 15%，跨度长度取自 λ = 3 的泊松分布。",
    "通过在目标域再训练时加入对源模型参数的正则化，尽量避免遗忘源语言的信息。",
    "采用多任务训练方式，逐层降低学习率，并在微调时逐层解冻。",
    "命名实体、词组级别的 mask，以及基于对话语言模型的数据扩充。",
    "输入编码采用 Unicode，针对词表进行 Hash 降维，中间部分使用 4 个字符进行合并。",
    "上层比下层产生更多特定于上下文的表示，所有词在嵌入空间中占据一个狭窄的锥。",
    "在实体分类以及实体关系的预测上效果不错，但对长尾实体帮助有限。",
    "使用 Margin-Loss 拉开最佳假设与其他假设之间的距离。",
    "参数共享有三种方式：只共享前馈网络、只共享注意力、共享全部参数，默认共享全部参数。",
    "实验表明在低资源场景下提升明显，尤其是小样本设置。",
    "作者没有开源训练代码，复现难度较大，只能参考社区的实现。",
    "推理速度提升 3 倍，参数量减少到原来的十分之一，精度基本持平。",
    "把下游任务统一改写成生成任务，同一个模型即可处理理解与生成。",
    "负例通过交换一篇文档中两个连续句子的顺序构造，用来替代 NSP 任务。",
    "温度参数 T 越大，softmax 输出的分布越平滑，学生模型学到的暗知识越多。",
    "这个思路和课程学习很像：先学简单样本，再逐步加大难度。",
    "个人感觉消融实验不够充分，没有单独验证每个模块的作用。",
    "数据清洗的细节写在附录里，值得仔细看一下。",
)
_EN_SENTENCES = (
    "The model is pre-trained on 160GB of text with a batch size of 8K sequences.",
    "Dynamic masking changes the masked positions every time a sequence is fed to the model.",
    "Removing the next sentence prediction objective slightly improves downstream results.",
    "Span lengths are drawn from a Poisson distribution with lambda = 3.",
    "The teacher's soft labels carry more information than the hard labels alone.",
    "Layer normalisation is moved before the residual connection to stabilise training.",
    "Results on GLUE and SQuAD are reported as the median of five runs.",
    "The authors release the code and the checkpoints under an Apache-2.0 licence.",
    "A linear warm-up over the first 10,000 steps is followed by a linear decay.",
    "Cross-layer parameter sharing cuts the parameter count by almost an order of magnitude.",
    "Relative position encodings generalise better to sequences longer than those seen in training.",
    "The gains shrink as the amount of labelled data grows.",
    "Ablations show that the auxiliary loss matters more than the architecture change.",
    "Evaluation uses exact match and F1, averaged over three seeds.",
    "Not clear why the method fails on the adversarial split; the paper does not discuss it.",
)
_SECTIONS = (
    ("1 INTRODUCTION 引言", "引言", "Introduction"),
    ("2 RELATED WORK 相关工作", "相关工作", "Related Work"),
    ("3 METHOD 方法", "方法", "Method"),
    ("4 EXPERIMENTS 实验", "实验", "Experiments"),
    ("5 ANALYSIS 分析", "分析", "Analysis"),
    ("6 CONCLUSION 结论", "结论", "Conclusion"),
)
_SUBSECTIONS = (
    "2D Positional Encoding",
    "Pre-training Objectives",
    "模型结构 Model Architecture",
    "实验设置",
    "消融实验（Ablation Study）",
    "思考：为什么有效？",
    "【个人总结】",
    "《原文》要点",
    "Q&A 问答",
    "Limitations、Future Work",
    "Why does it work?",
    "C++ 实现 (CUDA)",
    "Fine-tuning GLM",
    "小结",
    "Summary",
    "数据集 Datasets",
)
_TAIL_SECTIONS = ("总结", "思考", "参考资料 References", "Summary")
_STALE_OLD = ("TODO 待补充", "草稿 Draft", "Notes", "临时标题")
_CODE_BLOCKS = (
    (
        "```python",
        "# 计算缩放点积注意力",
        "scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)",
        "# mask 掉 padding 位置",
        "scores = scores.masked_fill(mask == 0, -1e9)",
        "attn = scores.softmax(dim=-1)",
        "```",
    ),
    (
        "```",
        "# training log",
        "=======",
        "epoch 1 | loss 2.3104 | ppl 10.08",
        "epoch 2 | loss 1.9876 | ppl 7.30",
        "=======",
        "```",
    ),
    (
        "```bash",
        "# 下载预训练权重",
        "python run_pretrain.py --config configs/{acr}.yaml --fp16",
        "```",
    ),
    (
        "```yaml",
        "# 超参数",
        "lr: 1e-4",
        "batch_size: 256",
        "warmup_steps: 10000",
        "```",
    ),
    (
        "```python",
        "def distill_loss(student, teacher, labels, T=2.0):",
        "    # KL on softened distributions, scaled by T^2 as in Hinton et al.",
        "    soft = F.kl_div(F.log_softmax(student / T, -1), F.softmax(teacher / T, -1))",
        "    return soft * T * T + F.cross_entropy(student, labels)",
        "```",
    ),
)
_TABLES = (
    ("| Model | Params | GLUE | 备注 |", "| --- | --- | --- | --- |"),
    ("| 数据集 | 指标 | Baseline | Ours |", "| --- | --- | ---: | ---: |"),
)


# -- plans ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Image:
    path: str  # repository-relative
    place: str  # "index", "note" or "unused"


@dataclass(frozen=True, slots=True)
class Paper:
    """Everything about one paper that other files may need; recomputed from (seed, number) on demand."""

    number: int
    noted: bool
    defect: str | None
    arxiv: str | None
    year: int
    month: int
    day: int
    venue: str
    org: str
    acronym: str
    title: str
    translation: str | None
    suffix: str | None
    url: str  # the paper's main URL
    code: str | None
    note: str | None  # repository-relative path of the note (also set for a broken link's missing target)
    h1: str
    headings: tuple[tuple[int, str], ...]
    anchors: tuple[str, ...]  # GitHub anchors of h1 + headings, in order
    images: tuple[Image, ...]
    front: str | None  # "block", "flow" or None
    toc: bool
    copy_of: int | None  # duplicate-note: the paper whose note this one repeats


@dataclass(frozen=True, slots=True)
class IndexPlan:
    number: int
    path: str
    title: str
    group: str
    tag: str
    style: str  # "heading" or "list"
    start: int
    end: int


@dataclass(slots=True)
class Summary:
    files: int = 0
    bytes: int = 0
    notes: int = 0
    indexes: int = 0
    images: int = 0
    defects: list[dict[str, object]] = field(default_factory=list)


def _acronym(number: int, suffix: str) -> str:
    digits = []
    while True:
        number, digit = divmod(number, len(_SYLLABLES))
        digits.append(digit)
        if number == 0 and len(digits) >= 2:
            break
    stem = "".join(_SYLLABLES[d] for d in reversed(digits))
    return stem.capitalize() + suffix


def _arxiv_id(number: int, salt: int) -> tuple[str, int, int]:
    """A unique valid arXiv id for paper *number*: its month cycles, its serial is a bijection of the rest."""
    # 89 is coprime with 144: consecutive papers land in scattered months, and (month, rank) stays unique.
    month_index, rank = number * 89 % _MONTHS, number // _MONTHS
    year, month = _FIRST_YEAR + month_index // 12, month_index % 12 + 1
    if year < 2015:
        serial = 1 + (rank * 7919 + salt * month_index) % 9999  # gcd(7919, 9999) == 1: ranks never collide
        return f"{year % 100:02d}{month:02d}.{serial:04d}", year, month
    serial = 1 + (rank * 7919 + salt * month_index) % 29999  # gcd(7919, 29999) == 1
    return f"{year % 100:02d}{month:02d}.{serial:05d}", year, month


def _words_slug(text: str, sep: str) -> str:
    return sep.join("".join(c if c.isalnum() else " " for c in text).split()[:16])


class _Generator:
    """The repository-level plan (layout, indexes, who carries which defect) and the writing loop."""

    def __init__(self, notes: int, seed: int) -> None:
        self.seed = seed
        self.notes = notes
        rng = random.Random(f"{seed}:repo")
        # Papers beyond the notes are written inline in the indexes (link-less entries, URL-only list items).
        self.papers = notes + max(8, notes // 8)
        self.salt = rng.randrange(10_000)
        self.layout = rng.choice(("resources", "notes-papers", "venue-year"))
        dirs = ["assets", "resources/images/{shard}", "source/images"]
        rng.shuffle(dirs)
        self.image_dirs = tuple(dirs[: rng.randint(1, 3)])
        inline = rng.sample(range(self.papers), self.papers - notes)
        self.inline = bytearray(self.papers)
        for number in inline:
            self.inline[number] = 1
        self.indexes = self._plan_indexes(rng)
        self.starts = [ix.start for ix in self.indexes]
        self.defects = self._place_defects(rng)
        self.plan = lru_cache(maxsize=2048)(self._plan)  # neighbours and partners sit within a few hundred
        self.partners = self._pick_partners()
        self.summary = Summary()
        self.made_dirs: set[str] = set()
        self.out = Path()

    # -- repository-level plan ---------------------------------------------------------------------------

    def _plan_indexes(self, rng: random.Random) -> list[IndexPlan]:
        plans: list[IndexPlan] = []
        used: dict[str, int] = {}
        start = 0
        while start < self.papers:
            size = rng.randint(*_PAPERS_PER_INDEX)
            if self.papers - (start + size) < _PAPERS_PER_INDEX[0]:
                size = self.papers - start  # no tiny last index
            name, tag, title, group = rng.choice(_TOPICS)
            used[name] = used.get(name, 0) + 1
            count = used[name]
            # The first two indexes take both styles, so even a small repository has every entry shape.
            k = len(plans)
            style = ("heading", "list")[k] if k < 2 else rng.choice(("heading", "heading", "list"))
            plans.append(
                IndexPlan(
                    number=k,
                    path=f"notes/{name}{count if count > 1 else ''}.md",
                    title=title if count == 1 else f"{title}（{count}）",
                    group=group,
                    tag=tag,
                    style=style,
                    start=start,
                    end=start + size,
                )
            )
            start += size
        return plans

    def index_of(self, number: int) -> IndexPlan:
        return self.indexes[bisect.bisect_right(self.starts, number) - 1]

    def _place_defects(self, rng: random.Random) -> dict[int, str]:
        """Which paper carries which defect: one defect per paper, about 1% of the notes per kind."""
        count = max(1, round(self.notes / 100))
        heading = bytearray(self.papers)
        for ix in self.indexes:
            if ix.style == "heading":
                heading[ix.start : ix.end] = b"\1" * (ix.end - ix.start)

        def pool(noted: bool, heading_only: bool) -> list[int]:
            chosen = [
                n for n in range(self.papers) if self.inline[n] != noted and (heading[n] or not heading_only)
            ]
            rng.shuffle(chosen)
            return chosen

        noted_any, noted_heading = pool(True, False), pool(True, True)
        inline_any, inline_heading = pool(False, False), pool(False, True)
        wants = {
            "broken-link": (inline_any,),
            "unbalanced-bracket": (inline_heading, inline_any),
            "broken-title": (noted_heading,),
            "empty-todo": (noted_heading,),
            "heading-level": (noted_heading,),
            "anchor-vscode": (noted_heading,),
        }
        defects: dict[int, str] = {}
        for kind in _PLACEMENTS:
            per_kind = max(1, count // 2) if kind.startswith("anchor-") else count
            for candidates in wants.get(kind, (noted_any,)):
                while per_kind and candidates:
                    number = candidates.pop()
                    if number not in defects:
                        defects[number] = kind
                        per_kind -= 1
        return defects

    # -- one paper ---------------------------------------------------------------------------------------

    def clean_note(self, number: int) -> bool:
        return 0 <= number < self.papers and not self.inline[number] and number not in self.defects

    def _plan(self, number: int) -> Paper:
        rng = random.Random(f"{self.seed}:paper:{number}")
        defect = self.defects.get(number)
        noted = not self.inline[number]
        arxiv_id, year, month = _arxiv_id(number, self.salt)
        kind = rng.choices(("arxiv", "acl", "openreview", "doi", "plain"), (70, 8, 8, 6, 8))[0]
        if defect in (
            "duplicate-entry",
            "conflicting-id",
            "date-id-mismatch",
            "unquoted-id",
            "anchor-vscode",
        ):
            kind = "arxiv"
        elif defect in ("duplicate-title", "invalid-paper-id"):
            kind = "plain"  # no identifier at all: only the title can match, only the prefix gives a date
        if kind != "arxiv":
            year, month = rng.randint(_FIRST_YEAR, 2023), rng.randint(1, 12)
        venue = rng.choice(_VENUES)
        org = rng.choice(_ORGS)
        acronym = _acronym(number, rng.choice(_ACRONYM_SUFFIXES))
        shape = (
            "{a}: {adj} {noun} for {task}" if defect == "invalid-front-matter" else rng.choice(_TITLE_SHAPES)
        )
        title = _title(rng, shape, acronym)
        translation = None
        if rng.random() < 0.35:
            translation = f"面向{rng.choice(_ZH_TASK)}的{rng.choice(_ZH_ADJ)}{rng.choice(_ZH_NOUN)}"
        suffix = None
        if defect == "unbalanced-bracket" or rng.random() < 0.1:
            suffix = f"（{org}/{venue}{year}）" if rng.random() < 0.6 else f"({org}/{year})"
        url = _paper_url(rng, kind, arxiv_id, number, year, acronym, org)
        code = f"https://github.com/{org.lower()}/{acronym.lower()}" if rng.random() < 0.5 else None
        tag = self.index_of(number).tag
        note = None
        if noted or defect == "broken-link":
            note = self._note_path(rng, number, tag, kind, arxiv_id, year, month, venue, acronym, title)
        copy_of = None
        if defect == "duplicate-note":
            copy_of = self.partners.get(number)
            if copy_of is not None and note is not None:
                note = posixpath.join(
                    posixpath.dirname(self.plan(copy_of).note or ""), posixpath.basename(note)
                )
        h1 = title
        if kind == "arxiv" and (defect == "anchor-vscode" or rng.random() < 0.25):
            h1 = f"{arxiv_id} {title}"
        elif translation and rng.random() < 0.3:
            h1 = f"{title} {translation}"
        headings = _headings(rng)
        slugger = Slugger()
        anchors = tuple(slugger.slug(text) for text in (h1, *(t for _, t in headings)))
        images = self._images(rng, number, noted, defect, copy_of is not None)
        front = None
        if defect in ("invalid-front-matter", "unquoted-id") or (noted and rng.random() < 0.5):
            front = "flow" if rng.random() < 0.2 else "block"
        toc = defect in ("stale-toc", "collapsed-toc") or rng.random() < 0.33
        return Paper(
            number=number,
            noted=noted,
            defect=defect,
            arxiv=arxiv_id if kind == "arxiv" else None,
            year=year,
            month=month,
            day=rng.randint(1, 28),
            venue=venue,
            org=org,
            acronym=acronym,
            title=title,
            translation=translation,
            suffix=suffix,
            url=url,
            code=code,
            note=note,
            h1=h1,
            headings=headings,
            anchors=anchors,
            images=images,
            front=front,
            toc=toc,
            copy_of=copy_of,
        )

    def _pick_partners(self) -> dict[int, int]:
        """duplicate-note: the clean note each copy repeats, never shared (three copies would be two defects).

        The partner has no front matter: its id and title would contradict the copy's own entry.
        """
        partners: dict[int, int] = {}
        taken: set[int] = set()
        for number in sorted(n for n, kind in self.defects.items() if kind == "duplicate-note"):
            for step in range(1, 400):
                other = next(
                    (
                        o
                        for o in (number - step, number + step)
                        if o not in taken and self.clean_note(o) and self.plan(o).front is None
                    ),
                    None,
                )
                if other is not None:
                    partners[number] = other
                    taken.add(other)
                    break
        return partners

    def _note_path(
        self,
        rng: random.Random,
        number: int,
        tag: str,
        kind: str,
        arxiv_id: str,
        year: int,
        month: int,
        venue: str,
        acronym: str,
        title: str,
    ) -> str:
        if self.layout == "resources":
            folder = f"resources/notes/d{number // 1000 + 1:04d}"
            if kind == "arxiv" and rng.random() < 0.4:
                return f"{folder}/{tag}_{arxiv_id}.md"
            if rng.random() < 0.3:
                return f"{folder}/{tag}_{year}{month:02d}_{acronym}.md"
            return f"{folder}/{tag}_{year}{month:02d}_{_words_slug(title, '_')}.md"
        if self.layout == "notes-papers":
            if kind == "arxiv" and rng.random() < 0.5:
                return f"notes/papers/{arxiv_id}.md"
            return f"notes/papers/{_words_slug(title, '-').lower()}.md"
        folder = f"papers/{'arxiv' if kind == 'arxiv' and rng.random() < 0.5 else venue.lower()}/{year}"
        return f"{folder}/{_words_slug(title, '-').lower()}.md"

    def _images(
        self, rng: random.Random, number: int, noted: bool, defect: str | None, is_copy: bool
    ) -> tuple[Image, ...]:
        count = rng.choices(range(6), (15, 20, 25, 20, 12, 8))[0] if noted else rng.choice((0, 0, 1))
        folder = rng.choice(self.image_dirs).replace("{shard}", f"d{number // 1000 + 1:04d}")
        images = []
        for ordinal in range(count + (defect == "unused-image")):
            # Coprime with 10**10, the multiplier permutes the serials: names never collide.
            serial = (number * 8 + ordinal) * 2_654_435_761 % 10**10
            name = (
                f"{rng.randrange(60):02d}{rng.randrange(60):02d}{rng.randrange(24):02d}{self.year_of(number)}"
            )
            name += f"{serial:010d}.png"
            odd = rng.random()
            if odd < 0.01:
                name = f"image {serial}.png"
            elif odd < 0.02:
                name = f"截图 {serial}.png"
            elif odd < 0.025:
                name = f"- {serial}.png"
            if ordinal == count:
                place = "unused"
            elif not noted or is_copy or (rng.random() < 0.25):
                place = "index"  # the copy's note repeats its partner's images: its own sit in the index
            else:
                place = "note"
            images.append(Image(f"{folder}/{name}", place))
        return tuple(images)

    def year_of(self, number: int) -> int:
        return _FIRST_YEAR + (number * 89 % _MONTHS) // 12

    # -- writing -----------------------------------------------------------------------------------------

    def write(self, path: str, text: str | bytes) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        folder = posixpath.dirname(path)
        if folder not in self.made_dirs:
            (self.out / folder).mkdir(parents=True, exist_ok=True)
            self.made_dirs.add(folder)
        (self.out / path).write_bytes(data)
        self.summary.files += 1
        self.summary.bytes += len(data)

    def defect(self, kind: str, path: str, line: int) -> None:
        self.summary.defects.append({"kind": kind, "rule": DEFECT_RULES[kind], "file": path, "line": line})

    def run(self, out: Path) -> Summary:
        self.out = out
        for ix in self.indexes:
            papers = [self.plan(n) for n in range(ix.start, ix.end)]
            for paper in papers:
                self._write_paper_files(paper)
            self.write(ix.path, _IndexWriter(self, ix, papers).text())
            self.summary.indexes += 1
        self.write("README.md", self._readme())
        self.write("assets/- .png", PNG)
        self.summary.images += 1
        self.summary.defects.sort(key=lambda d: (str(d["file"]), int(str(d["line"])), str(d["kind"])))
        lines = ",\n".join("  " + json.dumps(d, ensure_ascii=False) for d in self.summary.defects)
        self.write(".defects.json", f"[\n{lines}\n]\n")
        return self.summary

    def _write_paper_files(self, paper: Paper) -> None:
        for image in paper.images:
            self.write(image.path, PNG)
            self.summary.images += 1
            if image.place == "unused":
                self.defect("unused-image", image.path, 1)
        if not paper.noted or paper.note is None:
            return
        if paper.copy_of is not None:
            partner = self.plan(paper.copy_of)
            lines = _NoteWriter(self, partner).lines()
            assert partner.note is not None
            self.defect("duplicate-note", max(paper.note, partner.note), 1)
        else:
            writer = _NoteWriter(self, paper)
            lines = writer.lines()
            for kind, line in writer.found:
                self.defect(kind, paper.note, line)
            if paper.defect == "orphan-note":
                self.defect("orphan-note", paper.note, 1)
        self.write(paper.note, "\n".join(lines) + "\n")
        self.summary.notes += 1

    def _readme(self) -> str:
        groups: dict[str, list[IndexPlan]] = {}
        for ix in self.indexes:
            groups.setdefault(ix.group, []).append(ix)
        title = "论文阅读笔记 Paper Notes"
        headings = [(1, title), (2, "目录 Topics")]
        headings += [(3, group) for group in sorted(groups)]
        slugger = Slugger()
        toc = [f"{'    ' * (level - 1)}- [{text}](#{slugger.slug(text)})" for level, text in headings]
        out = [
            f"# {title}",
            "",
            "![banner](<assets/- .png>)",
            "",
            "<!-- TOC -->",
            "",
            *toc,
            "",
            "<!-- /TOC -->",
        ]
        # No section without entries: in an index (and lint reads the README as one) it is an empty category.
        out += ["", f"> {self.notes} 篇论文笔记，按主题整理；图片直接粘贴，文件名为时间戳。", ""]
        out += ["## 目录 Topics", ""]
        for group in sorted(groups):
            out += [f"### {group}", ""]
            out += [f"- [{ix.title}]({ix.path})（{ix.end - ix.start}）" for ix in groups[group]]
            out.append("")
        return "\n".join(out)


def _title(rng: random.Random, shape: str, acronym: str) -> str:
    noun, noun2 = rng.sample(_NOUN, 2)
    title = shape.format(a=acronym, adj=rng.choice(_ADJ), noun=noun, noun2=noun2, task=rng.choice(_TASK))
    style = rng.random()
    if style < 0.05:
        return title.upper()
    if style < 0.1:
        return title.lower()
    return title


def _paper_url(
    rng: random.Random, kind: str, arxiv_id: str, number: int, year: int, acronym: str, org: str
) -> str:
    if kind == "arxiv":
        return f"https://arxiv.org/abs/{arxiv_id}"
    if kind == "acl":
        return f"https://aclanthology.org/{year}.acl-main.{number + 1}.pdf"
    if kind == "openreview":
        alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        # 2654435761 is a prime: multiplying by it permutes the ids, so no two papers share one.
        value, chars = (number * 2_654_435_761 + 7_777_777) % 62**10, []
        for _ in range(10):
            value, digit = divmod(value, 62)
            chars.append(alphabet[digit])
        return f"https://openreview.net/forum?id={''.join(chars)}"
    if kind == "doi":
        return f"https://doi.org/10.1145/{3_300_000 + number}.{rng.randint(3_000_000, 3_999_999)}"
    return f"https://{org.lower()}.github.io/{acronym.lower()}/paper.pdf"


def _headings(rng: random.Random) -> tuple[tuple[int, str], ...]:
    style = rng.randrange(3)
    chosen = sorted(rng.sample(range(len(_SECTIONS)), rng.randint(3, 6)))
    out: list[tuple[int, str]] = []
    for position in chosen:
        out.append((2, _SECTIONS[position][style]))
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            out.append((3, rng.choice(_SUBSECTIONS)))  # repeats are welcome: they get -1, -2 anchors
    out.append((2, rng.choice(_TAIL_SECTIONS)))
    return tuple(out)


def _pick(rng: random.Random, items: Sequence[str]) -> str:
    # rng.choice for the hot paths at a third of the cost: random() is one C call, _randbelow several.
    return items[int(rng.random() * len(items))]


def _sentences(rng: random.Random, count: int, acronym: str) -> str:
    parts = []
    for _ in range(count):
        if rng.random() < 0.55:
            parts.append(_pick(rng, _ZH_SENTENCES))
        else:
            parts.append(_pick(rng, _EN_SENTENCES) + " ")
    text = "".join(parts).strip()
    return text.replace("BERT", acronym, 1) if rng.random() < 0.3 else text


def _relpath(target: str, folder: str) -> str:
    """posixpath.relpath for repository-relative paths, without its getcwd() and abspath() per call."""
    to, start = target.split("/"), folder.split("/") if folder else []
    common = 0
    while common < min(len(to) - 1, len(start)) and to[common] == start[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + to[common:])


def _href(from_file: str, target: str) -> str:
    """The relative link from *from_file* to *target*; spaces percent-encoded, as Markdown needs."""
    rel = _relpath(target, posixpath.dirname(from_file))
    return quote(rel, safe="/._-~") if " " in rel else rel


# -- notes ---------------------------------------------------------------------------------------------------


class _NoteWriter:
    """The lines of one note, and the defects planted in it (kind, 1-based line)."""

    def __init__(self, gen: _Generator, paper: Paper) -> None:
        self.gen, self.paper = gen, paper
        self.rng = random.Random(f"{gen.seed}:note:{paper.number}")
        self.out: list[str] = []
        self.size = 0
        self.found: list[tuple[str, int]] = []
        assert paper.note is not None
        self.path = paper.note

    def emit(self, *lines: str) -> None:
        for line in lines:
            self.out.append(line)
            self.size += len(line.encode("utf-8")) + 1

    def plant(self, kind: str, line: str) -> None:
        self.found.append((kind, len(self.out) + 1))
        self.emit(line)

    def lines(self) -> list[str]:
        paper, rng = self.paper, self.rng
        target = rng.randint(_NOTE_MIN + 300, _NOTE_MAX - 1000)
        if paper.front:
            self._front_matter()
        self.emit(f"# {paper.h1}", "")
        self._meta()
        if paper.toc:
            self._toc()
        sections = len(paper.headings)
        placed: list[list[str | tuple[str, str]]] = [[] for _ in range(sections)]
        for item in self._specials():
            placed[rng.randrange(sections)].append(item)
        # Bytes still owed to later headings and special lines: filler never eats into them, so no note
        # passes the 8 KB mark however the blocks fall.
        owed = [0] * (sections + 1)
        for position in range(sections - 1, -1, -1):
            lines = [
                paper.headings[position][1],
                *(i if isinstance(i, str) else i[1] for i in placed[position]),
            ]
            owed[position] = owed[position + 1] + sum(len(x.encode("utf-8")) + 8 for x in lines)
        for position, (level, text) in enumerate(paper.headings):
            self.emit(f"{'#' * level} {text}", "")
            for item in placed[position]:
                if isinstance(item, tuple):
                    self.plant(item[0], item[1])
                else:
                    self.emit(item)
                self.emit("")
            budget = self.size + (target - self.size) // (sections - position)
            cap = _NOTE_MAX - 64 - owed[position + 1]
            while self._add(self._block(), cap) and self.size < budget:
                pass
        while self.size < _NOTE_MIN + 200:
            self.emit(*self._paragraph())
        return self.out

    def _add(self, block: list[str], cap: int) -> bool:
        cost = sum(len(line.encode("utf-8")) + 1 for line in block)
        if self.size + cost > cap:
            return False
        self.out.extend(block)
        self.size += cost
        return True

    def _front_matter(self) -> None:
        paper, rng = self.paper, self.rng
        self.emit("---")
        if paper.arxiv:
            if paper.defect == "unquoted-id":
                self.plant("unquoted-id", f"id: {paper.arxiv}")
            else:
                self.emit(f'id: "{paper.arxiv}"')
        if paper.defect == "invalid-front-matter":
            # "key: a: b" is a YAML error: a colon and a space inside a plain scalar.
            self.plant("invalid-front-matter", f"title: {paper.title}")
        else:
            self.emit(f'title: "{paper.title}"')
        self.emit(f"date: {paper.year}-{paper.month:02d}-{paper.day:02d}")
        tags = rng.sample(_TAGS, rng.randint(1, 3))
        if paper.front == "flow":
            self.emit(f"tags: [{', '.join(tags)}]")
        else:
            self.emit("tags:", *(f"  - {t}" for t in tags))
        if not paper.arxiv:
            self.emit(f"venue: {paper.venue} {paper.year}")
        self.emit("---", "")

    def _meta(self) -> None:
        paper, rng = self.paper, self.rng
        label = rng.choice(("- 论文：", "- Paper: ", "- 链接："))
        self.emit(f"{label}{paper.url}")
        if paper.code:
            self.emit(
                f"- 代码：{paper.code}" if rng.random() < 0.5 else f"- Code: [{paper.acronym}]({paper.code})"
            )
        self.emit(f"- 机构：{paper.org}，{paper.venue} {paper.year}", "")

    def _toc(self) -> None:
        paper = self.paper
        headings = [(1, paper.h1), *paper.headings]
        if paper.defect == "stale-toc":
            # The block was written before a heading was renamed: it still points at the old text.
            position = 1 + self.rng.randrange(len(paper.headings))
            old = self.rng.choice(_STALE_OLD)
            while github_slug(old) in paper.anchors:
                old += " old"
            headings[position] = (headings[position][0], old)
        slugger = Slugger()
        items = [f"{'    ' * (level - 1)}- [{text}](#{slugger.slug(text)})" for level, text in headings]
        if paper.defect == "collapsed-toc":
            self.plant("collapsed-toc", "<!-- TOC -->autoauto" + "auto".join(items) + "autoauto<!-- /TOC -->")
        elif paper.defect == "stale-toc":
            self.plant("stale-toc", "<!-- TOC -->")
            # The renamed heading's item is a broken anchor as well.
            self.found.append(("broken-anchor", len(self.out) + 2 + position))
            self.emit("", *items, "", "<!-- /TOC -->")
        else:
            self.emit("<!-- TOC -->", "", *items, "", "<!-- /TOC -->")
        self.emit("")

    def _specials(self) -> list[str | tuple[str, str]]:
        """Lines that must appear once: figures, links to other notes, planted defects."""
        paper, rng, gen = self.paper, self.rng, self.gen
        items: list[str | tuple[str, str]] = []
        for image in paper.images:
            if image.place == "note":
                items.append(self._figure(image.path))
        for _ in range(rng.choice((0, 1, 1, 2))):
            other = self._neighbour()
            if other is not None:
                assert other.note is not None
                href = _href(self.path, other.note)
                if rng.random() < 0.6:
                    anchor, text = rng.choice(
                        tuple(zip(other.anchors[1:], (t for _, t in other.headings), strict=True))
                    )
                    items.append(f"- 参见 [{other.acronym} 的 {text}]({href}#{anchor})")
                else:
                    items.append(f"- 相关笔记：[{other.title}]({href})")
        items.append(f"原文博客：https://zhuanlan.zhihu.com/p/{100_000_000 + paper.number * 37}")
        defect = paper.defect
        if defect == "link-case-mismatch":
            other = self._neighbour(letters=True)
            if other is not None and other.note is not None:
                folder, name = posixpath.split(other.note)
                stem, ext = posixpath.splitext(name)
                wrong = posixpath.join(folder, stem.swapcase() + ext)
                items.append((defect, f"- 对比 [{other.acronym}]({_href(self.path, wrong)})"))
        elif defect == "absolute-local-path":
            user = rng.choice(_USERS)
            stamp = f"{paper.year}{paper.month:02d}{paper.day:02d}{rng.randrange(10**6):06d}"
            items.append((defect, f"![image-{stamp}](/Users/{user}/Pictures/typora/image-{stamp}.png)"))
        elif defect == "anchor-github":
            other = self._neighbour()
            if other is not None and other.note is not None:
                missing = github_slug(rng.choice(_SUBSECTIONS) + " 补充")
                while missing in other.anchors:
                    missing += "-x"
                link = f"- 参见 [{other.acronym}]({_href(self.path, other.note)}#{missing})"
                items.append(("broken-anchor", link))
        elif defect == "missing-image":
            folder = posixpath.dirname(paper.images[0].path) if paper.images else gen.image_dirs[0]
            missing = f"{folder.replace('{shard}', 'd0001')}/{paper.number * 8 + 7:020d}.png"
            items.append((defect, self._figure(missing)))
        return items

    def _figure(self, image: str) -> str:
        rng = self.rng
        href = _relpath(image, posixpath.dirname(self.path))
        shape = rng.random()
        if shape < 0.15:
            return f'<img src="{href}" width="{rng.choice((400, 500, 600, 800))}">'
        if " " in href:
            return f"![](<{href}>)" if shape < 0.5 else f"![]({quote(href, safe='/._-~')})"
        return f"![image-{self.paper.year}]({href})" if shape < 0.3 else f"![]({href})"

    def _neighbour(self, letters: bool = False) -> Paper | None:
        gen, rng = self.gen, self.rng
        for _ in range(32):
            other = self.paper.number + rng.randint(-60, 60)
            if other != self.paper.number and gen.clean_note(other):
                plan = gen.plan(other)
                stem = posixpath.basename(plan.note or "")
                if not letters or any(c.isalpha() for c in stem[:-3]):
                    return plan
        return None

    def _block(self) -> list[str]:
        choice = self.rng.random()
        if choice < 0.45:
            return self._paragraph()
        if choice < 0.75:
            return self._bullets()
        if choice < 0.85:
            return self._code()
        if choice < 0.93:
            return self._table()
        return [f"> {_sentences(self.rng, 2, self.paper.acronym)}", ""]

    def _paragraph(self) -> list[str]:
        return [_sentences(self.rng, self.rng.randint(2, 4), self.paper.acronym), ""]

    def _bullets(self) -> list[str]:
        rng, out = self.rng, []
        for _ in range(rng.randint(2, 4)):
            out.append(f"- {_sentences(rng, 1, self.paper.acronym)}")
            if rng.random() < 0.3:
                out.append(f"{_pick(rng, ('  ', '    '))}- {_sentences(rng, 1, self.paper.acronym)}")
        return [*out, ""]

    def _code(self) -> list[str]:
        block = self.rng.choice(_CODE_BLOCKS)
        return [*(line.replace("{acr}", self.paper.acronym.lower()) for line in block), ""]

    def _table(self) -> list[str]:
        rng = self.rng
        out = list(rng.choice(_TABLES))
        for _ in range(rng.randint(2, 4)):
            cells = (
                f"{self.paper.acronym}-{_pick(rng, ('base', 'large', 'small'))}",
                f"{rng.randint(10, 900)}M",
                f"{rng.uniform(60, 95):.1f}",
                _pick(rng, ("基线", "ours", "+1.2", "—")),
            )
            out.append(f"| {' | '.join(cells)} |")
        return [*out, ""]


# -- indexes -------------------------------------------------------------------------------------------------


class _IndexWriter:
    """One topic index: categories, then heading or list entries, with the index-level defects planted."""

    def __init__(self, gen: _Generator, ix: IndexPlan, papers: Sequence[Paper]) -> None:
        self.gen, self.ix, self.papers = gen, ix, papers
        self.rng = random.Random(f"{gen.seed}:index:{ix.number}")
        self.out: list[str] = []
        self.heading = ix.style == "heading"
        # Categories at H1 (siblings of the title, as in the seed) or H2: never a skipped level.
        self.category_level = self.rng.choice((1, 1, 2)) if self.heading else 2
        # Entries sit below the category level, at one level per category: lint's heading-level reports
        # mixed levels, so they only mix where that defect is planted.
        self.entry_levels = tuple(range(self.category_level + 1, 5))
        self.entry_level = self.rng.choice(self.entry_levels)
        self.segment = 0  # heading entries so far under the current (sub-)category
        self.previous_head = ""  # the last heading entry's line
        self.pending_level = False  # a heading-level defect waits for an entry where it can be planted
        self.prefixes = self.rng.sample(("yyyymm", "yyyymm", "id", "yyyy", "venue", "none", "yymm"), 3)

    def emit(self, *lines: str) -> None:
        self.out.extend(lines)

    def plant(self, kind: str, line: str) -> None:
        self.gen.defect(kind, self.ix.path, len(self.out) + 1)
        self.emit(line)

    def text(self) -> str:
        rng, ix = self.rng, self.ix
        self.emit(f"# {ix.title}")
        self.emit(rng.choice(("[toc]", "[返回首页](../README.md)", f"> {ix.title}相关论文的阅读笔记。")), "")
        names = rng.sample(_CATEGORIES, min(len(_CATEGORIES), rng.randint(2, 5)))
        groups: list[list[Paper]] = [[] for _ in names]
        for paper in self.papers:
            groups[rng.randrange(len(names))].append(paper)
        extras: list[tuple[Paper, str]] = []
        empties = 0
        for name, group in zip(names, groups, strict=True):
            if not group:
                continue
            # Newest first, as authors prepend; a few stay where they were pasted.
            group.sort(key=lambda p: (-p.year, -p.month, p.number))
            self.emit(f"{'#' * self.category_level} {name}", "")
            self.segment = 0
            for position, paper in enumerate(group):
                if (
                    position
                    and position == len(group) // 2
                    and rng.random() < 0.3
                    and self.category_level < 3
                ):
                    sub = f"{'#' * (self.category_level + 1)} {rng.choice(('进阶', 'Variants', '其他'))}"
                    if self.heading and self.entry_level <= self.category_level + 1:
                        self.entry_level = self.category_level + 2
                    if self.entry_level <= 4:
                        self.emit(sub, "")
                        self.segment = 0
                self._entry(paper)
                if paper.defect in ("duplicate-entry", "duplicate-title", "conflicting-id"):
                    extras.append((paper, paper.defect))
            if any(p.defect == "empty-section" for p in group):
                # A name new to the file: a repeated category is a defect of its own (duplicate-section).
                empty = _EMPTY_CATEGORIES[empties % len(_EMPTY_CATEGORIES)]
                empty += (
                    f" {empties // len(_EMPTY_CATEGORIES) + 1}" if empties >= len(_EMPTY_CATEGORIES) else ""
                )
                empties += 1
                self.plant("empty-section", f"{'#' * self.category_level} {empty}")
                self.emit("")
            self.entry_level = rng.choice(self.entry_levels)
        if extras:
            self.emit(f"{'#' * self.category_level} 待整理 Inbox", "")
            for paper, kind in extras:
                self._extra(paper, kind)
        return "\n".join(self.out) + "\n"

    # -- entry pieces ------------------------------------------------------------------------------------

    def _prefix(self, paper: Paper) -> str:
        if paper.defect == "invalid-paper-id":
            return f"{paper.year}13 "
        if paper.defect == "date-id-mismatch":
            year, month = (paper.year, paper.month - 1) if paper.month > 1 else (paper.year - 1, 12)
            return f"{year}{month:02d} "
        style = self.rng.choice(self.prefixes)
        if style == "id" and paper.arxiv:
            return f"{paper.arxiv} "
        if style in ("yyyymm", "id"):
            return f"{paper.year}{paper.month:02d} "
        if style == "yyyy":
            return f"{paper.year} "
        if style == "venue":
            return self.rng.choice((f"{paper.year} {paper.venue} ", f"{paper.venue}{paper.year} "))
        if style == "yymm" and paper.year < 2020:
            # "1901" can only be a month; "2001" reads as the year 2001, whatever the id says.
            return f"{paper.year % 100:02d}{paper.month:02d} "
        return ""

    def _label(self, paper: Paper, prefix: str) -> str:
        label = prefix + paper.title
        if paper.translation and self.rng.random() < 0.7:
            label += f" {paper.translation}"
        return label + (paper.suffix or "")

    def _url_lines(self, paper: Paper, indent: str) -> list[str]:
        rng = self.rng
        if paper.arxiv:
            arxiv = paper.arxiv
            url = rng.choice(
                (
                    f"https://arxiv.org/abs/{arxiv}",
                    f"https://arxiv.org/pdf/{arxiv}.pdf",
                    f"https://arxiv.org/pdf/{arxiv}v{rng.randint(1, 3)}.pdf",
                    f"https://arxiv.org/abs/{arxiv}?context=cs",
                    f"http://www.arxiv-vanity.com/papers/{arxiv}/",
                )
            )
        else:
            url = paper.url
        lines = [f"{indent}- {url}" if rng.random() < 0.75 or indent else url]
        if paper.code and rng.random() < 0.4:
            lines.append(f"{indent}- code: {paper.code}")
        return lines

    def _figures(self, paper: Paper, indent: str) -> list[str]:
        return [
            f"{indent}![]({_href(self.ix.path, image.path)})"
            for image in paper.images
            if image.place == "index"
        ]

    def _summary(self, paper: Paper, indent: str) -> list[str]:
        rng = self.rng
        lines = []
        for _ in range(rng.choice((0, 1, 2, 3, 4))):
            lines.append(f"{indent}- {_sentences(rng, 1, paper.acronym)}")
            if rng.random() < 0.25:
                lines.append(f"{indent}  - {_sentences(rng, 1, paper.acronym)}")
        return lines

    def _note_href(self, paper: Paper) -> str:
        assert paper.note is not None
        href = _href(self.ix.path, paper.note)
        return f"./{href}" if self.rng.random() < 0.1 and not href.startswith(".") else href

    def _entry(self, paper: Paper) -> None:
        if paper.defect == "merge-conflict":
            self._conflicted(paper)
        elif self.heading:
            self._heading_entry(paper)
        else:
            self._list_entry(paper)
        self.emit(*([""] * self.rng.choice((1, 1, 1, 2))))

    def _heading_entry(self, paper: Paper) -> None:
        rng, defect = self.rng, paper.defect
        hashes = "#" * self.entry_level
        linked = paper.noted and defect != "orphan-note"
        self.segment += 1
        head = len(self.out)
        self.pending_level |= defect == "heading-level"
        label = self._label(paper, self._prefix(paper))
        if defect == "unbalanced-bracket":
            self.plant(defect, f"{hashes} 【{self._label(paper, '')}")
        elif defect == "broken-title":
            words = label.split(" ")
            cut = max(1, len(words) // 2)
            self.plant(defect, f"{hashes} [{' '.join(words[:cut])}")
            self.emit(f"{' '.join(words[cut:])}]({self._note_href(paper)})")
            # The second line is no link once the heading ends the first: nothing links to the note.
            assert paper.note is not None
            self.gen.defect("orphan-note", paper.note, 1)
        elif defect == "broken-link":
            self.plant(defect, f"{hashes} [{label}]({self._note_href(paper)})")
        elif defect == "anchor-vscode":
            # The old VS Code TOC extension's anchor for the note's "# <id> <title>" heading.
            anchor = _vscode_anchor(paper.h1)
            self.plant("broken-anchor", f"{hashes} [{label}]({self._note_href(paper)}#{anchor})")
        elif defect in ("invalid-paper-id", "date-id-mismatch"):
            self.plant(defect, f"{hashes} [{label}]({self._note_href(paper)})")
        elif (
            self.pending_level
            and defect in (None, "heading-level")
            and linked
            and self.segment > 1
            and "](" in self.previous_head
        ):
            # One level deeper than the entries before it in the same category. The entry above must be a
            # link: under a bare title heading, a deeper entry makes that heading a sub-category instead.
            # When the paper drawn for it has no such place, the next entry that has takes it.
            self.pending_level = False
            self.plant("heading-level", f"#{hashes} [{label}]({self._note_href(paper)})")
        elif linked:
            self.emit(f"{hashes} [{label}]({self._note_href(paper)})")
        elif paper.arxiv and rng.random() < 0.4:
            self.emit(f"{hashes} [{label}]({paper.url})")
        elif rng.random() < 0.7:
            self.emit(f"{hashes} [{self._label(paper, '')}]")  # link-less, the URL follows
        else:
            self.emit(f"{hashes} {self._label(paper, '')}")
        urls = self._url_lines(paper, "")
        if defect == "date-id-mismatch":
            urls[0] = f"- https://arxiv.org/abs/{paper.arxiv}"  # the id the prefix contradicts
        self.previous_head = self.out[head]
        self.emit(*urls, *self._figures(paper, ""))
        if rng.random() < 0.15:
            self.emit(_sentences(rng, 1, paper.acronym))
        self.emit(*self._summary(paper, ""))
        if defect == "empty-todo":
            # Last, before a blank line: followed by text, the checkbox would swallow it as its label.
            self.plant(defect, "- [ ]")

    def _list_entry(self, paper: Paper) -> None:
        rng, defect = self.rng, paper.defect
        linked = paper.noted and defect != "orphan-note"
        prefix = (
            self._prefix(paper)
            if rng.random() < 0.3 or defect in ("invalid-paper-id", "date-id-mismatch")
            else ""
        )
        label = self._label(paper, prefix)
        if defect == "unbalanced-bracket":
            self.plant(defect, f"- [ ] 【{self._label(paper, '')}")
        elif defect in ("broken-link", "invalid-paper-id", "date-id-mismatch"):
            self.plant(defect, f"- [{label}]({self._note_href(paper)})")
        elif linked:
            shape = rng.random()
            if shape < 0.6:
                self.emit(f"- [{label}]({self._note_href(paper)})")
            elif shape < 0.8:
                extra = f" [[code]({paper.code})]" if paper.code else ""
                self.emit(f"- {label} [[paper]({paper.url})]{extra} [[笔记]({self._note_href(paper)})]")
            else:
                self.emit(f"- [{rng.choice(' x')}] [{label}]({self._note_href(paper)})")
        else:
            shape = rng.random()
            if shape < 0.5:
                extra = f" [[code]({paper.code})]" if paper.code else ""
                site = "arXiv" if paper.arxiv else "paper"
                self.emit(f"- {self._label(paper, '')} [[{site}]({paper.url})]{extra}")
            elif shape < 0.75:
                self.emit(f"- [ ] [{label}]({paper.url})")
            else:
                self.emit(f"- [{label}]({paper.url})")
        urls = self._url_lines(paper, "  ")
        if defect == "date-id-mismatch":
            urls[0] = f"  - https://arxiv.org/abs/{paper.arxiv}"
        self.emit(*urls, *self._figures(paper, "  "), *self._summary(paper, "  "))

    def _conflicted(self, paper: Paper) -> None:
        """A hunk left by syncing two remotes: both sides kept the entry, at different levels or states."""
        label = self._label(paper, self._prefix(paper))
        href = self._note_href(paper)
        if self.heading:
            other = next(level for level in reversed(self.entry_levels) if level != self.entry_level)
            ours, theirs = f"{'#' * self.entry_level} [{label}]({href})", f"{'#' * other} [{label}]({href})"
        else:
            ours, theirs = f"- [{label}]({href})", f"- [x] [{label}]({href})"
        commit = "".join(self.rng.choice("0123456789abcdef") for _ in range(40))
        self.plant("merge-conflict", "<<<<<<< HEAD")
        self.emit(ours, "=======", theirs, f">>>>>>> {commit}")
        indent = "" if self.heading else "  "
        self.emit(
            *self._url_lines(paper, indent), *self._figures(paper, indent), *self._summary(paper, indent)
        )

    def _extra(self, paper: Paper, kind: str) -> None:
        """The second entry of a duplicate pair, placed after the first so lint reports this line."""
        rng = self.rng
        heading = "#" * (self.category_level + 1) + " " if self.heading else "- "
        if kind == "duplicate-entry":
            form = rng.choice(("pdf", "vanity", "abs"))
            url = {
                "pdf": f"https://arxiv.org/pdf/{paper.arxiv}v2.pdf",
                "vanity": f"http://www.arxiv-vanity.com/papers/{paper.arxiv}/",
                "abs": f"https://arxiv.org/abs/{paper.arxiv}v1",
            }[form]
            self.plant(kind, f"{heading}[{paper.title}]({url})")
        elif kind == "duplicate-title":
            # Same paper, no identifier on either side: only the normalised title (case, suffix) says so.
            label = f"{paper.title.lower()}（{paper.org}/{paper.year}）"
            if self.heading:
                self.plant(kind, f"{heading}[{label}]")
                self.emit(f"- https://zhuanlan.zhihu.com/p/{200_000_000 + paper.number}")
            else:
                self.plant(
                    kind, f"{heading}[{label}](https://{paper.org.lower()}.github.io/camera-ready.pdf)"
                )
        else:
            other = _title(rng, rng.choice(_TITLE_SHAPES), _acronym(self.gen.papers + paper.number, "Net"))
            url = f"https://arxiv.org/abs/{paper.arxiv}"
            # The same id twice is also a duplicate entry, whatever the titles say.
            self.gen.defect("duplicate-entry", self.ix.path, len(self.out) + 1)
            self.plant(kind, f"{heading}[{paper.year}{paper.month:02d} {other}]({url})")
        self.emit(f"{'  ' if not self.heading else ''}- {_sentences(rng, 1, paper.acronym)}", "")


def _vscode_anchor(text: str) -> str:
    kept = "".join(c for c in text if c.isascii() and (c.isalnum() or c in "_:.-"))
    return kept.lstrip(":.-_")


# -- command line --------------------------------------------------------------------------------------------


def generate(out: Path, notes: int, seed: int) -> Summary:
    """Write the repository into *out* (created if needed; assumed empty)."""
    if not 1 <= notes <= MAX_NOTES:
        raise ValueError(f"--notes must be between 1 and {MAX_NOTES:,}")
    out.mkdir(parents=True, exist_ok=True)
    return _Generator(notes, seed).run(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path, help="output folder (must be empty or missing)")
    parser.add_argument("--notes", type=int, required=True, help="number of note files to write")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed and N: same bytes)")
    parser.add_argument(
        "--force", action="store_true", help="replace OUT when it holds an earlier output of this script"
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    if not 1 <= args.notes <= MAX_NOTES:
        parser.error(f"--notes must be between 1 and {MAX_NOTES:,}")
    if out.exists() and any(out.iterdir()):
        if not args.force:
            print(f"Error: {out} is not empty; pass --force to replace an earlier output", file=sys.stderr)
            return 1
        if not (out / ".defects.json").is_file():
            # --force deletes a whole tree: only one this script wrote (it ends every run with .defects.json).
            print(
                f"Error: {out} is not an output of this script (no .defects.json); not deleting it",
                file=sys.stderr,
            )
            return 1
        shutil.rmtree(out)
    started = time.perf_counter()
    summary = generate(out, args.notes, args.seed)
    print(
        f"{out}: {summary.files:,} files, {summary.bytes / 1e6:.1f} MB, {summary.notes:,} notes, "
        f"{summary.indexes:,} indexes, {summary.images:,} images, {len(summary.defects):,} defects "
        f"({time.perf_counter() - started:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

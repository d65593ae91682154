"""Load and check the question bank: one TOML file per domain, directly in the bank folder.

Practitioners edit these files, so every problem is reported at once, each as `FILE:LINE: message`
in words a practitioner can act on. tomllib gives no positions, so lines are found by scanning the
file text (`_FileMap`); bad TOML reports tomllib's own line.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from oasys_diversity.content_limits import ContentLimitError, control_character, load_toml
from oasys_diversity.model import QUESTION_ID, Condition, Domain, Question, QuestionBank, is_snake_case
from oasys_diversity.safe_text import capped

BANK_FORMAT = "oasys-diversity/question-bank@1"

# The ids, kinds and codes the plan builder, the exports, other systems and the tests rely on.
# A bank may add questions and options; it may not rename or drop these.
CANONICAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "person.preferred_name": ("text", ()),
    "person.gender": ("single", ("woman", "man", "non_binary", "self_described")),
    "person.age": ("number", ()),
    "person.area": ("text", ()),
    "ethnicity.ons_category": (
        "single",
        (
            "white_british",
            "white_irish",
            "white_gypsy_or_irish_traveller",
            "white_roma",
            "white_other",
            "mixed_white_black_caribbean",
            "mixed_white_black_african",
            "mixed_white_asian",
            "mixed_other",
            "asian_indian",
            "asian_pakistani",
            "asian_bangladeshi",
            "asian_chinese",
            "asian_other",
            "black_african",
            "black_caribbean",
            "black_other",
            "other_arab",
            "other_any",
        ),
    ),
    "ethnicity.self_description": ("text", ()),
    "faith.religion": (
        "single",
        ("no_religion", "christian", "buddhist", "hindu", "jewish", "muslim", "sikh", "other"),
    ),
    "faith.practice_needs": ("multi", ("prayer_times", "holy_days", "fasting", "diet", "place_of_worship")),
    "faith.reconnect": ("yes_no_unsure", ("yes", "no", "unsure")),
    "culture.reconnect": ("yes_no_unsure", ("yes", "no", "unsure")),
    "immigration.status": (
        "single",
        (
            "british_citizen",
            "settled",
            "pre_settled",
            "limited_leave",
            "refugee",
            "asylum_seeker",
            "refused_asylum_seeker",
            "immigration_bail",
            "deportation_proceedings",
            "unknown",
        ),
    ),
    "immigration.right_to_work": ("yes_no_unsure", ("yes", "no", "unsure")),
    "immigration.public_funds": ("yes_no_unsure", ("yes", "no", "unsure")),
    "language.interpreter_needed": ("yes_no_unsure", ("yes", "no", "unsure")),
    "language.interpreter_language": ("text", ()),
    "discrimination.experiences": ("multi", ("community", "school", "work", "police", "courts", "prison", "probation")),
    "discrimination.current_harassment": ("yes_no_unsure", ("yes", "no", "unsure")),
    "discrimination.officer_preference": ("text", ()),
    "trauma.experiences": (
        "multi",
        ("childhood_adversity", "care_experience", "violence_victim", "war_or_displacement", "bereavement"),
    ),
    "trauma.support_wanted": ("yes_no_unsure", ("yes", "no", "unsure")),
}

KIND_NAMES = {
    "single": "single choice",
    "multi": "multiple choice",
    "yes_no_unsure": "yes/no/unsure",
    "text": "free text",
    "number": "number",
    "date": "date",
}

# Which condition ops make sense for which answer kind (status/answered fit every kind).
OPS_FOR_KIND: dict[str, frozenset[str]] = {
    "single": frozenset({"equals", "not_equals", "in", "not_in"}),
    "yes_no_unsure": frozenset({"equals", "not_equals", "in", "not_in"}),
    "multi": frozenset({"includes", "includes_any"}),
    "text": frozenset({"equals", "not_equals", "in", "not_in"}),
    "number": frozenset({"equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte"}),
    "date": frozenset({"equals", "not_equals", "in", "not_in"}),
}
CODED_KINDS = ("single", "multi", "yes_no_unsure")
LOADER_FIELDS = ("domain", "source_file", "source_line")


class BankError(Exception):
    """The bank could not be loaded. `problems` holds one `FILE:LINE: message` line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


def load_bank(folder: Path | None = None) -> QuestionBank:
    """The bank in `folder` (None: the shipped one). Raises BankError listing every problem."""
    bank, problems = _read_bank(folder)
    if problems or bank is None:
        raise BankError(problems)
    return bank


def check_bank(folder: Path | None = None) -> list[str]:
    """Every problem with the bank in `folder`, one `FILE:LINE: message` line each; [] when it is sound."""
    return _read_bank(folder)[1]


def check_content(folder: Path | None = None) -> list[str]:
    """The bank, then (when it loads) the plan rules and the referral directory kept beside it."""
    bank, problems = _read_bank(folder)
    if problems or bank is None:
        return problems
    root = _bank_folder(folder)
    # rules.py and directory.py build on the bank; import them only when asked to check them.
    # A bank folder without rules/ or directory/ simply has none to check.
    if (root / "rules").is_dir() and importlib.util.find_spec("oasys_diversity.rules") is not None:
        from oasys_diversity.rules import check_rules

        rule_problems = check_rules(root, bank)
        problems.extend(rule_problems)
        if not rule_problems:
            from oasys_diversity.coverage import coverage

            problems.extend(coverage(bank, root).problems())
    directory = root / "directory"
    if directory.is_dir() and importlib.util.find_spec("oasys_diversity.directory") is not None:
        from oasys_diversity.directory import check_directory

        problems.extend(check_directory(directory))
    scenarios = root / "scenarios"
    if scenarios.is_dir() and importlib.util.find_spec("oasys_diversity.scenario") is not None:
        from oasys_diversity.rules import load_rules
        from oasys_diversity.scenario import check_scenarios

        try:
            known_rules: set[str] | None = {r.id for r in load_rules(root).objectives}
        except Exception:  # the rules' own problems are reported above; check the scenarios without them
            known_rules = None
        problems.extend(check_scenarios(scenarios, bank, known_rules))
    return capped(problems)


def dump_bank(bank: QuestionBank) -> dict[str, Any]:
    """The whole bank as JSON-ready data for other tools (no file paths)."""
    return {
        "format": BANK_FORMAT,
        "domains": [
            {
                "id": d.id,
                "title": d.title,
                "order": d.order,
                "introduction": d.introduction,
                "check_in": d.check_in.model_dump() if d.check_in else None,
                "questions": [_dump_question(q) for q in d.questions],
            }
            for d in bank.domains
        ],
    }


def _dump_question(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "kind": q.kind,
        "label": q.label,
        "prompt": q.prompt,
        "guidance": q.guidance.model_dump(),
        "options": [o.model_dump() for o in q.options],
        # The same shape as in the TOML (`not`, no empty keys), so a dump can be read back as content.
        "show_if": q.show_if.model_dump(by_alias=True, exclude_none=True) if q.show_if else None,
        "note_prompt": q.note_prompt,
        "sensitive": q.sensitive,
        "depth": q.depth,
        "min": q.min,
        "max": q.max,
        "record_only": q.record_only,
    }


# ---------------------------------------------------------------------------------------------
# Finding lines in a TOML file
# ---------------------------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[|\[)\s*([^\[\]]+?)\s*(\]\]|\])\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=""")


def _key_name(raw: str) -> str:
    """A dotted TOML key with quotes and spaces removed: `questions . "show_if"` -> `questions.show_if`."""
    if '"' not in raw and "'" not in raw:
        return ".".join("".join(part.split()) for part in raw.split("."))
    parts, current, quote = [], "", None
    for char in raw:
        if quote:
            if char == quote:
                quote = None
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append(current.strip())
            current = ""
        elif not char.isspace():
            current += char
    parts.append(current.strip())
    return ".".join(parts)


@dataclass
class _OptionSpan:
    start: int
    keys: dict[str, int] = field(default_factory=dict)


@dataclass
class _QuestionSpan:
    start: int
    end: int = 0
    keys: dict[str, int] = field(default_factory=dict)
    options: list[_OptionSpan] = field(default_factory=list)

    @property
    def id_line(self) -> int:
        return self.keys.get("id", self.start)


@dataclass
class _FileMap:
    """Where things are in one domain file, by line (1-based)."""

    lines: list[str]
    top: dict[str, int] = field(default_factory=dict)
    domain: dict[str, int] = field(default_factory=dict)
    domain_line: int = 1
    questions: list[_QuestionSpan] = field(default_factory=list)

    @classmethod
    def scan(cls, text: str) -> _FileMap:
        found = cls(lines=text.splitlines())
        context: tuple[str, str] = ("top", "")
        in_string: str | None = None
        for number, line in enumerate(found.lines, start=1):
            if in_string is None:
                context = found._note(number, line, context)
            in_string = _multiline_state(line, in_string)
        for index, span in enumerate(found.questions):
            following = found.questions[index + 1].start - 1 if index + 1 < len(found.questions) else len(found.lines)
            span.end = following
        return found

    def _note(self, number: int, line: str, context: tuple[str, str]) -> tuple[str, str]:
        header = _HEADER.match(line)
        if header:
            name = _key_name(header.group(2))
            array = header.group(1) == "[["
            if name == "domain":
                self.domain_line = number
                self.top.setdefault("domain", number)
                return ("domain", "")
            if name.startswith("domain."):
                sub = name.removeprefix("domain.")
                self.domain.setdefault(sub, number)
                return ("domain", sub)
            if name == "questions" and array:
                self.top.setdefault("questions", number)
                self.questions.append(_QuestionSpan(start=number))
                return ("question", "")
            if name == "questions.options" and array and self.questions:
                self.questions[-1].options.append(_OptionSpan(start=number))
                return ("option", "")
            if name.startswith("questions.") and self.questions:
                sub = name.removeprefix("questions.")
                self.questions[-1].keys.setdefault(sub.split(".")[0], number)
                return ("question", sub)
            self.top.setdefault(name.split(".")[0], number)
            return ("top", name)
        key = _KEY.match(line)
        if not key:
            return context
        name = _key_name(key.group(1))
        where, sub = context
        full = f"{sub}.{name}" if sub else name
        if where == "domain":
            self.domain.setdefault(full, number)
            self.domain.setdefault(full.split(".")[0], number)
        elif where == "question" and self.questions:
            self.questions[-1].keys.setdefault(full, number)
            self.questions[-1].keys.setdefault(full.split(".")[0], number)
        elif where == "option" and self.questions and self.questions[-1].options:
            self.questions[-1].options[-1].keys.setdefault(name, number)
        elif where == "top" and not sub:
            self.top.setdefault(name.split(".")[0], number)
        return context

    def question(self, index: int) -> _QuestionSpan | None:
        return self.questions[index] if index < len(self.questions) else None

    def question_line(self, index: int, key: str | None = None) -> int:
        span = self.question(index)
        if span is None:
            return self.top.get("questions", self.domain_line)
        if key is None:
            return span.id_line
        return span.keys.get(key, span.keys.get(key.split(".")[0], span.id_line))

    def option_line(self, index: int, option_index: int, key: str = "code") -> int:
        """The line of one option's key, whether options are `[[questions.options]]` tables or inline."""
        span = self.question(index)
        if span is None:
            return self.question_line(index)
        if option_index < len(span.options):
            option = span.options[option_index]
            return option.keys.get(key, option.start)
        # Inline options: the n-th `code = ...` inside this question's lines.
        inline = [
            n for n in range(span.start, span.end + 1) for _ in re.finditer(r"(?:^|[{,\s])code\s*=", self.lines[n - 1])
        ]
        if option_index < len(inline):
            return inline[option_index]
        return span.keys.get("options", span.id_line)

    def domain_key_line(self, key: str | None = None) -> int:
        if key is None:
            return self.domain.get("id", self.domain_line)
        return self.domain.get(key, self.domain.get(key.split(".")[0], self.domain_line))


def _multiline_state(line: str, state: str | None) -> str | None:
    """Whether a multi-line string is still open after this line (so headers inside text are not headers)."""
    if '"""' not in line and "'''" not in line:
        return state  # only a triple quote opens or closes one: most lines need no character-by-character look
    i = 0
    while i < len(line):
        if state is not None:
            end = line.find(state, i)
            if end < 0:
                return state
            while state == '"""' and end > 0 and _escaped(line, end):
                end = line.find(state, end + 1)
                if end < 0:
                    return state
            i = end + 3
            # A closing delimiter may carry up to two extra quotes that belong to the string.
            while i < len(line) and line[i] == state[0]:
                i += 1
            state = None
            continue
        if line.startswith('"""', i) or line.startswith("'''", i):
            state = line[i : i + 3]
            i += 3
        elif line[i] == '"':
            i += 1
            while i < len(line) and not (line[i] == '"' and not _escaped(line, i)):
                i += 1
            i += 1
        elif line[i] == "'":
            close = line.find("'", i + 1)
            i = len(line) if close < 0 else close + 1
        elif line[i] == "#":
            break
        else:
            i += 1
    return state


def _escaped(line: str, index: int) -> bool:
    slashes = 0
    while index - 1 - slashes >= 0 and line[index - 1 - slashes] == "\\":
        slashes += 1
    return slashes % 2 == 1


# ---------------------------------------------------------------------------------------------
# Reading and checking
# ---------------------------------------------------------------------------------------------


@dataclass
class _Parsed:
    """One question that passed pydantic, with where it came from."""

    question: Question
    file: _DomainFile
    index: int


@dataclass
class _DomainFile:
    path: Path
    map: _FileMap
    domain: Domain | None = None
    domain_id: str | None = None
    order: float = float("inf")
    questions: list[_Parsed] = field(default_factory=list)
    # (index in the file, id) for every question with a text id, valid or not, so duplicates are always found.
    raw_ids: list[tuple[int, str]] = field(default_factory=list)

    def has_id(self, qid: str) -> bool:
        return any(found == qid for _, found in self.raw_ids)

    def at(self, line: int, message: str) -> str:
        return f"{self.path}:{line}: {message}"


def _bank_folder(folder: Path | None) -> Path:
    if folder is not None:
        return Path(folder)
    from oasys_diversity.questions import QUESTIONS_DIR

    return QUESTIONS_DIR


def _read_bank(folder: Path | None) -> tuple[QuestionBank | None, list[str]]:
    root = _bank_folder(folder)
    if not root.is_dir():
        return None, [f"{root}:1: no such folder"]
    paths = sorted(p for p in root.glob("*.toml") if p.is_file())
    if not paths:
        return None, [f"{root}:1: no domain files (*.toml) in this folder"]
    problems: list[str] = []
    files = [f for f in (_read_file(path, problems) for path in paths) if f is not None]
    # A file that could not be read hides its questions: say nothing about "missing" ones until it is fixed.
    complete = len(files) == len(paths)
    raw_ids = {qid for f in files for _, qid in f.raw_ids}
    # The bank's order: domains by `order` (ties by file name, as QuestionBank sorts), then file order.
    ordered = sorted(files, key=lambda f: f.order)
    parsed = [p for f in ordered for p in f.questions]
    position = {p.question.id: n for n, p in reversed(list(enumerate(parsed)))}
    by_id = {p.question.id: p for p in reversed(parsed)}
    _check_duplicates(ordered, files, problems)
    for item in parsed:
        _check_question(item, problems)
        if item.question.show_if is not None:
            _check_condition(item, item.question.show_if, position, by_id, raw_ids, complete, problems)
            _check_core_follow_up(item, by_id, problems)
    for f in files:
        _check_check_in(f, problems)
    if complete:
        _check_canonical(root, files, by_id, raw_ids, problems)
    if problems:
        # Capped: one huge bad id must not turn into hundreds of megabytes of messages.
        return None, capped(sorted(problems, key=_file_and_line))
    domains = []
    for f in files:
        assert f.domain is not None
        domains.append(
            f.domain.model_copy(update={"questions": [p.question for p in f.questions], "source_file": str(f.path)})
        )
    return QuestionBank(domains=domains, source_dir=str(root)), []


def _file_and_line(problem: str) -> tuple[str, int]:
    """Problems are listed file by file, top to bottom, as a compiler would."""
    found = re.match(r"^(.*?):(\d+): ", problem)
    return (found.group(1), int(found.group(2))) if found else (problem, 0)


def _read_file(path: Path, problems: list[str]) -> _DomainFile | None:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        problems.append(f"{path}:1: not UTF-8 text; save the file as UTF-8")
        return None
    except OSError as error:
        problems.append(f"{path}:1: cannot be read ({error.strerror})")
        return None
    try:
        data = load_toml(text)
    except tomllib.TOMLDecodeError as error:
        problems.append(_toml_problem(path, error, text))
        return None
    except ContentLimitError as error:
        problems.append(f"{path}:1: {error}")
        return None
    found = control_character(data, text)
    if found is not None:
        problems.append(f"{path}:{found[0]}: holds a control character ({found[1]}); bank text must be plain text")
        return None
    f = _DomainFile(path=path, map=_FileMap.scan(text))
    for key in data:
        if key not in ("domain", "questions"):
            problems.append(
                f.at(
                    f.map.top.get(key, 1),
                    f"unknown table or key {key!r}; a domain file holds [domain] and [[questions]]",
                )
            )
    _read_domain(f, data.get("domain"), problems)
    raw_questions = data.get("questions")
    if raw_questions is None or raw_questions == []:
        problems.append(f.at(f.map.domain_line, "this domain has no questions; add [[questions]] tables"))
        return f
    if not isinstance(raw_questions, list):
        problems.append(f.at(f.map.top.get("questions", 1), "`questions` must be [[questions]] tables"))
        return f
    for index, raw in enumerate(raw_questions):
        _read_question(f, index, raw, problems)
    return f


def _toml_problem(path: Path, error: tomllib.TOMLDecodeError, text: str) -> str:
    message = str(error)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found:
        return f"{path}:{found.group(1)}: not valid TOML: {message[: found.start()]} (column {found.group(2)})"
    found = re.search(r"\s*\(at end of document\)$", message)
    line = max(1, len(text.splitlines()))
    if found:
        return f"{path}:{line}: not valid TOML: {message[: found.start()]} (at the end of the file)"
    return f"{path}:1: not valid TOML: {message}"


def _read_domain(f: _DomainFile, raw: Any, problems: list[str]) -> None:
    if raw is None:
        problems.append(f.at(1, "missing the [domain] table (id, title, order, introduction)"))
        return
    if not isinstance(raw, dict):
        problems.append(f.at(f.map.top.get("domain", 1), "`domain` must be a table: [domain]"))
        return
    raw = dict(raw)
    for key in ("questions", "source_file"):
        if key in raw:
            problems.append(f.at(f.map.domain_key_line(key), f"[domain] cannot hold {key!r}"))
            del raw[key]
    if isinstance(raw.get("id"), str):
        f.domain_id = raw["id"]
    if isinstance(raw.get("order"), int) and not isinstance(raw.get("order"), bool):
        f.order = raw["order"]
    try:
        f.domain = Domain.model_validate(raw)
    except ValidationError as error:
        subject = f"domain {f.domain_id!r}" if f.domain_id else "[domain]"
        for detail in error.errors():
            key = _loc_text(detail["loc"])
            line = f.map.domain_key_line(key if detail["type"] != "missing" else None)
            problems.append(f.at(line, _describe(detail, subject, Domain)))
        return
    if not is_snake_case(f.domain.id):
        problems.append(f.at(f.map.domain_key_line("id"), f"domain id {f.domain.id!r} is not snake_case"))


def _read_question(f: _DomainFile, index: int, raw: Any, problems: list[str]) -> None:
    if not isinstance(raw, dict):
        problems.append(f.at(f.map.question_line(index), f"question {index + 1} must be a table"))
        return
    qid = raw.get("id") if isinstance(raw.get("id"), str) else None
    subject = qid or f"question {index + 1} of this file"
    if qid is not None:
        f.raw_ids.append((index, qid))
    raw = dict(raw)
    for key in LOADER_FIELDS:
        if key in raw:
            problems.append(f.at(f.map.question_line(index, key), f"{subject}: {key!r} is filled in by the loader"))
            del raw[key]
    try:
        question = Question.model_validate(raw)
    except ValidationError as error:
        for detail in error.errors():
            problems.append(f.at(_error_line(f, index, detail), _describe(detail, subject, Question)))
        return
    question.domain = f.domain_id or ""
    question.source_file = str(f.path)
    question.source_line = f.map.question_line(index)
    f.questions.append(_Parsed(question=question, file=f, index=index))


def _error_line(f: _DomainFile, index: int, detail: dict[str, Any]) -> int:
    loc = detail["loc"]
    if not loc:
        return f.map.question_line(index)
    if loc[0] == "options" and len(loc) > 1 and isinstance(loc[1], int):
        key = str(loc[2]) if len(loc) > 2 and detail["type"] != "missing" else "code"
        return f.map.option_line(index, loc[1], key)
    if detail["type"] == "missing":
        # A missing field has no line of its own: point at its table, or at the question.
        return f.map.question_line(index, str(loc[0])) if len(loc) > 1 else f.map.question_line(index)
    return f.map.question_line(index, _loc_text(loc[:2]) if loc[0] == "guidance" else str(loc[0]))


def _loc_text(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_TYPE_WORDS = {
    "string_type": "must be text (in quotes)",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "list_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}


def _describe(detail: dict[str, Any], subject: str, model: type) -> str:
    """A pydantic error in a practitioner's words: which question, which field, what to do."""
    where = _loc_text(detail["loc"])
    kind = detail["type"]
    if kind == "missing":
        return f"{subject}: {where!r} is missing"
    if kind == "extra_forbidden":
        known = list(getattr(model, "model_fields", {}))
        if len(detail["loc"]) > 1 and detail["loc"][0] == "guidance":
            known = ["why", "listen_for", "if_declined"]
        last = str(detail["loc"][-1])
        close = difflib.get_close_matches(last, [k for k in known if k not in LOADER_FIELDS], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{subject}: unknown field {where!r}{hint}"
    if kind == "literal_error":
        return f"{subject}: {where!r} must be one of {detail['ctx']['expected']}"
    if kind in _TYPE_WORDS:
        return f"{subject}: {where!r} {_TYPE_WORDS[kind]}"
    message = str(detail["msg"]).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    return f"{subject}: {where!r} {message}" if where else f"{subject}: {message}"


def _check_duplicates(ordered: list[_DomainFile], files: list[_DomainFile], problems: list[str]) -> None:
    seen_domains: dict[str, _DomainFile] = {}
    for f in files:
        if f.domain_id is None:
            continue
        first = seen_domains.setdefault(f.domain_id, f)
        if first is not f:
            problems.append(
                f.at(
                    f.map.domain_key_line("id"),
                    f"duplicate domain id {f.domain_id!r} (first at {first.path}:{first.map.domain_key_line('id')})",
                )
            )
    seen_ids: dict[str, str] = {}
    for f in files:
        for index, qid in f.raw_ids:
            line = f.map.question_line(index)
            if qid in seen_ids:
                problems.append(f.at(line, f"duplicate question id {qid!r} (first at {seen_ids[qid]})"))
            else:
                seen_ids[qid] = f"{f.path}:{line}"


def _check_question(item: _Parsed, problems: list[str]) -> None:
    q, f, index = item.question, item.file, item.index
    line = f.map.question_line(index)
    if not QUESTION_ID.match(q.id) or not is_snake_case(q.id.split(".", 1)[1]):
        want = f"'{f.domain_id}.<snake_case>'" if f.domain_id else "'<domain id>.<snake_case>'"
        problems.append(f.at(line, f"question id {q.id!r} should look like {want}"))
    elif f.domain_id is not None and q.id.split(".", 1)[0] != f.domain_id:
        problems.append(
            f.at(
                line,
                f"question id {q.id!r} does not belong to this file's domain {f.domain_id!r} (start it '{f.domain_id}.')",
            )
        )
    if q.kind in ("single", "multi") and not q.options:
        problems.append(f.at(line, f"{q.id}: a {KIND_NAMES[q.kind]} question needs options"))
    if q.kind not in CODED_KINDS and q.options:
        problems.append(
            f.at(
                f.map.question_line(index, "options"),
                f"{q.id}: options only apply to single choice, multiple choice and yes/no/unsure questions",
            )
        )
    seen: set[str] = set()
    for n, option in enumerate(q.options):
        where = f.map.option_line(index, n)
        if not is_snake_case(option.code):
            problems.append(
                f.at(where, f"{q.id}: option code {option.code!r} is not snake_case (lower-case words joined by _)")
            )
        if option.code in seen:
            problems.append(f.at(where, f"{q.id}: duplicate option code {option.code!r}"))
        seen.add(option.code)
    if q.kind != "number" and (q.min is not None or q.max is not None):
        problems.append(
            f.at(
                f.map.question_line(index, "min" if q.min is not None else "max"),
                f"{q.id}: min and max only apply to number questions",
            )
        )
    elif q.min is not None and q.max is not None and q.min > q.max:
        problems.append(f.at(f.map.question_line(index, "min"), f"{q.id}: min is greater than max"))


def _check_condition(
    item: _Parsed,
    condition: Condition,
    position: dict[str, int],
    by_id: dict[str, _Parsed],
    raw_ids: set[str],
    complete: bool,
    problems: list[str],
) -> None:
    """Every question a show_if reads must come earlier, and every op and code must fit that question."""
    q, f = item.question, item.file
    line = f.map.question_line(item.index, "show_if")
    for child in (condition.all or []) + (condition.any or []) + ([condition.not_] if condition.not_ else []):
        _check_condition(item, child, position, by_id, raw_ids, complete, problems)
    if condition.question is None:
        return
    target = by_id.get(condition.question)
    if target is None:
        # A question that exists but is itself broken is reported where it is; an unreadable file may hold it.
        if condition.question in raw_ids or not complete:
            return
        problems.append(f.at(line, f"{q.id}: show_if names unknown question {condition.question!r}"))
        return
    if position[condition.question] >= position[q.id]:
        problems.append(
            f.at(
                line,
                f"{q.id}: show_if names {condition.question}, which does not come before it in the bank "
                "(a follow-up must follow the question it depends on)",
            )
        )
    kind = target.question.kind
    op = condition.op
    if op in ("status", "answered"):
        return
    if op not in OPS_FOR_KIND[kind]:
        fits = ", ".join(sorted(OPS_FOR_KIND[kind] | {"status", "answered"}))
        problems.append(
            f.at(
                line,
                f"{q.id}: show_if op {op!r} does not fit {condition.question} "
                f"(a {KIND_NAMES[kind]} question; use one of {fits})",
            )
        )
        return
    values = condition.value if isinstance(condition.value, list) else [condition.value]
    if kind in CODED_KINDS:
        codes = target.question.codes()
        for value in values:
            if not isinstance(value, str):
                problems.append(f.at(line, f"{q.id}: show_if value for {condition.question} must be an option code"))
            elif value not in codes:
                problems.append(f.at(line, f"{q.id}: show_if: {condition.question} has no option {value!r}"))
    elif kind == "number":
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
            problems.append(f.at(line, f"{q.id}: show_if op {op!r} on {condition.question} needs a number"))
    elif any(not isinstance(v, str) for v in values):
        problems.append(f.at(line, f"{q.id}: show_if value for {condition.question} must be text"))


def _check_core_follow_up(item: _Parsed, by_id: dict[str, _Parsed], problems: list[str]) -> None:
    """A core follow-up must be reachable on the core path: it cannot hang on deeper questions alone."""
    q = item.question
    assert q.show_if is not None
    read = [by_id[qid].question for qid in q.show_if.question_ids() if qid in by_id]
    if q.depth == "core" and read and all(r.depth == "deeper" for r in read):
        problems.append(
            item.file.at(
                item.file.map.question_line(item.index, "depth"),
                f"{q.id}: a core follow-up of deeper questions only ({', '.join(r.id for r in read)}) would never "
                'show on the core path; mark it depth = "deeper" or make one of them core',
            )
        )


def _check_check_in(f: _DomainFile, problems: list[str]) -> None:
    """The check-in names a question of its own domain, and no sensitive question comes before it."""
    if f.domain is None:
        return
    ids = [p.question.id for p in f.questions]
    sensitive = [p for p in f.questions if p.question.sensitive]
    if f.domain.check_in is None:
        if sensitive:
            problems.append(
                f.at(
                    f.map.domain_key_line(),
                    f"domain {f.domain.id!r} has sensitive questions but no check_in before them",
                )
            )
        return
    before = f.domain.check_in.before
    if not f.has_id(before):
        problems.append(
            f.at(
                f.map.domain_key_line("check_in.before"),
                f"domain {f.domain.id!r}: check_in.before names {before!r}, which is not a question in this domain",
            )
        )
        return
    if before not in ids:
        return
    start = ids.index(before)
    for p in sensitive:
        if ids.index(p.question.id) < start:
            problems.append(
                f.at(
                    f.map.question_line(p.index, "sensitive"),
                    f"{p.question.id}: a sensitive question comes before the domain's check-in ({before})",
                )
            )


def _check_canonical(
    root: Path, files: list[_DomainFile], by_id: dict[str, _Parsed], raw_ids: set[str], problems: list[str]
) -> None:
    counts = Counter(qid for f in files for _, qid in f.raw_ids)
    for qid, (kind, codes) in CANONICAL.items():
        if counts[qid] > 1:
            continue  # a duplicate is reported as such; which one is meant is for the editor to decide
        found = by_id.get(qid)
        if found is None:
            if qid in raw_ids:
                continue  # it is there but broken; that problem is already reported
            domain_id = qid.split(".", 1)[0]
            home = next((f for f in files if f.domain_id == domain_id), None)
            where = home.at(home.map.domain_key_line(), "") if home else f"{root}:1: "
            problems.append(
                f"{where}missing canonical question {qid} ({KIND_NAMES[kind]}); "
                "the plan builder, exports and other systems rely on it"
            )
            continue
        q, f = found.question, found.file
        if q.kind != kind:
            problems.append(
                f.at(
                    f.map.question_line(found.index, "kind"),
                    f"{qid}: canonical question must be {kind!r} ({KIND_NAMES[kind]}), not {q.kind!r}",
                )
            )
            continue
        missing = [code for code in codes if code not in q.codes()]
        if missing:
            problems.append(
                f.at(f.map.question_line(found.index), f"{qid}: missing canonical option code(s) {', '.join(missing)}")
            )

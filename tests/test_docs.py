"""docs/sms-format.md's examples parse as the page says, so the landlords' guide cannot drift from the parser.

The examples are read from the page itself: the §2 command table, the indented message blocks, the
§3 field table (each form placed in an otherwise valid record), the §6 error and warning tables, and
every `@` property code on the page (it must be one enrolment accepts).
A new row in the field table needs a template below, so it cannot go unchecked.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from parsers import parse_sms
from parsers.tokens import KEYWORD, KEYWORDS
from store.enrolment import PROPERTY_CODE
from tests.constants import ID_A, REPO

DOC = REPO / "docs" / "sms-format.md"
TODAY = dt.date(2014, 1, 10)  # the day the page's examples are written for
SPAN = re.compile(r"`([^`]+)`")


def section(number: int) -> str:
    """The text of `## N.` up to the next `## ` heading."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^## {number}\. .*?(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/sms-format.md has no section {number}"
    return match.group()


def tables(text: str) -> list[list[list[str]]]:
    """Each markdown table in `text` as its body rows of cells (header and rule dropped)."""
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
        elif current:
            found.append(current[2:])
            current = []
    return found


def is_message(text: str) -> bool:
    """Whether a code span is a whole SMS (it opens with a command) and not an elided one."""
    return KEYWORD.match(text) is not None and "…" not in text


def command_examples() -> list[tuple[str, str]]:
    (rows,) = tables(section(2))
    return [(row[0].split()[-1], example) for row in rows for example in SPAN.findall(row[2])]


def message_examples() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    blocks = [line[4:] for line in text.splitlines() if line.startswith("    ") and is_message(line[4:])]
    layout = [span for span in SPAN.findall(section(1)) if is_message(span)]
    return blocks + layout


# The field table's rows by their English label: where a form goes in an otherwise valid record,
# and which part of the record it must land in.
FIELD_TEMPLATES = {
    "name": (f"登记 {{}} {ID_A} 301", "name"),
    "Resident ID": ("登记 张三 {} 301", "document"),
    "legacy ID": ("登记 张三 {} 301", "document"),
    "passport": ("登记 张三 {} 301", "document"),
    "HK/Macau permit": ("登记 张三 {} 301", "document"),
    "Taiwan permit": ("登记 张三 {} 301", "document"),
    "no document": ("登记 张三 {} 301", "document"),
    "room": (f"登记 张三 {ID_A} {{}}", "room"),
    "date": (f"登记 张三 {ID_A} 301 {{}}", "date"),
    "phone": (f"登记 张三 {ID_A} 301 {{}}", "phone"),
    "property": (f"登记 张三 {ID_A} 301 {{}}", "property"),
    "hukou": ("登记 王小明 无证 302 {}", "hukou"),
}


def field_examples() -> list[tuple[str, str]]:
    (rows,) = tables(section(3))
    out = []
    for row in rows:
        label = re.sub(r"^\W+", "", row[0].split(" ", 1)[-1])  # `姓名 name` -> `name`
        out.extend((label, form) for form in SPAN.findall(row[1]))
    return out


def property_codes() -> list[str]:
    """Every all-digit `@` selector written in a code span anywhere on the page."""
    return [code for span in SPAN.findall(DOC.read_text(encoding="utf-8")) for code in re.findall(r"@(\d+)", span)]


def code_examples(table: int) -> list[tuple[str, str]]:
    """(code, message) of one §6 table whose sent cell is a single, whole message."""
    rows = tables(section(6))[table]
    return [(SPAN.fullmatch(row[0]).group(1), sent.group(1)) for row in rows
            if (sent := SPAN.fullmatch(row[1])) and "…" not in sent.group(1)]


class TestCommandTable:
    @pytest.mark.parametrize("command, example", command_examples(), ids=lambda v: v)
    def test_example_selects_its_command_without_errors(self, command, example):
        """Each example in the command table is that command and has no error."""
        result = parse_sms(example, today=TODAY)
        assert (result.command, result.errors) == (command, ())

    def test_every_command_has_an_example(self):
        """The command table shows an example of every command the grammar knows."""
        assert {command for command, _ in command_examples()} == set(KEYWORDS.values())


class TestMessages:
    @pytest.mark.parametrize("message", message_examples(), ids=lambda v: v)
    def test_message_parses_without_errors(self, message):
        """Each whole message the page shows as an example parses with no error."""
        result = parse_sms(message, today=TODAY)
        assert result.command is not None and result.errors == ()

    def test_the_page_shows_whole_messages(self):
        """The layout section and the family example are found, so the test above checks something."""
        assert len(message_examples()) >= 2


class TestFieldTable:
    @pytest.mark.parametrize("label, form", field_examples(), ids=lambda v: v)
    def test_form_is_read_as_its_field(self, label, form):
        """Each form in the field table, placed in a valid record, is read as that field with no error."""
        template, attribute = FIELD_TEMPLATES[label]
        result = parse_sms(template.format(form), today=TODAY)
        assert result.errors == ()
        (record,) = result.records
        assert getattr(record, attribute) is not None

    def test_every_row_has_a_template(self):
        """Every row of the field table is checked (and every template still has a row)."""
        assert {label for label, _ in field_examples()} == set(FIELD_TEMPLATES)


class TestPropertyCodes:
    @pytest.mark.parametrize("code", property_codes())
    def test_code_can_be_enrolled(self, code):
        """Every `@` code on the page has the 4–12 digits enrolment requires (a copied `@12` is never found)."""
        assert PROPERTY_CODE.fullmatch(code)


class TestCodeTables:
    @pytest.mark.parametrize("code, message", code_examples(0), ids=lambda v: v)
    def test_error_example_raises_its_code(self, code, message):
        """Each example in the error table is rejected with the code of its row."""
        assert code in {problem.code for problem in parse_sms(message, today=TODAY).errors}

    @pytest.mark.parametrize("code, message", code_examples(1), ids=lambda v: v)
    def test_warning_example_is_accepted_with_its_code(self, code, message):
        """Each example in the warning table has no error and carries the code of its row."""
        result = parse_sms(message, today=TODAY)
        assert result.errors == () and code in {problem.code for problem in result.warnings}

    def test_the_tables_are_found(self):
        """The error and warning tables are where the test looks for them."""
        assert len(code_examples(0)) >= 15
        assert {code for code, _ in code_examples(1)} == {"legacy_id", "region_unknown", "late", "backlog",
                                                          "missing_hukou", "missing_portrait"}

"""Tokenizer for the SOQL subset the sandbox understands.

Keywords are returned as ``IDENT`` tokens (SOQL keywords are case-insensitive and the parser
decides by position). String literals keep their raw escaped text: the parser decodes them
differently for ``LIKE`` patterns, where ``\\%`` and ``\\_`` mean literal characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Tok(Enum):
    IDENT = "identifier"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    COLON = ":"
    EOF = "<EOF>"


@dataclass(frozen=True)
class Token:
    kind: Tok
    text: str
    pos: int


class SoqlSyntaxError(Exception):
    """Malformed query text at character offset ``pos``."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\dT])")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?![\w.])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_OPS = ("<=", ">=", "!=", "<>", "=", "<", ">")
_SINGLE = {"(": Tok.LPAREN, ")": Tok.RPAREN, ",": Tok.COMMA, ":": Tok.COLON}
_ESCAPES = {
    "'": "'",
    '"': '"',
    "\\": "\\",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    length = len(text)
    while pos < length:
        char = text[pos]
        if char.isspace():
            pos += 1
            continue
        if char == "'":
            end = pos + 1
            while end < length and text[end] != "'":
                end += 2 if text[end] == "\\" else 1
            if end >= length:
                raise SoqlSyntaxError("unexpected token: <EOF>", length)
            tokens.append(Token(Tok.STRING, text[pos + 1 : end], pos))
            pos = end + 1
            continue
        if char in _SINGLE:
            tokens.append(Token(_SINGLE[char], char, pos))
            pos += 1
            continue
        op = next((o for o in _OPS if text.startswith(o, pos)), None)
        if op is not None:
            tokens.append(Token(Tok.OP, op, pos))
            pos += len(op)
            continue
        for kind, pattern in (
            (Tok.DATETIME, _DATETIME),
            (Tok.DATE, _DATE),
            (Tok.NUMBER, _NUMBER),
            (Tok.IDENT, _IDENT),
        ):
            match = pattern.match(text, pos)
            if match is not None:
                tokens.append(Token(kind, match.group(), pos))
                pos = match.end()
                break
        else:
            raise SoqlSyntaxError(f"unexpected token: '{char}'", pos)
    tokens.append(Token(Tok.EOF, "<EOF>", length))
    return tokens


def decode_string(raw: str, pos: int) -> str:
    """The value of a string literal's raw text (SOQL quoted-string escapes)."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\":
            nxt = raw[index + 1] if index + 1 < len(raw) else ""
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            elif nxt in ("%", "_"):
                out.append("\\" + nxt)
            else:
                raise SoqlSyntaxError(
                    f"Invalid string literal '{raw}'. Illegal character sequence '\\{nxt}' in "
                    "string literal.",
                    pos,
                )
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def like_pattern(raw: str, pos: int) -> re.Pattern[str]:
    """Regex for a ``LIKE`` literal: ``%`` any run, ``_`` one char, ``\\%``/``\\_`` literal."""
    parts: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\":
            nxt = raw[index + 1] if index + 1 < len(raw) else ""
            if nxt in _ESCAPES:
                parts.append(re.escape(_ESCAPES[nxt]))
            elif nxt in ("%", "_"):
                parts.append(re.escape(nxt))
            else:
                raise SoqlSyntaxError(
                    f"Invalid string literal '{raw}'. Illegal character sequence '\\{nxt}' in "
                    "string literal.",
                    pos,
                )
            index += 2
            continue
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
        index += 1
    return re.compile("".join(parts) + r"\Z", re.IGNORECASE | re.DOTALL)

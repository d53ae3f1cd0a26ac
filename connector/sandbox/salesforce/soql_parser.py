"""Recursive-descent parser for the SOQL subset; produces a small AST.

Grammar (keywords case-insensitive)::

    query      := SELECT select FROM ident [WHERE cond] [ORDER BY order (',' order)*]
                  [LIMIT int] [OFFSET int]
    select     := COUNT '(' ')' | item (',' item)*
    item       := path | COUNT '(' path ')' [alias]
    cond       := unary ((AND unary)* | (OR unary)*)
    unary      := NOT unary | '(' cond ')' | path op value
                | path [NOT] IN '(' value (',' value)* ')' | path LIKE string
    value      := string | number | date | datetime | NULL | TRUE | FALSE
                | TODAY | YESTERDAY | TOMORROW | LAST_N_DAYS ':' int | NEXT_N_DAYS ':' int
    order      := path [ASC | DESC] [NULLS (FIRST | LAST)]

SOQL has no precedence between AND and OR: mixing them at one level without parentheses is
rejected (SOQL and SOSL Reference, "Condition Expression Syntax (WHERE Clause)").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.sandbox.salesforce.soql_lexer import SoqlSyntaxError, Tok, Token, tokenize

KEYWORDS = frozenset(
    {
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC",
        "DESC", "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET", "NULL", "TRUE", "FALSE",
        "COUNT", "GROUP", "HAVING", "FOR", "USING", "WITH", "INCLUDES", "EXCLUDES",
    }
)  # fmt: skip
DATE_FUNCTIONS = frozenset({"TODAY", "YESTERDAY", "TOMORROW"})
DATE_N_FUNCTIONS = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS"})


@dataclass(frozen=True)
class Literal:
    """``kind``: string, like, number, date, datetime, null, bool, date_range."""

    kind: str
    value: Any
    pos: int
    text: str


@dataclass(frozen=True)
class FieldPath:
    parts: tuple[str, ...]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Comparison:
    path: FieldPath
    op: str  # = != < > <= >= IN NOT_IN LIKE
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND / OR
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Not:
    item: Expr


Expr = Comparison | BoolOp | Not


@dataclass(frozen=True)
class CountItem:
    path: FieldPath | None
    alias: str | None


@dataclass(frozen=True)
class OrderItem:
    path: FieldPath
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    fields: tuple[FieldPath, ...]
    count: CountItem | None
    object_name: str
    object_pos: int
    where: Expr | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[Token] = tokenize(text)
        self.index = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Tok.EOF:
            self.index += 1
        return token

    def unexpected(self, token: Token | None = None) -> SoqlSyntaxError:
        token = token or self.tok
        return SoqlSyntaxError(f"unexpected token: {_show(token)}", token.pos)

    def at(self, kind: Tok) -> bool:
        return self.tok.kind is kind

    def is_kw(self, *words: str) -> bool:
        return self.at(Tok.IDENT) and self.tok.text.upper() in words

    def expect_kw(self, word: str) -> Token:
        if not self.is_kw(word):
            raise self.unexpected()
        return self.advance()

    def expect(self, kind: Tok) -> Token:
        if self.tok.kind is not kind:
            raise self.unexpected()
        return self.advance()

    def path(self) -> FieldPath:
        token = self.tok
        if token.kind is not Tok.IDENT or token.text.upper() in KEYWORDS:
            raise self.unexpected()
        self.advance()
        return FieldPath(tuple(token.text.split(".")), token.pos)

    def integer(self) -> int:
        token = self.expect(Tok.NUMBER)
        try:
            return int(token.text)
        except ValueError:
            raise SoqlSyntaxError(f"unexpected token: {token.text}", token.pos) from None

    # -- clauses ---------------------------------------------------------------------------

    def query(self) -> Query:
        self.expect_kw("SELECT")
        fields: list[FieldPath] = []
        count: CountItem | None = None
        while True:
            if self.is_kw("COUNT") and self.tokens[self.index + 1].kind is Tok.LPAREN:
                if fields or count is not None:
                    raise self.unexpected()
                self.advance()
                self.advance()
                inner = None if self.at(Tok.RPAREN) else self.path()
                self.expect(Tok.RPAREN)
                alias = None
                if self.at(Tok.IDENT) and not self.is_kw("FROM"):
                    alias = self.advance().text
                count = CountItem(inner, alias)
            else:
                if count is not None:
                    raise self.unexpected()
                fields.append(self.path())
            if not self.at(Tok.COMMA):
                break
            self.advance()
        self.expect_kw("FROM")
        obj_token = self.tok
        if obj_token.kind is not Tok.IDENT or obj_token.text.upper() in KEYWORDS:
            raise self.unexpected()
        self.advance()
        where = None
        if self.is_kw("WHERE"):
            self.advance()
            where = self.condition()
        order: list[OrderItem] = []
        if self.is_kw("ORDER"):
            self.advance()
            self.expect_kw("BY")
            while True:
                order.append(self.order_item())
                if not self.at(Tok.COMMA):
                    break
                self.advance()
        limit = offset = None
        if self.is_kw("LIMIT"):
            self.advance()
            limit = self.integer()
        if self.is_kw("OFFSET"):
            self.advance()
            offset = self.integer()
        if not self.at(Tok.EOF):
            raise self.unexpected()
        return Query(
            tuple(fields),
            count,
            obj_token.text,
            obj_token.pos,
            where,
            tuple(order),
            limit,
            offset,
        )

    def order_item(self) -> OrderItem:
        path = self.path()
        descending = False
        if self.is_kw("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        nulls_first = not descending
        if self.is_kw("NULLS"):
            self.advance()
            if not self.is_kw("FIRST", "LAST"):
                raise self.unexpected()
            nulls_first = self.advance().text.upper() == "FIRST"
        return OrderItem(path, descending, nulls_first)

    def condition(self) -> Expr:
        first = self.unary()
        if not self.is_kw("AND", "OR"):
            return first
        op = self.tok.text.upper()
        items = [first]
        while self.is_kw("AND", "OR"):
            if self.tok.text.upper() != op:
                raise self.unexpected()
            self.advance()
            items.append(self.unary())
        return BoolOp(op, tuple(items))

    def unary(self) -> Expr:
        if self.is_kw("NOT"):
            self.advance()
            return Not(self.unary())
        if self.at(Tok.LPAREN):
            self.advance()
            inner = self.condition()
            self.expect(Tok.RPAREN)
            return inner
        path = self.path()
        if self.at(Tok.OP):
            op = self.advance().text
            op = "!=" if op == "<>" else op
            return Comparison(path, op, (self.value(),))
        if self.is_kw("LIKE"):
            self.advance()
            token = self.expect(Tok.STRING)
            return Comparison(path, "LIKE", (Literal("like", token.text, token.pos, token.text),))
        negate = False
        if self.is_kw("NOT"):
            self.advance()
            negate = True
        if self.is_kw("IN"):
            self.advance()
            self.expect(Tok.LPAREN)
            values = [self.value()]
            while self.at(Tok.COMMA):
                self.advance()
                values.append(self.value())
            self.expect(Tok.RPAREN)
            return Comparison(path, "NOT_IN" if negate else "IN", tuple(values))
        raise self.unexpected()

    def value(self) -> Literal:
        token = self.advance()
        kind = token.kind
        if kind is Tok.STRING:
            return Literal("string", token.text, token.pos, f"'{token.text}'")
        if kind is Tok.NUMBER:
            return Literal("number", float(token.text), token.pos, token.text)
        if kind is Tok.DATE:
            return Literal("date", token.text, token.pos, token.text)
        if kind is Tok.DATETIME:
            return Literal("datetime", token.text, token.pos, token.text)
        if kind is Tok.IDENT:
            word = token.text.upper()
            if word == "NULL":
                return Literal("null", None, token.pos, token.text)
            if word in ("TRUE", "FALSE"):
                return Literal("bool", word == "TRUE", token.pos, token.text)
            if word in DATE_FUNCTIONS:
                return Literal("date_range", (word, 0), token.pos, token.text)
            if word in DATE_N_FUNCTIONS:
                self.expect(Tok.COLON)
                return Literal("date_range", (word, self.integer()), token.pos, token.text)
        raise self.unexpected(token)


def _show(token: Token) -> str:
    return "<EOF>" if token.kind is Tok.EOF else token.text


def parse(text: str) -> Query:
    """Parse a SOQL query; raises :class:`SoqlSyntaxError` on malformed text."""
    return _Parser(text).query()

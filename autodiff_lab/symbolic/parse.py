"""The one safe parser for math typed by people: student answers, expected derivatives."""

import keyword
import math
import re
import unicodedata
from typing import NamedTuple

import sympy
from sympy import S

__all__ = ["MathParseError", "parse_math"]

# A literal longer than this is a paste accident or an attack, never an answer.
_MAX_LITERAL_DIGITS = 100
# Numbers SymPy would build (2^1000 has 302 digits) stay printable and quick to compare.
_MAX_NUMBER_DIGITS = 1000
# A function applied to an argument with this many nested functions is not evaluated by SymPy
# (tanh(1.1 tanh(...) + 0.1) stays as written): its evaluation is exponential in the depth.
_EVALUATE_DEPTH = 3


def _sigmoid(x):
    return 1 / (1 + sympy.exp(-x))


_FUNCTIONS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "sec": sympy.sec, "csc": sympy.csc, "cot": sympy.cot,
    "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
    "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
    "exp": sympy.exp, "log": sympy.log, "ln": sympy.log,
    # sympy.sqrt's second parameter is ``evaluate``: sqrt(x, 2) must not reach it.
    "sqrt": lambda x: sympy.sqrt(x), "abs": sympy.Abs, "sigmoid": _sigmoid,
}
_CONSTANTS = {"e": S.Exp1, "pi": S.Pi}

_GREEK_NAMES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
                "kappa", "lamda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau",
                "upsilon", "phi", "chi", "psi", "omega"]
_GREEK = {unicodedata.lookup(f"GREEK SMALL LETTER {n}"): n for n in _GREEK_NAMES}
_GREEK.update({unicodedata.lookup(f"GREEK CAPITAL LETTER {n}"): n.capitalize()
               for n in _GREEK_NAMES})
_GREEK.update({"ϑ": "theta", "ϕ": "phi", "ϵ": "epsilon", "ς": "sigma", "µ": "mu"})

_OPERATORS = {"·": "*", "×": "*", "⋅": "*", "∗": "*", "−": "-", "–": "-", "÷": "/"}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-"))
_OPEN, _CLOSE = "([{", ")]}"
_HINTS = {"=": "; an answer is an expression, not an equation",
          "|": "; write abs(x) for |x|"}
_NAME = re.compile(r"[A-Za-z]+[0-9]*")


class MathParseError(ValueError):
    """Text that is not math we accept, with the position of the offending character.

    >>> try:
    ...     parse_math("8x^$3")
    ... except MathParseError as e:
    ...     print(e)
    unexpected character '$' at position 3
      8x^$3
         ^
    """

    def __init__(self, message, text="", position=None):
        super().__init__(message)
        self.message, self.text, self.position = message, text, position

    def __reduce__(self):
        return type(self), (self.message, self.text, self.position)

    def __str__(self):
        if not self.text.strip():
            return self.message
        # A window around the position keeps the caret meaningful in a 2,000,000-character paste.
        at = self.position if self.position is not None else 0
        start = max(0, min(at - 35, len(self.text) - 70))
        shown = "".join(ch if ch.isprintable() else " " for ch in self.text[start:start + 70])
        lead = "…" if start else ""
        lines = [self.message, f"  {lead}{shown}{'…' if start + 70 < len(self.text) else ''}"]
        if self.position is not None:
            lines.append("  " + " " * (len(lead) + at - start) + "^")
        return "\n".join(lines)


class _Token(NamedTuple):
    kind: str    # num var func op open close sup comma end
    value: object
    pos: int
    text: str    # as typed, for messages

    @property
    def end(self):
        return self.pos + len(self.text)


def _canonical(ch):
    """One character as the tokenizer sees it; the same length, so positions stay true."""
    if ch.isspace():
        return " "
    if ch.isascii():
        return ch
    if ch in _OPERATORS:
        return _OPERATORS[ch]
    # Math italic 𝑥, script ℯ and fullwidth ｘ come from pasted documents and mean x, e.
    if unicodedata.decomposition(ch).split(" ")[0] in ("<font>", "<wide>"):
        plain = unicodedata.normalize("NFKC", ch)
        if len(plain) == 1 and (plain.isascii() or plain in _GREEK):
            return plain
    return ch


def _digit(ch):
    return "0" <= ch <= "9"  # not str.isdigit: superscripts and other scripts are digits too


def _digits(expr):
    """About how many decimal digits the largest number in ``expr`` has (10^999 has 999)."""
    return max((math.log10(max(abs(r.p), r.q)) for r in expr.atoms(sympy.Rational)), default=0)


class _Lexer:
    """Text to tokens, with names already resolved and brackets already matched."""

    def __init__(self, text, names, declared, max_depth, matrices=False):
        self.text, self.names, self.declared, self.max_depth = text, names, declared, max_depth
        self.matrices = matrices
        self.chars = [_canonical(ch) for ch in text]
        self.tokens, self.stack = [], []

    def fail(self, message, position):
        raise MathParseError(message, self.text, position)

    def at(self, i):
        return self.chars[i] if i < len(self.chars) else ""

    def run(self, i, test):
        while i < len(self.chars) and test(self.chars[i]):
            i += 1
        return i

    def lex(self):
        c, i = self.chars, 0
        while i < len(c):
            ch = c[i]
            if ch == " ":
                i += 1
            elif _digit(ch) or ch == "." and _digit(self.at(i + 1)):
                i = self.number(i)
            elif ch.isascii() and ch.isalpha() or ch in _GREEK:
                i = self.name(i)
            elif ch in _SUPERSCRIPTS:
                i = self.superscript(i)
            elif ch == "*" and self.at(i + 1) == "*":
                self.add("op", "^", i, i + 2)
                i += 2
            elif self.matrices and (ch == "ᵀ" or ch == "^" and self.transpose_at(i + 1)):
                stop = i + 1 if ch == "ᵀ" else self.run(i + 1, lambda c: c == " ") + 1
                self.add("transpose", None, i, stop)
                i = stop
            elif self.matrices and (self.text[i] == "*" or ch == "⊙"):
                self.add("op", "⊙", i, i + 1)  # with matrices, * is elementwise; · multiplies
                i += 1
            elif ch in "+-*/^":
                self.add("op", ch, i, i + 1)
                i += 1
            elif ch in _OPEN:
                if len(self.stack) == self.max_depth:
                    self.fail(f"nesting deeper than {self.max_depth} levels at position {i}", i)
                self.stack.append(self.add("open", ch, i, i + 1))
                i += 1
            elif ch in _CLOSE:
                self.close(i)
                i += 1
            elif ch == ",":
                self.add("comma", ch, i, i + 1)
                i += 1
            elif ch == "⊙":
                self.fail(f"'⊙' at position {i} multiplies matrices elementwise: declare them "
                          "with matrices={name: shape}", i)
            elif ch == "√":
                self.add("func", ("sqrt", _FUNCTIONS["sqrt"]), i, i + 1)
                i += 1
            else:
                self.fail(f"unexpected character {self.text[i]!r} at position {i}"
                          + _HINTS.get(ch, ""), i)
        if self.stack:
            self.fail(f"unmatched '{self.stack[-1].text}' at position {self.stack[-1].pos}",
                      self.stack[-1].pos)
        self.add("end", None, len(c), len(c))
        return self.tokens

    def transpose_at(self, i):
        """Whether ^T at ``i`` (after spaces) is a transpose: a T that is not a declared name."""
        i = self.run(i, lambda c: c == " ")
        return self.at(i) == "T" and not (self.at(i + 1).isascii() and self.at(i + 1).isalnum()) \
            and "T" not in self.names

    def add(self, kind, value, start, stop):
        token = _Token(kind, value, start, self.text[start:stop])
        self.tokens.append(token)
        return token

    def close(self, i):
        if not self.stack:
            self.fail(f"unmatched '{self.text[i]}' at position {i}", i)
        opener = self.stack.pop()
        if _CLOSE[_OPEN.index(opener.value)] != self.chars[i]:
            self.fail(f"'{self.text[i]}' at position {i} does not close '{opener.text}' "
                      f"at position {opener.pos}", i)
        self.add("close", self.chars[i], i, i + 1)

    def number(self, i):
        """Decimals and scientific notation, as exact rationals (0.5 is 1/2, not 0.5000...)."""
        start = i
        i = self.run(i, _digit)
        whole, fraction, power = "".join(self.chars[start:i]), "", 0
        if self.at(i) == "." and _digit(self.at(i + 1)):
            j = self.run(i + 1, _digit)
            fraction, i = "".join(self.chars[i + 1:j]), j
        # 2e3 is 2000, but 2e^x and 2ex keep e as a name: an exponent needs its digits.
        sign = 1 if self.at(i + 1) in ("+", "-") and _digit(self.at(i + 2)) else 0
        if self.at(i) in ("e", "E") and _digit(self.at(i + 1 + sign)):
            j = self.run(i + 1 + sign, _digit)
            exponent = "".join(self.chars[i + 1 + sign:j]).lstrip("0") or "0"
            if len(exponent) > 9:  # int() of thousands of digits is slow, and this is absurd
                self.fail(f"number at position {start} is too long (more than a billion digits;"
                          f" the limit is {_MAX_LITERAL_DIGITS})", start)
            power = int(exponent) * (-1 if self.at(i + 1) == "-" else 1)
            i = j
        size = len(whole + fraction) + abs(power)
        if size > _MAX_LITERAL_DIGITS:
            self.fail(f"number at position {start} is too long ({size:,} digits; the limit is "
                      f"{_MAX_LITERAL_DIGITS})", start)
        p, q = int(whole + fraction or "0"), 10 ** len(fraction)
        p, q = (p * 10 ** power, q) if power >= 0 else (p, q * 10 ** -power)
        self.add("num", sympy.Rational(p, q), start, i)
        return i

    def superscript(self, i):
        j = self.run(i, lambda ch: ch in _SUPERSCRIPTS)
        raw = "".join(_SUPERSCRIPTS[ch] for ch in self.chars[i:j])
        if not re.fullmatch(r"[+-]?[0-9]+", raw):
            self.fail(f"superscript '{self.text[i:j]}' at position {i} is not a whole number", i)
        if len(raw) > _MAX_LITERAL_DIGITS:
            self.fail(f"number at position {i} is too long ({len(raw):,} digits; the limit is "
                      f"{_MAX_LITERAL_DIGITS})", i)
        self.add("sup", sympy.Integer(int(raw)), i, j)
        return j

    def name(self, i):
        """A run of letters and digits: one name, a product of declared names, or an error."""
        start = i
        if self.chars[i] in _GREEK:
            word, i = _GREEK[self.chars[i]], i + 1
        else:
            i = self.run(i, lambda ch: ch.isascii() and ch.isalpha())
            word = "".join(self.chars[start:i])
        letters = i - start
        j = self.run(i, _digit)
        word, i = word + "".join(self.chars[i:j]), j
        called = self.at(self.run(i, lambda ch: ch == " ")) in ("(", "[", "{")
        if word in self.names:
            return self.add_name(word, start, i)
        pieces = self.split(word, start, i) if self.declared is not None else None
        if pieces:
            for piece, a, b in pieces:
                self.add_name(piece, a, b)
            return i
        if keyword.iskeyword(word):
            self.fail(f"reserved word '{word}' at position {start}", start)
        # A multi-letter name before parentheses can only be meant as a function we lack.
        if called and (self.declared is not None or letters > 1):
            self.fail(f"unknown function '{self.text[start:i]}' at position {start}", start)
        if self.declared is not None:
            expected = ", ".join(sorted(self.declared)) or "no names"
            self.fail(f"unknown name '{self.text[start:i]}' at position {start}; "
                      f"expected one of: {expected}", start)
        self.add("var", sympy.Symbol(word), start, i)
        return i

    def add_name(self, word, start, stop):
        kind, value = self.names[word]
        self.add(kind, (word, value) if kind == "func" else value, start, stop)
        return stop

    def split(self, word, start, stop):
        """``xy`` with declared x and y is x·y; ``xsinx`` is x·sin x. Longest match first."""
        if stop - start != len(word):
            return None
        longest = max(map(len, self.names), default=0)
        pieces, j = [], 0
        while j < len(word):
            size = next((n for n in range(min(longest, len(word) - j), 0, -1)
                         if word[j:j + n] in self.names), 0)
            if not size:
                return None
            pieces.append((word[j:j + size], start + j, start + j + size))
            j += size
        return pieces


class _Parser:
    """Recursive descent over the tokens, building SymPy objects as it goes."""

    def __init__(self, text, tokens, max_depth, max_exponent):
        self.text, self.tokens = text, tokens
        self.max_depth, self.max_exponent = max_depth, max_exponent
        self.i = self.depth = 0

    def fail(self, message, position):
        raise MathParseError(message, self.text, position)

    def peek(self, ahead=0):
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self):
        self.i += 1
        return self.tokens[self.i - 1]

    def is_op(self, ops, ahead=0):
        token = self.peek(ahead)
        return token.kind == "op" and token.value in ops

    def nest(self, token, step):
        self.depth += step
        if self.depth > self.max_depth:
            self.fail(f"nesting deeper than {self.max_depth} levels at position {token.pos}",
                      token.pos)

    def parse(self):
        result = self.sum()
        if self.peek().kind != "end":
            self.unexpected(self.peek())
        return result

    def unexpected(self, token):
        hint = "; write decimals with a point, like 0.5" if token.kind == "comma" else ""
        what = "superscript " if token.kind == "sup" else ""
        self.fail(f"unexpected {what}'{token.text}' at position {token.pos}{hint}", token.pos)

    def sum(self):
        terms = [self.term()]
        while self.is_op("+-"):
            negative = self.take().value == "-"
            term = self.term()
            terms.append(-term if negative else term)
        if any(_is_matrix(t) for t in terms):
            out = terms[0]
            for t in terms[1:]:
                out = _elementwise(out, t, lambda a, b: a + b, "+", self)
            return out
        return sympy.Add(*terms)

    def term(self):
        # Implicit products bind like * and /, left to right: 1/2x is x/2, as on calculators.
        factors = self.signed()
        while True:
            token = self.peek()
            if self.is_op("⊙"):
                self.take()
                factor = _product(self.signed(), self)
                left = _product(factors, self)
                factors = [_elementwise(left, factor, lambda a, b: a * b, "⊙", self, token)]
            elif self.is_op("*/"):
                self.take()
                *sign, factor = self.signed()
                factors += sign
                if token.value == "/":
                    if factor == 0:
                        self.fail(f"division by zero at position {token.pos}", token.pos)
                    if _is_matrix(factor):
                        self.fail(f"division by a matrix at position {token.pos}; multiply by "
                                  "its inverse, or divide elementwise by its entries", token.pos)
                    factor = sympy.Pow(factor, -1)
                factors.append(factor)
            elif token.kind in ("var", "func", "open"):
                factors.append(self.power())
            elif token.kind == "num":
                # "2 3" or "x 2": a missing operator, not a product anyone writes on purpose.
                self.fail(f"missing operator before number '{token.text}' at position "
                          f"{token.pos}", token.pos)
            else:
                return _product(factors, self)

    def signed(self):
        """Factors for a signed power: -a·b is the product (-1)·a·b, as SymPy builds it."""
        negative = False
        while self.is_op("+-"):
            negative ^= self.take().value == "-"
        return [S.NegativeOne, self.power()] if negative else [self.power()]

    def power(self):
        base = self.postfix()
        if not self.is_op("^"):
            return base
        caret = self.take()
        self.nest(caret, 1)
        first = self.i
        exponent = sympy.Mul(*self.signed())
        self.nest(caret, -1)
        literal = all(t.kind in ("num", "op") for t in self.tokens[first:self.i])
        after = self.peek()
        # e^2x reads as e^(2x) to most students and as e²·x to parsers: refuse the guess.
        if (base == S.Exp1 and literal and after.kind in ("var", "func")
                and after.pos == self.tokens[self.i - 1].end):
            at, more = self.tokens[first].pos, "..." if after.kind == "func" else ""
            self.fail(f"ambiguous exponent at position {at}: write "
                      f"e^({self.text[at:after.end]}{more}) or "
                      f"e^{self.text[at:after.pos]}*{after.text}{more}", at)
        return self.pow(base, exponent, caret, self.tokens[first])

    def postfix(self):
        base = self.primary()
        while self.peek().kind in ("sup", "transpose"):
            token = self.take()
            if token.kind == "transpose":
                if not _is_matrix(base):
                    self.fail(f"transpose at position {token.pos} of a number; only declared "
                              "matrices have one", token.pos)
                base = base.T
                continue
            base = self.pow(base, token.value, token, token)
        return base

    def pow(self, base, exponent, op, start):
        """base^exponent, refused before SymPy would compute an enormous number; a matrix's
        power is elementwise (tanh(Wx)^2 squares each entry)."""
        if _is_matrix(exponent):
            self.fail(f"a matrix exponent at position {start.pos}", start.pos)
        if _is_matrix(base):
            return base.applyfunc(lambda a: self.pow(a, exponent, op, start))
        if exponent.is_Rational:
            limit = self.max_exponent
            if abs(exponent.p) > limit or exponent.q > limit:
                shown = str(exponent) if len(str(exponent)) <= 20 else "of many digits"
                what = "is too large" if exponent.q == 1 else "has too large a numerator or " \
                    "denominator"
                self.fail(f"exponent {shown} at position {start.pos} {what}; the limit is "
                          f"{limit}", start.pos)
            digits = _digits(base)
            if digits * abs(float(exponent)) > _MAX_NUMBER_DIGITS:
                self.fail(f"power at position {op.pos} makes a number of about "
                          f"{int(digits * abs(float(exponent))):,} digits; the limit is "
                          f"{_MAX_NUMBER_DIGITS:,}", op.pos)
            # SymPy factors a number to take its root: slow past a few hundred digits.
            if exponent.q > 1 and digits > _MAX_LITERAL_DIGITS:
                self.fail(f"root at position {op.pos} of a number of about {int(digits):,} "
                          f"digits; the limit is {_MAX_LITERAL_DIGITS}", op.pos)
            if base == 0 and exponent < 0:
                self.fail(f"division by zero at position {op.pos}", op.pos)
        return sympy.Pow(base, exponent)

    def primary(self):
        token = self.peek()
        if token.kind in ("num", "var"):
            return self.take().value
        if token.kind == "func":
            return self.call()
        if token.kind == "open":
            return self.group()[0]
        before = self.tokens[self.i - 1] if self.i else None
        if token.kind in ("end", "close") and before is not None and before.kind != "open":
            self.fail(f"missing operand after '{before.text}' at position {before.pos}",
                      before.pos)
        self.unexpected(token)

    def group(self, commas=False):
        opener = self.take()
        self.nest(opener, 1)
        if self.peek().kind == "close":
            self.fail(f"empty parentheses at position {opener.pos}", opener.pos)
        items = [self.sum()]
        while commas and self.peek().kind == "comma":
            self.take()
            items.append(self.sum())
        if self.peek().kind != "close":
            self.unexpected(self.peek())
        self.take()
        self.nest(opener, -1)
        return items

    def call(self):
        """f(x, ...), f x, and the textbook powers sin²x and sin^2(x) meaning (sin x)²."""
        head = self.take()
        function = head.value[1]
        times = None
        if self.peek().kind == "sup" or self.is_op("^"):
            power = self.take()
            if power.kind == "op":
                power = self.take()
            times = power.value
            if power.kind not in ("sup", "num") or not times.is_Integer or times < 0:
                self.fail(f"'{head.text}^' at position {head.pos} takes only a whole-number "
                          f"power like {head.text}^2; write 1/{head.text}(x) for the reciprocal "
                          f"or name the inverse (asin, acos, atan)", head.pos)
        self.nest(head, 1)
        token = self.peek()
        if token.kind == "open":
            args = self.group(commas=True)
        elif token.kind in ("num", "var", "func"):  # sin - x: sin(-x) or sin minus x? refuse
            args = [self.bare_argument()]
        else:
            self.fail(f"missing argument for '{head.text}' at position {head.pos}", head.pos)
        self.nest(head, -1)
        digits = max(map(_digits, args))
        if digits > _MAX_LITERAL_DIGITS:  # sqrt, atan, log... factor or expand big numbers
            self.fail(f"argument of '{head.text}' at position {head.pos} has a number of about "
                      f"{int(digits):,} digits; the limit is {_MAX_LITERAL_DIGITS}", head.pos)
        try:
            if any(_is_matrix(a) for a in args):
                value = _matrix_call(head.value[0], function, args)
            elif (isinstance(function, type) and issubclass(function, sympy.Function)
                  and max(map(_function_depth, args)) >= _EVALUATE_DEPTH):
                # SymPy's automatic evaluation asks assumptions of the whole argument (tanh's
                # is_real expands it): exponential in the nesting, 9 s at 8 levels of tanh.
                value = function(*args, evaluate=False)
            else:
                value = function(*args)
        except Exception:  # noqa: BLE001 - a user's function may raise anything; we raise ours
            self.fail(f"cannot apply '{head.text}' to {len(args)} argument"
                      f"{'s' if len(args) > 1 else ''} at position {head.pos}", head.pos)
        if not isinstance(value, (sympy.Expr, sympy.MatrixBase)):
            self.fail(f"'{head.text}' at position {head.pos} did not give an expression",
                      head.pos)
        return value if times is None else self.pow(value, times, head, head)

    def bare_argument(self):
        """sin 2x is sin(2x), sin x^2 is sin(x²), sin x cos x is sin(x)·cos(x)."""
        if self.peek().kind == "func":
            return self.call()
        factors = [self.power()]
        while self.peek().kind in ("var", "open"):
            factors.append(self.power())
        return sympy.Mul(*factors)


def _function_depth(expr, _memo=None):
    """How deeply functions nest in ``expr``: 0 for x + 1, 2 for tanh(2 tanh(x))."""
    memo = {} if _memo is None else _memo
    if not isinstance(expr, sympy.Basic) or not expr.args:
        return 0
    if expr not in memo:
        inner = max(_function_depth(a, memo) for a in expr.args)
        memo[expr] = inner + isinstance(expr, sympy.Function)
    return memo[expr]


def _is_matrix(value):
    return isinstance(value, sympy.MatrixBase)


def _product(factors, parser):
    """Factors multiplied: numbers as SymPy does, matrices by the matrix product."""
    if not any(_is_matrix(f) for f in factors):
        return sympy.Mul(*factors)
    out = factors[0]
    for f in factors[1:]:
        if _is_matrix(out) and _is_matrix(f) and out.shape[1] != f.shape[0]:
            a, b = "×".join(map(str, out.shape)), "×".join(map(str, f.shape))
            parser.fail(f"matrix product of shapes {a} and {b}: the inner sizes differ "
                        f"({out.shape[1]} ≠ {f.shape[0]}); transpose one (W^T) or multiply "
                        "elementwise with ⊙", parser.peek().pos)
        out = out * f
    return out


def _elementwise(a, b, op, symbol, parser, token=None):
    """``a op b`` entry by entry; a number stands for a matrix of that number."""
    if _is_matrix(a) and _is_matrix(b):
        if a.shape != b.shape:
            sa, sb = "×".join(map(str, a.shape)), "×".join(map(str, b.shape))
            where = token.pos if token is not None else parser.peek().pos
            parser.fail(f"'{symbol}' of shapes {sa} and {sb} at position {where}: elementwise "
                        "operations need the same shape", where)
        return sympy.ImmutableMatrix(a.rows, a.cols, [op(x, y) for x, y in zip(a, b)])
    if _is_matrix(a):
        return a.applyfunc(lambda x: op(x, b))
    if _is_matrix(b):
        return b.applyfunc(lambda y: op(a, y))
    return op(a, b)


def _matrix_call(name, function, args):
    """Functions of matrices: ``diag`` builds or reads a diagonal, the others act elementwise."""
    if name == "sum":
        (m,) = args
        return sympy.Add(*m)
    if name == "diag":
        (m,) = args
        if 1 in m.shape:
            return sympy.ImmutableMatrix(sympy.diag(*m))
        return sympy.ImmutableMatrix([m[i, i] for i in range(min(m.shape))])
    if len(args) != 1:
        raise TypeError(f"{name} of a matrix takes one argument")
    return args[0].applyfunc(function)


def _matrix_symbols(matrices):
    """name → an explicit matrix of its element symbols (W_{0,1}, as the twin names them);
    a vector shape (n,) is a column n×1."""
    table = {}
    for name, shape in (matrices or {}).items():
        if not isinstance(name, str) or not _NAME.fullmatch(name) or keyword.iskeyword(name):
            raise ValueError(f"matrix name {name!r} cannot be typed: use letters, then digits")
        shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
        if not 1 <= len(shape) <= 2 or not all(isinstance(n, int) and n >= 1 for n in shape):
            raise ValueError(f"matrix {name!r} needs a shape of one or two positive sizes, "
                             f"like (2, 3); got {shape!r}")
        rows, cols = shape if len(shape) == 2 else (shape[0], 1)
        if rows * cols > 4096:
            raise ValueError(f"matrix {name!r} has {rows * cols:,} entries; the limit is 4,096")
        index = (lambda i, j: f"{i},{j}") if len(shape) == 2 else (lambda i, j: f"{i}")
        table[name] = sympy.ImmutableMatrix(rows, cols, [
            sympy.Symbol(f"{name}_{{{index(i, j)}}}", real=True)
            for i in range(rows) for j in range(cols)])
    return table


def _name_table(variables, functions):
    """name -> (kind, value); declared variables shadow functions and the constants e, pi."""
    names = {}
    for name, fn in {**_FUNCTIONS, **(functions or {})}.items():
        if not callable(fn):
            raise TypeError(f"function {name!r} must be callable")
        if not isinstance(name, str) or not _NAME.fullmatch(name) or keyword.iskeyword(name):
            raise ValueError(f"function name {name!r} cannot be typed: use letters, then digits")
        names[name] = ("func", fn)
    names.update((name, ("var", value)) for name, value in _CONSTANTS.items())
    if variables is None:
        return names, None
    items = variables.items() if isinstance(variables, dict) else (
        (v.name if isinstance(v, sympy.Symbol) else v, v) for v in variables)
    declared = set()
    for name, value in items:
        word = _GREEK.get(name[:1], name[:1]) + name[1:] if isinstance(name, str) else name
        value = sympy.Symbol(word) if isinstance(value, str) else value
        if not isinstance(value, sympy.Basic):
            raise TypeError(f"variable {name!r} must map to a SymPy expression, got "
                            f"{type(value).__name__}")
        if not isinstance(word, str) or not _NAME.fullmatch(word) or keyword.iskeyword(word):
            raise ValueError(f"variable name {name!r} cannot be typed: use letters, then digits")
        names[word] = ("var", value)
        declared.add(word)
    return names, declared


def parse_math(text, variables=None, *, max_length=2000, max_depth=100, max_exponent=1000,
               functions=None, matrices=None):
    """Parse math typed by a person into a SymPy expression, without ever evaluating the text.

    The grammar, loosest binding first: ``+ -``; then ``* / · × ⋅ ÷`` and implicit products,
    all left to right (``1/2x`` is x/2, as on calculators); then unary ``- +`` (``-x^2`` is
    -(x²)); then ``^`` or ``**``, right to left (``2^3^2`` is 512, ``2^-1`` is 1/2); then
    superscripts (``x³``, ``x⁻¹``). Brackets ``() [] {}`` group. Numbers are exact: ``0.5``
    is 1/2, ``1e-3`` is 1/1000; ``2e3`` is 2000 but ``2e^x`` is 2·e^x. ``e^2x`` is refused
    as ambiguous. SymPy's automatic simplification applies (``2(3x+2)`` gives 6x + 4).

    Names are letters then digits (``x``, ``x1``, ``theta``) or one Greek letter (``θ`` is
    theta, ``λ`` is lamda as in SymPy, ``π`` is pi). ``e`` and ``pi`` are constants and the
    functions are sin cos tan sec csc cot asin acos atan (also arcsin...) sinh cosh tanh exp
    log ln (both natural; ``log(x, b)`` has base b) sqrt (also ``√``) abs sigmoid, plus
    ``functions`` (name -> callable on SymPy expressions). ``variables`` (names, Symbols, or
    a dict name -> Symbol) restricts the names, shadows constants and functions, and lets a
    run of letters be a product of them, longest names first (``xy`` is x·y, ``xsinx`` is
    x·sin(x)). Without it, a multi-letter run is one symbol, and a multi-letter name before
    brackets an unknown function (``f(x)`` is the product f·x). Functions take brackets
    (``sin(x)^2`` is (sin x)²) or one bare product of non-function factors, not starting with
    a sign (``sin x^2`` is sin(x²), ``sin 2x cos x`` is sin(2x)·cos x); ``sin^2 x`` and
    ``sin²x`` mean (sin x)². A number never follows implicitly: ``2 3`` and ``x 2`` are errors.

    Anything else raises MathParseError naming the position: unknown characters and names,
    Python syntax, unbalanced brackets, text longer than ``max_length``, nesting deeper than
    ``max_depth``, numeric exponents beyond ``max_exponent`` and numbers that would grow past
    1,000 digits.

    >>> parse_math("8x^3+3x^2+6x+5")
    8*x**3 + 3*x**2 + 6*x + 5
    >>> parse_math("−x² + 0.5 sin 2θ")
    -x**2 + sin(2*theta)/2
    >>> parse_math("xe^x", variables=["x"])
    x*exp(x)

    ``matrices`` (name -> shape, like ``{"W": (2, 3), "x": (3, 1)}``) declares matrix names:
    each stands for its entries ``W_{0,1}`` (as the twin names a tensor's elements; a shape
    ``(n,)`` is a column), and the answer is an explicit matrix. Then juxtaposition and ``·``
    are the matrix product, ``*`` and ``⊙`` multiply entry by entry, ``^T`` or ``ᵀ``
    transposes, ``diag(v)`` is the diagonal matrix of a vector, functions and powers act on
    each entry (``tanh(W x)^2``) and a number stands for a matrix of that number
    (``1 - tanh(W x)^2``). Shapes are checked, with the positions.

    >>> parse_math("W^T g", matrices={"W": (2, 3), "g": (2, 1)}).shape
    (3, 1)
    >>> parse_math("(1 - tanh(W x)^2) x^T", matrices={"W": (1, 2), "x": (2, 1)})
    Matrix([[x_{0,0}*(1 - tanh(W_{0,0}*x_{0,0} + W_{0,1}*x_{1,0})**2), x_{1,0}*(1 - tanh(W_{0,0}*x_{0,0} + W_{0,1}*x_{1,0})**2)]])
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_math() needs a str, not {type(text).__name__}")
    if len(text) > max_length:
        raise MathParseError(f"answer is too long ({len(text):,} characters; the limit is "
                             f"{max_length:,})", text)
    if not text.strip():
        raise MathParseError("empty answer", text)
    names, declared = _name_table(variables, functions)
    if matrices:
        table = _matrix_symbols(matrices)
        names.update((name, ("var", value)) for name, value in table.items())
        names.setdefault("diag", ("func", sympy.diag))
        names.setdefault("sum", ("func", lambda a: a))
        declared = (declared or set()) | set(table) if declared is not None else declared
    try:
        tokens = _Lexer(text, names, declared, max_depth, bool(matrices)).lex()
        result = _Parser(text, tokens, max_depth, max_exponent).parse()
        undefined = result.has(S.NaN, S.ComplexInfinity, S.Infinity, S.NegativeInfinity)
        size = _digits(result)
    except RecursionError:
        raise MathParseError("the answer is nested too deeply", text) from None
    if undefined:
        raise MathParseError("the answer is undefined (a division by zero or similar)", text)
    if size > _MAX_NUMBER_DIGITS:
        raise MathParseError(f"the answer has a number of about {int(size):,} digits; the "
                             f"limit is {_MAX_NUMBER_DIGITS:,}", text)
    return result

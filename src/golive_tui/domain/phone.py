"""Phone numbers as people type them, turned into E.164 and back.

Number lists reach a go-live from carriers, customers and spreadsheets, written every way:
``+1 303-555-0100``, ``(303) 555-0100``, ``1-303-555-0100``, ``3035550100.0`` (Excel),
``'3035550100`` (Excel text prefix), ``="3035550100"`` (Excel formula), with no-break spaces
and typographic dashes. :func:`normalise_number` turns all of them into E.164
(``+13035550100``) with libphonenumber, and refuses anything else with a reason a person can
act on. :func:`expand_range` does the same for ranges as carriers write them
(``303-555-0100 - 0199``).

Pure: standard library and ``phonenumbers`` only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, ValidationResult

__all__ = [
    "InvalidPhoneNumber",
    "digits_for_search",
    "expand_range",
    "format_number",
    "is_region",
    "is_toll_free",
    "looks_like_range",
    "normalise_number",
    "region_of",
]

#: NANP toll-free area codes (800 and the 8XX codes in service).
TOLL_FREE_AREA_CODES = frozenset({"800", "833", "844", "855", "866", "877", "888"})


class InvalidPhoneNumber(ValueError):
    """A number (or range) that cannot be imported, with the reason in words.

    ``raw`` is the text as given, ``reason`` the explanation alone (for a table cell);
    ``str(exc)`` is the full sentence, e.g.
    ``'555-0100' is not a valid phone number: too short for a US number (need 10 digits, ...)``.
    """

    def __init__(self, raw: str, reason: str, *, what: str = "phone number") -> None:
        self.raw = raw
        self.reason = reason
        self.what = what
        super().__init__(f"{raw!r} is not a valid {what}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_invalid, (self.raw, self.reason, self.what))


def _rebuild_invalid(raw: str, reason: str, what: str) -> InvalidPhoneNumber:
    return InvalidPhoneNumber(raw, reason, what=what)


# --------------------------------------------------------------------------- cleaning

_DASHES = dict.fromkeys(
    map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-"
)
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202f\u2060-\u2064\ufeff\x00-\x08\x0b-\x1f\x7f]")
_EXCEL_FLOAT = re.compile(r"^(\+?\d+)\.0+$")
_EXCEL_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE]\+?\d+$")
_EXTENSION = re.compile(
    r"(?i)(?:[,;]\s*)?(?:(?<![^\W\d_])(?:extension|extn|ext|x)\.?|#)\s*[:=]?\s*(\d{1,8})\s*$"
)
_ALLOWED = frozenset("0123456789+-.() /\t ")
_MULTI_SPLIT = re.compile(r"[,;\n/|&]|\s{3,}|\band\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d")


#: ``tel:`` URIs (RFC 3966), optionally in angle brackets; parameters (``;ext=``,
#: ``;phone-context=``) are not part of the number
_TEL_URI = re.compile(r"(?i)^<?tel:([^;>]*)(?:;[^>]*)?>?$")


def _clean(raw: str) -> str:
    """Undo the damage spreadsheets and word processors do to a number cell."""
    text = unicodedata.normalize("NFKC", raw).translate(_DASHES)
    text = _INVISIBLE.sub("", text).strip()
    # Unwrap Excel artefacts; they can nest ('="303..."' pasted from a text column).
    for _ in range(3):
        before = text
        if text.startswith('="') and text.endswith('"') and len(text) >= 3:
            text = text[2:-1].strip()
        if text.startswith("'"):
            text = text[1:].rstrip("'").strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1].strip()
        if text == before:
            break
    # an RFC 3966 URI, as phone systems and CRMs export numbers: tel:+1-303-555-0100
    uri = _TEL_URI.match(text)
    if uri:
        text = uri.group(1).strip()
    match = _EXCEL_FLOAT.match(text)
    if match:
        text = match.group(1)
    return text


def _digits(text: str) -> str:
    return "".join(_DIGIT.findall(text))


# --------------------------------------------------------------------------- wording


_REGION_NAMES = {
    "US": "a US number",
    "CA": "a Canadian number",
    "GB": "a UK number",
    "IE": "an Irish number",
    "AU": "an Australian number",
    "NZ": "a New Zealand number",
    "DE": "a German number",
    "FR": "a French number",
    "IN": "an Indian number",
    "MX": "a Mexican number",
}


def _region_for(cc: int, default_region: str) -> str:
    if phonenumbers.country_code_for_region(default_region) == cc:
        return default_region
    return str(phonenumbers.region_code_for_country_code(cc))


def _a_number(region: str, cc: int) -> str:
    return _REGION_NAMES.get(region, f"a +{cc} ({region}) number")


def _example(region: str, cc: int) -> str:
    if cc == 1:
        return "(303) 555-0100"
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE)
    if example is None:
        return ""
    return phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)


def _too_short(region: str, cc: int) -> str:
    if cc == 1:
        return f"too short for {_a_number(region, cc)} (need 10 digits, e.g. (303) 555-0100)"
    example = _example(region, cc)
    hint = f" (e.g. {example})" if example else ""
    return f"too short for {_a_number(region, cc)}{hint}"


def _too_long(region: str, cc: int, has_plus: bool) -> str:
    if cc == 1:
        reason = f"too long for {_a_number(region, cc)} (10 digits, or 11 starting with 1)"
    else:
        example = _example(region, cc)
        hint = f" (e.g. {example})" if example else ""
        reason = f"too long for {_a_number(region, cc)}{hint}"
    if not has_plus:
        reason += "; an international number needs a leading + and its country code"
    return reason


def _nanp_reason(national: str) -> str | None:
    """The specific fault of a 10-digit NANP number, or None if its shape is fine."""
    npa, nxx = national[:3], national[3:6]
    if npa[0] in "01":
        return f"invalid area code {npa} (area codes never start with 0 or 1)"
    if npa[1:] == "11":
        return f"invalid area code {npa} ({npa} is a service code, not an area code)"
    if nxx[0] in "01":
        return f"invalid exchange {nxx} (the 3 digits after the area code never start with 0 or 1)"
    return None


# --------------------------------------------------------------------------- normalising


def _several_numbers(text: str) -> bool:
    parts = [p for p in _MULTI_SPLIT.split(text) if len(_digits(p)) >= 7]
    return len(parts) >= 2


@lru_cache(maxsize=65_536)
def _normalise(raw: str, default_region: str) -> tuple[str, str]:
    """``(e164, "")`` or ``("", reason)``; cached because imports repeat values."""
    text = _clean(raw)
    if not text:
        return "", "empty"
    if _EXCEL_SCIENTIFIC.match(text):
        return "", (
            f"looks like Excel scientific notation ({text}), which has lost digits; "
            "format the column as Text and export it again"
        )
    if _several_numbers(text):
        return "", "contains more than one number; put one number or range on each row"
    ext = _EXTENSION.search(text)
    if ext:
        return "", (
            f"has an extension ({ext.group(0).strip(' ,;')}); enter the number without it "
            "(extensions belong to users, not to phone numbers)"
        )
    letters = re.findall(r"[^\W\d_]+", text)
    if letters:
        return "", f"contains letters ({' '.join(letters)})"
    odd = sorted({ch for ch in text if ch not in _ALLOWED})
    if odd:
        return "", f"contains unexpected characters ({' '.join(odd)})"
    digits = _digits(text)
    if not digits:
        return "", "has no digits"
    has_plus = text.startswith("+")
    if "+" in text[1:]:
        return "", "has a + that is not at the start"

    region = default_region.upper()
    region_cc = phonenumbers.country_code_for_region(region)
    if not has_plus and region_cc == 0:
        return "", (
            f"has no country code (start it with +) and {default_region!r} is not a known region"
        )
    # A NANP area code starting with 0 or 1: say so before libphonenumber guesses (it reads
    # 011... as the international dialling prefix and a leading 1 as the trunk prefix).
    if not has_plus and region_cc == 1:
        national = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
        if len(national) == 10 and national[0] in "01":
            return "", f"invalid area code {national[:3]} (area codes never start with 0 or 1)"

    # Fast path for NANP digits (most imports): skip the parse, which costs more than the check.
    if len(digits) == 11 and digits[0] == "1" and (has_plus or region_cc == 1):
        nanp: str | None = digits[1:]
    elif len(digits) == 10 and not has_plus and region_cc == 1:
        nanp = digits
    else:
        nanp = None
    if nanp is not None and phonenumbers.is_valid_number(
        PhoneNumber(country_code=1, national_number=int(nanp))
    ):
        return f"+1{nanp}", ""

    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            return "", f"unknown country code (+{digits[:3]}…)" if has_plus else "no country code"
        if exc.error_type == NumberParseException.TOO_LONG:
            if has_plus:
                return "", "too long to be a phone number"
            return "", _too_long(region, region_cc, has_plus)
        if exc.error_type in (
            NumberParseException.TOO_SHORT_NSN,
            NumberParseException.TOO_SHORT_AFTER_IDD,
        ):
            if has_plus:
                return "", "too short to be a phone number"
            return "", _too_short(region, region_cc)
        return "", "not a phone number"

    if number.extension:
        return "", f"has an extension ({number.extension}); enter the number without it"
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164), ""
    return "", _invalid_reason(number, region, has_plus)


def _invalid_reason(number: PhoneNumber, default_region: str, has_plus: bool) -> str:
    cc = int(number.country_code or 0)
    region = _region_for(cc, default_region)
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == ValidationResult.INVALID_COUNTRY_CODE or region == "ZZ":
        return f"unknown country code +{cc}"
    if possible in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        return _too_short(region, cc)
    if possible == ValidationResult.TOO_LONG:
        return _too_long(region, cc, has_plus)
    if possible == ValidationResult.INVALID_LENGTH:
        return f"wrong number of digits for {_a_number(region, cc)}"
    national = str(number.national_number)
    if cc == 1 and len(national) == 10:
        fault = _nanp_reason(national)
        if fault:
            return fault
        return f"area code {national[:3]} is not in service (not a valid North American number)"
    return f"not valid as {_a_number(region, cc)}"


def normalise_number(raw: str, default_region: str = "US") -> str:
    """The E.164 form (``+13035550100``) of a number written any common way.

    Numbers without a ``+`` are read as numbers of ``default_region``. Extensions, letters,
    several numbers in one cell and numbers libphonenumber does not consider valid raise
    :class:`InvalidPhoneNumber` with the reason.
    """
    e164, reason = _normalise(raw, default_region)
    if reason:
        if _split_range(_clean(raw), default_region) is not None:
            reason = "is a range, not a single number; import it as a range"
        raise InvalidPhoneNumber(raw, reason)
    return e164


# --------------------------------------------------------------------------- display


def format_number(
    e164: str,
    style: Literal["national", "international"] = "national",
    *,
    home_region: str = "US",
) -> str:
    """A number for display: ``(303) 555-0100`` (national) or ``+1 303-555-0100``.

    ``national`` is used only for numbers of ``home_region``'s country code, so a foreign
    number never loses its country. Text that is not an E.164 number is returned unchanged,
    so display code never fails on stored data.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    home_cc = phonenumbers.country_code_for_region(home_region.upper())
    if style == "national" and number.country_code == home_cc:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def digits_for_search(text: str) -> str:
    """The digits of a search text, to match as a substring of a number's E.164 digits.

    ``(303) 555-01`` → ``303555 01`` → ``"30355501"``; ``1-303-555`` keeps its leading 1
    (it is the country code, which E.164 digits also start with). ``""`` if no digits.
    """
    return "".join(str(unicodedata.decimal(ch)) for ch in text if unicodedata.decimal(ch, -1) >= 0)


def is_toll_free(e164: str) -> bool:
    """True for NANP toll-free numbers (800, 833, 844, 855, 866, 877, 888)."""
    digits = _digits(e164)
    if len(digits) != 11 or not e164.strip().startswith("+1"):
        return False
    return digits[1:4] in TOLL_FREE_AREA_CODES


def is_region(code: str) -> bool:
    """Whether ``code`` is a country (ISO 3166 two letters) libphonenumber knows numbers of."""
    return code.strip().upper() in phonenumbers.SUPPORTED_REGIONS


def region_of(e164: str) -> str | None:
    """The country an E.164 number belongs to (``US``, ``CA``, ``GB``...), or None."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return None
    region: str | None = phonenumbers.region_code_for_number(number)
    return region if region and region != "ZZ" else None


# --------------------------------------------------------------------------- ranges

_WORD_SEPARATOR = re.compile(r"(?i)\s*(?:\.{2,}|…|~|\bto\b|\bthru\b|\bthrough\b)\s*")
_END_CHARS = re.compile(r"^\+?[\d\s().\-]*\d[\d\s().\-]*$")


def _split_range(text: str, region: str) -> tuple[str, str] | None:
    """Start and end of a range, or None if ``text`` is not written as a range."""
    parts = _WORD_SEPARATOR.split(text, maxsplit=1)
    if len(parts) == 2:
        return parts[0].strip(), parts[1].strip()
    if "-" not in text or not _normalise(text, region)[1]:
        return None  # no dash, or the whole text is one valid number
    candidates: list[tuple[bool, str, str]] = []
    for match in re.finditer(r"\s*-\s*", text):
        left, right = text[: match.start()].strip(), text[match.end() :].strip()
        if not left or not _END_CHARS.match(right) or _normalise(left, region)[1]:
            continue
        candidates.append((match.group(0) != "-", left, right))
    if not candidates:
        return None
    spaced = [c for c in candidates if c[0]]
    chosen = spaced[0] if spaced else candidates[0]
    return chosen[1], chosen[2]


def looks_like_range(raw: str) -> bool:
    """True if ``raw`` is written as a range (``3035550100-0199``, ``... to 0199``).

    Says nothing about whether the range is valid; :func:`expand_range` checks that.
    """
    return _split_range(_clean(raw), "US") is not None


def _range_error(raw: str, reason: str) -> InvalidPhoneNumber:
    return InvalidPhoneNumber(raw, reason, what="number range")


def expand_range(raw: str, default_region: str = "US", max_size: int = 10_000) -> list[str]:
    """Every E.164 number of a range written as carriers write it.

    ``3035550100-3035550199``, ``303-555-0100 - 0199``, ``(303) 555-0100 to 0199``,
    ``+1 303 555 0100..0150``, ``3035550100-199``: the end is a full number or the last
    digits of one. A single number gives a one-element list. Ranges must stay inside one
    exchange (NANP: same area code and exchange; elsewhere: same country and length), must
    not run backwards and may hold at most ``max_size`` numbers.
    """
    text = _clean(raw)
    split = _split_range(text, default_region)
    if split is None:
        e164, _ = _normalise(text, default_region)
        return [e164 or normalise_number(raw, default_region)]
    start_text, end_text = split
    if not start_text:
        raise _range_error(raw, "the range has no start")
    if not end_text:
        raise _range_error(raw, "the range has no end")
    if _WORD_SEPARATOR.search(end_text) or re.search(r"\s-\s", end_text):
        raise _range_error(raw, "has more than one range separator; write one range on each row")
    start_e164, reason = _normalise(start_text, default_region)
    if reason:
        raise _range_error(raw, f"range start {start_text!r}: {reason}")
    start = phonenumbers.parse(start_e164, None)
    start_region = phonenumbers.region_code_for_number(start) or default_region
    cc = int(start.country_code or 0)
    national = str(start.national_number)

    end_digits = _digits(end_text)
    if not _END_CHARS.match(end_text):
        raise _range_error(raw, f"range end {end_text!r} is not a number or the last digits of one")
    if len(end_digits) < len(national) and not end_text.startswith("+"):
        end_national = national[: len(national) - len(end_digits)] + end_digits
        end_e164, reason = _normalise(f"+{cc}{end_national}", start_region)
    else:
        end_e164, reason = _normalise(end_text, start_region)
    if reason:
        raise _range_error(raw, f"range end {end_text!r}: {reason}")

    end = phonenumbers.parse(end_e164, None)
    end_national = str(end.national_number)
    if end.country_code != start.country_code:
        raise _range_error(raw, "start and end are in different countries")
    if len(end_national) != len(national):
        raise _range_error(raw, "start and end have different lengths")
    if cc == 1 and end_national[:6] != national[:6]:
        raise _range_error(
            raw,
            f"start and end have a different prefix ({national[:3]}-{national[3:6]} vs "
            f"{end_national[:3]}-{end_national[3:6]}); a range must stay inside one exchange, "
            "so split it into one range per exchange",
        )
    first, last = int(start_e164[1:]), int(end_e164[1:])
    if last < first:
        raise _range_error(
            raw,
            f"range end {format_number(end_e164, home_region=default_region)} is before "
            f"start {format_number(start_e164, home_region=default_region)}",
        )
    size = last - first + 1
    if size > max_size:
        raise _range_error(
            raw, f"range holds {size:,} numbers, more than the limit of {max_size:,}"
        )
    return [f"+{n}" for n in range(first, last + 1)]

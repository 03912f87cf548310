"""The JSON parser every API view uses: it refuses bodies nested deeper than
LARDER_JSON_MAX_DEPTH before parsing them, so a crafted body is a 400 problem document rather
than a RecursionError (Python's decoder recurses once per level)."""

import io
import re
from itertools import accumulate

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from config.exceptions import JsonTooDeep

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (brackets inside strings do not count).
    Linear in the length of the text; no recursion."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(accumulate(1 if char in "[{" else -1 for char in brackets), default=0)


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise ParseError(f"JSON parse error - {error}") from error
        limit = settings.LARDER_JSON_MAX_DEPTH
        if json_depth(text) > limit:
            raise JsonTooDeep(f"JSON bodies may nest arrays and objects {limit} levels deep.")
        return super().parse(io.BytesIO(raw), media_type, parser_context)

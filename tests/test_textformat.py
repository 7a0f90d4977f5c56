"""The state-file reader and writer against protobuf's text_format (no TensorFlow).

protobuf's Python `text_format.Merge` and `text_format.MessageToString` are the
oracles, on a `tensorflow.CheckpointState` message class built here from a
descriptor. Every parse error must have the same `str()` as protobuf's: no
message is known to differ, so the tests compare the whole text.
"""

from __future__ import annotations

import math
import pickle
import struct
import sys
import time
import tracemalloc
import warnings

import google.protobuf
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tf_ckpt_compat import _textformat
from tf_ckpt_compat._state import CheckpointState
from tf_ckpt_compat._textformat import _WHITESPACE, ParseError, parse, serialize
from tf_ckpt_compat.conformance.state_files import STATE_FILES


def _message_class():
    field = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(
        name="tf_ckpt_compat_tests/checkpoint_state.proto", package="tensorflow", syntax="proto3"
    )
    message = file.message_type.add(name="CheckpointState")
    for number, name, kind, label in [
        (1, "model_checkpoint_path", field.TYPE_STRING, field.LABEL_OPTIONAL),
        (2, "all_model_checkpoint_paths", field.TYPE_STRING, field.LABEL_REPEATED),
        (3, "all_model_checkpoint_timestamps", field.TYPE_DOUBLE, field.LABEL_REPEATED),
        (4, "last_preserved_timestamp", field.TYPE_DOUBLE, field.LABEL_OPTIONAL),
    ]:
        message.field.add(name=name, number=number, type=kind, label=label)
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(file.SerializeToString())
    descriptor = pool.FindMessageTypeByName("tensorflow.CheckpointState")
    try:
        return message_factory.GetMessageClass(descriptor)
    except AttributeError:  # protobuf < 4.21
        return message_factory.MessageFactory(pool).GetPrototype(descriptor)


CheckpointStateProto = _message_class()

PROTOBUF_VERSION = tuple(int(part) for part in google.protobuf.__version__.split(".")[:2])


def _double_key(value: float):
    # The bits: -0.0 is not 0.0, and a NaN equals a NaN of the same sign and payload.
    return struct.pack("<d", value)


def _state_key(state) -> tuple:
    return (
        state.model_checkpoint_path,
        list(state.all_model_checkpoint_paths),
        [_double_key(value) for value in state.all_model_checkpoint_timestamps],
        _double_key(state.last_preserved_timestamp),
    )


def protobuf_outcome(text: str) -> tuple:
    message = CheckpointStateProto()
    with warnings.catch_warnings():
        # protobuf's unescaping goes through the unicode_escape codec, which
        # warns about unknown escapes (like `\q`).
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            text_format.Merge(text, message)
        except text_format.ParseError as e:
            return ("error", str(e), e.GetLine(), e.GetColumn())
    return ("state", _state_key(message))


def our_outcome(text: str) -> tuple:
    try:
        state = parse(text)
    except ParseError as e:
        return ("error", str(e), e.line, e.column)
    return ("state", _state_key(state))


def assert_parses_like_protobuf(text: str) -> None:
    assert our_outcome(text) == protobuf_outcome(text)


def to_proto(state: CheckpointState):
    return CheckpointStateProto(
        model_checkpoint_path=state.model_checkpoint_path,
        all_model_checkpoint_paths=state.all_model_checkpoint_paths,
        all_model_checkpoint_timestamps=state.all_model_checkpoint_timestamps,
        last_preserved_timestamp=state.last_preserved_timestamp,
    )


# --- The corpus --------------------------------------------------------------------------------

# TensorFlow decodes the file as strict UTF-8 before parsing: these never reach the parser.
NOT_UTF8 = {
    "invalid_utf8_in_path",
    "invalid_utf8_in_comment",
    "invalid_utf8_truncated",
    "utf16_file",
}


def test_corpus_names_are_unique_snake_case():
    names = [name for name, _ in STATE_FILES]
    assert len(names) >= 100
    assert len(set(names)) == len(names)
    assert all(name.isidentifier() and name == name.lower() for name in names)
    assert all(isinstance(content, bytes) for _, content in STATE_FILES)


@pytest.mark.parametrize("name, content", STATE_FILES, ids=[name for name, _ in STATE_FILES])
def test_corpus_file_parses_like_protobuf(name, content):
    if name in NOT_UTF8:
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
        return
    assert_parses_like_protobuf(content.decode("utf-8"))


def test_corpus_has_both_outcomes():
    outcomes = [
        protobuf_outcome(content.decode("utf-8"))[0]
        for name, content in STATE_FILES
        if name not in NOT_UTF8
    ]
    assert outcomes.count("state") >= 50 and outcomes.count("error") >= 30


# --- Generated files ---------------------------------------------------------------------------
#
# Files are sequences of fields whose every part is drawn from a list of good
# spellings and, rarely, of bad ones: about half the files are valid, and the
# others mostly have one mistake somewhere.


def mostly(good: list, bad: list) -> st.SearchStrategy:
    """One of `good`, or one of `bad` about once in 25 draws."""
    copies = -(-24 * len(bad) // len(good))
    return st.sampled_from(good * copies + bad)


FIELD_NAMES = [
    "model_checkpoint_path",
    "all_model_checkpoint_paths",
    "all_model_checkpoint_timestamps",
    "last_preserved_timestamp",
]
ODD_NAMES = ["model_checkpoint", "Model_checkpoint_path", "1", "[tensorflow.x]", "[a.b", "é", "_"]
SPACES = [
    *["", " ", "  ", "\n", "\r\n", "\n\n", "\t", "\x0b", "\x0c", "\xa0", "\u2028", "\x1c"],
    *["# comment\n", " #\n"],
]
GOOD_ESCAPES = [
    *(f"\\{c}" for c in "abfnrtv\\'\"?q 8"),
    *["\\0", "\\7", "\\101", "\\303\\251", "\\x41", "\\x4", "\\x4g", "\\xc3\\xa9", "\\\\x4"],
    *["\\u00e9", "\\u20ac", "\\u005cn", "\\u005c\\u000a", "\\U0001F600", "\\é", "\\€"],
    *["\\N{DIGIT ONE}", "\\N{LF}"],
]
BAD_ESCAPES = [
    *["\\303", "\\377", "\\400", "\\777", "\\xg", "\\x", "\\u005c", "\\u005cx4", "\\u12"],
    *["\\ud800", "\\U00110000", "\\U", "\\N", "\\N{no such name}", "\\N{}", "\\N{", "\\N{x}"],
]
FRAGMENTS = ["a/b.c", "é€😀", " ", "\t", "\r", "#", "C:", "..", "\x00", "\u2028"]
# Unquoted text: short runs of anything but surrogates, the quotes, backslashes
# and newlines, drawn whole (one draw per run keeps generation cheap).
PLAIN = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\\\"'\n"), max_size=3
)
# Spellings of random doubles, and fixed spellings.
FLOAT_FORMATS = ["{!r}", "{:e}", "{:.17g}", "{!r}f", "{:.3f}"]
GOOD_NUMBERS = [
    *["0", "1", "-1", "+1", ".5", "5.", "-.5", "1e5", "1E+5", "1e-400", "1e400", "-1e400"],
    *["0.0", "-0.0", "1_000", "1.5f", "1.5F", "2ff", "nanff", "٣"],
    *["inf", "-inf", "Infinity", "-INFINITY", "inff", "-inff", "infinityf", "-infinityF"],
    *["nan", "NaN", "-nan", "nanf"],
]
BAD_NUMBERS = [
    *["", "00", "-00", "01.5", "1__0", "0x10", "infff", "true", "'1'", '"2"', "-", "+", "."],
    *["1.2.3", "e5", "f", "²"],
]
NUMBERS = mostly(FLOAT_FORMATS * 6 + GOOD_NUMBERS, BAD_NUMBERS)
COLONS = mostly([":", ": ", ": ", " : ", ":\n  ", ":\t"], ["", "::", " = ", ":;"])
ENDINGS = mostly(["\n", "\n", "\r\n", " ", ",\n", ";", " # c\n", ";\n"], ["", ",;", ";;"])
SPACING = st.sampled_from(SPACES)
LIST_COMMAS = mostly([",", ", ", " ,\n", ",\t"], [" ", ";"])
LIST_ENDS = mostly(["]", " ]", "\n]"], [",]", "", "]]"])
FIELD_NAMES_MOSTLY = mostly(FIELD_NAMES, ODD_NAMES)


STRING_PIECES = {
    quote: mostly([*GOOD_ESCAPES, *FRAGMENTS, "\\" + quote], [*BAD_ESCAPES, quote])
    for quote in "\"'"
}
STRING_ENDS = {quote: mostly([quote], ["", "\\", "\n"]) for quote in "\"'"}


@st.composite
def string_literals(draw):
    quote = draw(st.sampled_from("\"'"))
    pieces = draw(st.lists(STRING_PIECES[quote], max_size=3))
    return quote + draw(PLAIN) + "".join(pieces) + draw(STRING_ENDS[quote])


@st.composite
def doubles(draw):
    spelling = draw(NUMBERS)
    if spelling in FLOAT_FORMATS:
        return spelling.format(draw(st.floats(allow_nan=True, allow_infinity=True)))
    return spelling


@st.composite
def values(draw, is_string: bool, repeated: bool):
    def one():
        if is_string:
            literals = draw(st.lists(string_literals(), min_size=1, max_size=2))
            return draw(SPACING).join(literals)
        return draw(doubles())

    if repeated and draw(st.integers(0, 3)) == 0:
        items = [one() for _ in range(draw(st.integers(0, 3)))]
        comma = draw(LIST_COMMAS)
        closing = draw(LIST_ENDS)
        return "[" + draw(SPACING) + comma.join(items) + closing
    if draw(st.integers(0, 25)) == 0:  # a value of the other type
        return draw(doubles()) if is_string else draw(string_literals())
    return one()


@st.composite
def fields(draw):
    name = draw(FIELD_NAMES_MOSTLY)
    value = draw(values("path" in name, "all_" in name))
    return name + draw(COLONS) + value + draw(ENDINGS)


@st.composite
def state_files(draw):
    return draw(SPACING) + "".join(draw(st.lists(fields(), max_size=5)))


@st.composite
def mutated_state_files(draw):
    text = draw(state_files())
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        operation = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.one_of(st.sampled_from("\"'\\:[],;#\n.-0xuNe{}f"), PLAIN))
        if operation == "insert":
            text = text[:position] + char + text[position:]
        elif operation == "delete":
            text = text[:position] + text[position + 1 :]
        else:
            text = text[:position] + char + text[position + 1 :]
    return text


HYPOTHESIS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(HYPOTHESIS, max_examples=3000)
@given(state_files())
def test_generated_files_parse_like_protobuf(text):
    assert_parses_like_protobuf(text)


@settings(HYPOTHESIS, max_examples=2500)
@given(mutated_state_files())
def test_mutated_files_parse_like_protobuf(text):
    assert_parses_like_protobuf(text)


@settings(HYPOTHESIS, max_examples=300)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_arbitrary_text_parses_like_protobuf(text):
    assert_parses_like_protobuf(text)


# --- The writer --------------------------------------------------------------------------------

AWKWARD_PATHS = st.one_of(
    st.text(),  # any code point but surrogates, controls included
    st.text(alphabet=st.sampled_from("\"'\\\n\r\t\x00\x07\x1b\x7f\x80\x85\xa0\u2028é€😀 /.")),
    st.sampled_from(["", " ", "C:\\runs\\model.ckpt-1", "gs://b/m-1", "../m-1", "m\\u005c"]),
)
AWKWARD_DOUBLES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
    st.sampled_from(
        [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e16]
    ),
    st.sampled_from([1e15, 1e-5, 1e-4, 0.1, 1700000000.1234567, 2.0**53, math.inf, -math.inf]),
    st.integers(-(10**20), 10**20).map(float),
)
STATES = st.builds(
    CheckpointState,
    model_checkpoint_path=AWKWARD_PATHS,
    all_model_checkpoint_paths=st.lists(AWKWARD_PATHS, max_size=4),
    all_model_checkpoint_timestamps=st.lists(AWKWARD_DOUBLES, max_size=4),
    last_preserved_timestamp=AWKWARD_DOUBLES,
)


@pytest.mark.skipif(
    PROTOBUF_VERSION < (5, 26), reason="protobuf < 5.26 escapes non-ASCII text as octal"
)
@settings(HYPOTHESIS, max_examples=1500)
@given(STATES)
def test_serialize_matches_protobuf(state):
    assert serialize(state) == text_format.MessageToString(to_proto(state))


def _nan_aware_key(state) -> tuple:
    # The text form of a NaN is `nan` whatever its sign and payload.
    def key(value):
        return "nan" if math.isnan(value) else _double_key(value)

    return (
        state.model_checkpoint_path,
        state.all_model_checkpoint_paths,
        [key(value) for value in state.all_model_checkpoint_timestamps],
        key(state.last_preserved_timestamp),
    )


@settings(HYPOTHESIS, max_examples=1000)
@given(STATES)
def test_serialize_then_parse_round_trips(state):
    assert _nan_aware_key(parse(serialize(state))) == _nan_aware_key(state)


def test_serialize_writes_what_tensorflow_writes():
    state = CheckpointState(
        model_checkpoint_path="/tmp/run/ckpt-3",
        all_model_checkpoint_paths=["/tmp/run/ckpt-2", "/tmp/run/ckpt-3"],
        all_model_checkpoint_timestamps=[1700000000.1234567, 1700000060.0],
        last_preserved_timestamp=1699999999.5,
    )
    assert serialize(state) == (
        'model_checkpoint_path: "/tmp/run/ckpt-3"\n'
        'all_model_checkpoint_paths: "/tmp/run/ckpt-2"\n'
        'all_model_checkpoint_paths: "/tmp/run/ckpt-3"\n'
        "all_model_checkpoint_timestamps: 1700000000.1234567\n"
        "all_model_checkpoint_timestamps: 1700000060.0\n"
        "last_preserved_timestamp: 1699999999.5\n"
    )


def test_serialize_leaves_out_proto3_defaults():
    assert serialize(CheckpointState()) == ""
    assert serialize(CheckpointState(all_model_checkpoint_paths=[""])) == (
        'all_model_checkpoint_paths: ""\n'
    )
    assert serialize(CheckpointState(all_model_checkpoint_timestamps=[0.0])) == (
        "all_model_checkpoint_timestamps: 0.0\n"
    )


def test_serialize_writes_negative_zero_and_nan_timestamps():
    # protobuf (upb) tells a set double from the default by its bits.
    assert serialize(CheckpointState(last_preserved_timestamp=-0.0)) == (
        "last_preserved_timestamp: -0.0\n"
    )
    assert serialize(CheckpointState(last_preserved_timestamp=math.nan)) == (
        "last_preserved_timestamp: nan\n"
    )


@pytest.mark.parametrize(
    "value, text",
    [
        (1e20, "1e+20"),
        (0.1, "0.1"),
        (5.0, "5.0"),
        (1e16, "1e+16"),
        (1e-05, "1e-05"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (5e-324, "5e-324"),
        (1700000000, "1700000000.0"),
    ],
)
def test_serialize_formats_doubles_like_python_repr(value, text):
    state = CheckpointState(last_preserved_timestamp=value)
    assert serialize(state) == f"last_preserved_timestamp: {text}\n"


def test_serialize_escapes_quotes_backslashes_and_controls_but_not_unicode():
    state = CheckpointState(model_checkpoint_path="a\"b'c\\d\te\nf\rg\x00h\x7fié€\u2028")
    assert serialize(state) == (
        'model_checkpoint_path: "a\\"b\\\'c\\\\d\\te\\nf\\rg\\000h\\177ié€\u2028"\n'
    )


# --- Linear time -------------------------------------------------------------------------------


def _best_parse_times(small: str, large: str, rounds: int = 3) -> tuple[float, float]:
    """The least CPU time of `rounds` parses of each text, the two interleaved.

    CPU time, not wall time: time spent waiting for a core that other processes
    hold is not counted. Interleaved, and the least of each kept: a burst of
    load, or a cache cold for one round, cannot weigh on one side alone.
    """
    best = [math.inf, math.inf]
    for _ in range(rounds):
        for i, text in enumerate((small, large)):
            start = time.process_time()
            parse(text)
            best[i] = min(best[i], time.process_time() - start)
    return best[0], best[1]


def _ordinary_file(entries: int) -> str:
    lines = ['model_checkpoint_path: "run/model.ckpt-0"\n']
    for i in range(entries):
        lines.append(f'all_model_checkpoint_paths: "run/model.ckpt-{i}"  # n{i}\n')
        lines.append(f"all_model_checkpoint_timestamps: [{1.7e9 + i * 0.37!r}]\n")
    return "".join(lines)


def test_parse_time_is_linear_in_the_file_size():
    small = _ordinary_file(10_000)  # about 1 MB
    large = _ordinary_file(100_000)  # about 10 MB
    assert 0.9e6 < len(small) < 1.3e6 and 9e6 < len(large) < 13e6
    small_time, large_time = _best_parse_times(small, large)
    assert large_time < 20
    assert large_time < 30 * small_time  # ten times the size: linear is about 10


def test_parse_time_is_linear_in_the_number_of_escapes():
    def one_string(repeats: int) -> str:
        return 'model_checkpoint_path: "' + '\\\\\\"\\x4\\303\\251a' * repeats + '"\n'

    small_time, large_time = _best_parse_times(one_string(10_000), one_string(100_000))
    assert large_time < 20
    assert large_time < 30 * small_time


def _escape_heavy_file(size: int) -> str:
    unit = "\\t\\n\\001\\x41\\x4\\303\\251\\u00e9"
    return 'model_checkpoint_path: "' + unit * (size // len(unit)) + '"\n'


def _adjacent_literals_file(size: int) -> str:
    return "model_checkpoint_path: " + '"a" ' * (size // 4) + "\n"


def _adjacent_escaped_literals_file(size: int) -> str:
    return "all_model_checkpoint_paths: " + '"\\n" ' * (size // 5) + "\n"


@pytest.mark.parametrize(
    "make", [_escape_heavy_file, _adjacent_literals_file, _adjacent_escaped_literals_file]
)
def test_parse_memory_is_a_small_multiple_of_the_file_size(make):
    # Lists of a small object per escape or per literal once took 14 to 27 times the size.
    text = make(300_000)
    tracemalloc.start()
    try:
        parse(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * len(text)


# --- The rules, one by one ---------------------------------------------------------------------


def test_tensorflow_file():
    text = (
        'model_checkpoint_path: "/tmp/run/ckpt-3"\n'
        'all_model_checkpoint_paths: "/tmp/run/ckpt-2"\n'
        'all_model_checkpoint_paths: "/tmp/run/ckpt-3"\n'
        "all_model_checkpoint_timestamps: 1700000000.1234567\n"
        "all_model_checkpoint_timestamps: 1700000060.0\n"
        "last_preserved_timestamp: 1699999999.5\n"
    )
    assert parse(text) == CheckpointState(
        "/tmp/run/ckpt-3",
        ["/tmp/run/ckpt-2", "/tmp/run/ckpt-3"],
        [1700000000.1234567, 1700000060.0],
        1699999999.5,
    )


@pytest.mark.parametrize("text", ["", " \n\t\r\n", "# nothing\n", "\r\n\x0b\x0c\u3000"])
def test_empty_files_give_the_default_state(text):
    assert parse(text) == CheckpointState()


def test_repeated_singular_field_keeps_the_last_value():
    assert (
        parse('model_checkpoint_path: "a"\nmodel_checkpoint_path: "b"').model_checkpoint_path == "b"
    )
    assert parse("last_preserved_timestamp: 1 last_preserved_timestamp: 2") == CheckpointState(
        last_preserved_timestamp=2.0
    )


def test_list_syntax_mixes_with_repeated_fields():
    text = 'all_model_checkpoint_paths: "a" all_model_checkpoint_paths: ["b", \'c\'] '
    text += "all_model_checkpoint_paths: [] all_model_checkpoint_paths: 'd'"
    assert parse(text).all_model_checkpoint_paths == ["a", "b", "c", "d"]


def test_trailing_comma_in_list_is_an_error():
    with pytest.raises(ParseError) as error:
        parse('all_model_checkpoint_paths: ["a",]')
    assert str(error.value) == (
        "1:34 : 'all_model_checkpoint_paths: [\"a\",]': Expected string but found: ']'"
    )


def test_separators_and_comments():
    text = 'model_checkpoint_path: "a", # first\nlast_preserved_timestamp: 2;\n'
    assert parse(text) == CheckpointState("a", [], [], 2.0)


def test_two_separators_are_an_error():
    with pytest.raises(ParseError, match="Expected identifier or number, got ;"):
        parse('model_checkpoint_path: "a",;')


def test_crlf_line_endings():
    state = parse('model_checkpoint_path: "a"\r\nall_model_checkpoint_paths: "a"\r\n')
    assert state == CheckpointState("a", ["a"])


def test_byte_order_mark_is_an_error():
    with pytest.raises(ParseError) as error:
        parse('\ufeffmodel_checkpoint_path: "a"')
    assert (error.value.line, error.value.column) == (1, 1)
    assert error.value.message.endswith("Expected identifier or number, got \ufeff.")


def test_single_quotes_and_adjacent_literals():
    assert parse("model_checkpoint_path: 'a\"b' \"c'd\"\n  'e'").model_checkpoint_path == "a\"bc'de"


@pytest.mark.parametrize(
    "escaped, expected",
    [
        ("\\a\\b\\f\\n\\r\\t\\v", "\a\b\f\n\r\t\v"),
        ("\\\\\\'\\\"", "\\'\""),
        ("\\101\\0\\7", "A\x00\x07"),
        ("\\x41\\x9", "A\t"),
        ("\\u00e9\\U0001F600", "é😀"),
        ("\\303\\251", "é"),  # octal-escaped UTF-8, as protobuf < 5.26 writes it
        ("\\xc3\\xa9", "é"),
        ("\\q\\8\\ ", "\\q\\8\\ "),  # unknown escapes keep their backslash
        ("\\N{DIGIT ONE}", "1"),
        ("\\u005cn", "\n"),  # the backslash \u005c makes starts an escape
    ],
)
def test_string_escapes(escaped, expected):
    assert parse(f'model_checkpoint_path: "{escaped}"').model_checkpoint_path == expected


def test_utf8_may_span_adjacent_literals():
    assert parse('model_checkpoint_path: "\\303" "\\251"').model_checkpoint_path == "é"


def test_escaped_bytes_must_be_utf8():
    with pytest.raises(ParseError) as error:
        parse('model_checkpoint_path: "\\377"\nlast_preserved_timestamp: 1')
    assert str(error.value) == (
        "2:1 : 'last_preserved_timestamp: 1': Couldn't parse string: "
        "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"
    )


def test_unescaped_windows_path_is_an_error():
    with pytest.raises(ParseError, match="truncated \\\\UXXXXXXXX escape"):
        parse('model_checkpoint_path: "C:\\Users\\me"')


@pytest.mark.parametrize(
    "text",
    ['model_checkpoint_path: "a\nb"', 'model_checkpoint_path: "ab', "model_checkpoint_path: 'ab\""],
)
def test_unterminated_strings_are_errors(text):
    with pytest.raises(ParseError, match="String missing ending quote"):
        parse(text)


@pytest.mark.parametrize(
    "token, value",
    [
        ("17", 17.0),
        ("-2.5", -2.5),
        ("+3", 3.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("1E-3", 0.001),
        ("1.5f", 1.5),
        ("2F", 2.0),
        ("1_000", 1000.0),
        ("inf", math.inf),
        ("-Infinity", -math.inf),
        ("INFF", math.inf),
        ("-infinityF", -math.inf),
        ("1e999", math.inf),
        ("-1e999", -math.inf),
        ("1e-999", 0.0),
    ],
)
def test_double_spellings(token, value):
    assert parse(f"last_preserved_timestamp: {token}").last_preserved_timestamp == value


@pytest.mark.parametrize("token", ["nan", "NaN", "nanf", "-nan"])
def test_nan_spellings(token):
    assert math.isnan(parse(f"last_preserved_timestamp: {token}").last_preserved_timestamp)


@pytest.mark.parametrize(
    "token, message",
    [
        ("0x10", "Couldn't parse float: 0x10"),
        ("true", "Couldn't parse float: true"),
        ('"1"', 'Couldn\'t parse float: "1"'),
        ("1.2.3", "Couldn't parse float: 1.2.3"),
        ("01", "Invalid octal float: 01"),
        ("-00.5", "Invalid octal float: -00.5"),
    ],
)
def test_bad_doubles(token, message):
    with pytest.raises(ParseError) as error:
        parse(f"last_preserved_timestamp: {token}")
    assert str(error.value) == f"1:27 : 'last_preserved_timestamp: {token}': {message}"


def test_value_of_the_wrong_type():
    with pytest.raises(ParseError) as error:
        parse("model_checkpoint_path: 12")
    assert str(error.value) == "1:24 : 'model_checkpoint_path: 12': Expected string but found: '12'"


def test_unknown_field_error_points_at_the_name_without_quoting_the_line():
    with pytest.raises(ParseError) as error:
        parse('model_checkpoint_path: "a"\n  version: 2\n')
    assert str(error.value) == (
        '2:3 : Message type "tensorflow.CheckpointState" has no field named "version".'
    )


def test_field_numbers_and_extensions_are_refused():
    with pytest.raises(ParseError, match='no field named "1"'):
        parse('1: "a"')
    with pytest.raises(ParseError, match="1:13 : .* does not have extensions"):
        parse('[tensorflow.model_checkpoint_path]: "a"')


def test_missing_colon():
    with pytest.raises(ParseError) as error:
        parse('model_checkpoint_path "a"')
    assert str(error.value) == '1:23 : \'model_checkpoint_path "a"\': Expected ":".'


def test_error_at_end_of_file_quotes_an_empty_line():
    with pytest.raises(ParseError) as error:
        parse("model_checkpoint_path:\n  # nothing\n")
    assert str(error.value) == "3:1 : '': Expected string but found: ''"


def test_error_columns_count_code_points():
    with pytest.raises(ParseError) as error:
        parse('all_model_checkpoint_paths: ["é😀" x]')
    assert (error.value.line, error.value.column) == (1, 35)


def test_parse_error_logs_like_tensorflow_logs_protobufs():
    with pytest.raises(ParseError) as error:
        parse("model_checkpoint_path: x")
    e = error.value
    assert isinstance(e, ValueError)
    assert "%s: %s" % (type(e).__name__, e) == (
        "ParseError: 1:24 : 'model_checkpoint_path: x': Expected string but found: 'x'"
    )


def test_parse_error_pickles():
    error = pickle.loads(pickle.dumps(ParseError("'x': Expected \":\".", 3, 7)))
    assert (str(error), error.line, error.column) == ("3:7 : 'x': Expected \":\".", 3, 7)


def test_whitespace_is_what_str_isspace_accepts():
    # A file of one character parses to the default state exactly when that
    # character is whitespace, as protobuf's `\s` has it.
    spaces = {chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()}
    assert spaces == _WHITESPACE
    for char in spaces:
        assert parse(
            char + "last_preserved_timestamp:" + char + "1" + char
        ).last_preserved_timestamp
    for char in ["\ufeff", "\u200b", "\u180e", "\x00"]:
        with pytest.raises(ParseError):
            parse(char + "last_preserved_timestamp: 1")


# --- The fast path for files as TensorFlow writes them -----------------------------------

CANONICAL_LINES = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["model_checkpoint_path", "all_model_checkpoint_paths"]),
            st.text(st.characters(exclude_characters='"\\\n', exclude_categories=("Cs",))).map(
                lambda body: f'"{body}"'
            ),
        ),
        st.tuples(
            st.sampled_from(["all_model_checkpoint_timestamps", "last_preserved_timestamp"]),
            st.floats(allow_nan=True, allow_infinity=True).map(repr),
        ),
    ),
    max_size=6,
)


@settings(HYPOTHESIS, max_examples=500)
@given(CANONICAL_LINES)
def test_canonical_files_take_the_fast_path_with_protobufs_result(lines):
    text = "".join(f"{name}: {value}\n" for name, value in lines)
    assert _textformat._parse_canonical(text) is not None
    assert_parses_like_protobuf(text)


@pytest.mark.parametrize(
    "text",
    [
        'model_checkpoint_path: "a"',  # no final newline
        'model_checkpoint_path: "a\\"b"\n',  # an escape
        "model_checkpoint_path: 'a'\n",  # single quotes
        'model_checkpoint_path:  "a"\n',  # other spacing
        'model_checkpoint_path: "a" # c\n',  # a comment
        'model_checkpoint_path: "a"\r\n',  # CRLF
        "last_preserved_timestamp: 1.50\n",  # not repr's spelling
        "last_preserved_timestamp: 1_0.0\n",  # float() accepts it, protobuf does not
        "all_model_checkpoint_timestamps: [1.0]\n",  # list syntax
        "\n",  # an empty line
        'model_checkpoint_path: "\udc98"\n',  # a lone surrogate: not UTF-8
        'all_model_checkpoint_paths: "\u00e9\ud800"\n',
    ],
)
def test_other_files_take_the_full_parser(text):
    assert _textformat._parse_canonical(text) is None
    assert_parses_like_protobuf(text)

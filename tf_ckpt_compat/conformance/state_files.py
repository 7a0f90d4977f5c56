"""Hand-written `checkpoint` state files that probe the text-format parser.

Each entry is a short unique name and the file's exact bytes. They carry no
expected result: protobuf's `text_format.Merge` and TensorFlow are the
oracles. The model paths mostly name `model.ckpt-1`, `model.ckpt-2` and
`model.ckpt-3`, which the conformance layouts provide; files about the other
fields start with `MODEL`, since TensorFlow refuses a state without a model path.
"""

from __future__ import annotations

# A first line for files about other fields, so that TensorFlow returns their state.
MODEL = b'model_checkpoint_path: "model.ckpt-1"\n'

STATE_FILES: tuple[tuple[str, bytes], ...] = (
    # As TensorFlow writes them.
    ("tf_minimal", b'model_checkpoint_path: "model.ckpt-1"\n'),
    (
        "tf_manager",
        b'model_checkpoint_path: "model.ckpt-3"\n'
        b'all_model_checkpoint_paths: "model.ckpt-1"\n'
        b'all_model_checkpoint_paths: "model.ckpt-2"\n'
        b'all_model_checkpoint_paths: "model.ckpt-3"\n'
        b"all_model_checkpoint_timestamps: 1700000000.1234567\n"
        b"all_model_checkpoint_timestamps: 1700000060.5\n"
        b"all_model_checkpoint_timestamps: 1700000120.0\n"
        b"last_preserved_timestamp: 1699999999.25\n",
    ),
    ("no_trailing_newline", b'model_checkpoint_path: "model.ckpt-1"'),
    (
        "one_line",
        b'model_checkpoint_path: "model.ckpt-1" all_model_checkpoint_paths: "model.ckpt-1"',
    ),
    ("no_space_after_colon", b'model_checkpoint_path:"model.ckpt-1"\n'),
    ("spaces_around_colon", b'model_checkpoint_path   :   "model.ckpt-1"\n'),
    ("name_value_on_two_lines", b'model_checkpoint_path:\n  "model.ckpt-1"\n'),
    ("colon_on_next_line", b'model_checkpoint_path\n: "model.ckpt-1"\n'),
    (
        "fields_out_of_order",
        b'last_preserved_timestamp: 1.5\nmodel_checkpoint_path: "model.ckpt-1"\n',
    ),
    # Paths.
    ("absolute_path", b'model_checkpoint_path: "/tmp/nowhere/model.ckpt-1"\n'),
    ("dotdot_path", b'model_checkpoint_path: "../run/model.ckpt-1"\n'),
    ("dot_path", b'model_checkpoint_path: "./model.ckpt-1"\n'),
    ("gs_path", b'model_checkpoint_path: "gs://bucket/run/model.ckpt-1"\n'),
    ("s3_path", b'model_checkpoint_path: "s3://bucket/run/model.ckpt-1"\n'),
    ("file_uri_path", b'model_checkpoint_path: "file:///tmp/run/model.ckpt-1"\n'),
    ("trailing_slash_path", b'model_checkpoint_path: "model.ckpt-1/"\n'),
    ("double_slash_path", b'model_checkpoint_path: "sub//model.ckpt-1"\n'),
    ("path_with_spaces", b'model_checkpoint_path: "my model.ckpt-1"\n'),
    ("path_with_hash", b'model_checkpoint_path: "model#1.ckpt"\n'),
    ("path_with_colon", b'model_checkpoint_path: "C:model.ckpt-1"\n'),
    ("path_with_glob", b'model_checkpoint_path: "model.ckpt-*"\n'),
    ("path_is_space", b'model_checkpoint_path: " "\n'),
    ("path_is_dot", b'model_checkpoint_path: "."\n'),
    ("path_is_slash", b'model_checkpoint_path: "/"\n'),
    ("empty_model_path", b'model_checkpoint_path: ""\n'),
    (
        "empty_model_path_with_others",
        b'model_checkpoint_path: ""\nall_model_checkpoint_paths: "model.ckpt-1"\n',
    ),
    ("long_path", b'model_checkpoint_path: "' + b"d/" * 2000 + b'model.ckpt-1"\n'),
    (
        "long_file",
        b'all_model_checkpoint_paths: "model.ckpt-1"\n' * 20000
        + b'model_checkpoint_path: "model.ckpt-2"\n',
    ),
    ("long_comment", b"#" + b"c" * 100000 + b'\nmodel_checkpoint_path: "model.ckpt-1"\n'),
    # Escapes.
    ("escaped_double_quote", b'model_checkpoint_path: "model\\".ckpt-1"\n'),
    ("escaped_single_quote", b'model_checkpoint_path: "model\\\'s.ckpt-1"\n'),
    ("escaped_backslash", b'model_checkpoint_path: "model\\\\ckpt-1"\n'),
    ("windows_path_escaped", b'model_checkpoint_path: "C:\\\\runs\\\\model.ckpt-1"\n'),
    ("windows_path_unescaped", b'model_checkpoint_path: "C:\\runs\\model.ckpt-1"\n'),
    ("windows_path_users", b'model_checkpoint_path: "C:\\Users\\me\\model.ckpt-1"\n'),
    ("unknown_escape_kept", b'model_checkpoint_path: "model\\q.ckpt-1"\n'),
    ("escape_backslash_space", b'model_checkpoint_path: "model\\ .ckpt-1"\n'),
    ("c_escapes", b'model_checkpoint_path: "\\a\\b\\f\\n\\r\\t\\v"\n'),
    ("octal_escape", b'model_checkpoint_path: "model\\056ckpt-1"\n'),
    ("octal_one_digit", b'model_checkpoint_path: "m\\0"\n'),
    ("octal_nul_then_digit", b'model_checkpoint_path: "m\\0001"\n'),
    ("octal_above_255", b'model_checkpoint_path: "m\\777"\n'),
    ("octal_utf8_two_bytes", b'model_checkpoint_path: "caf\\303\\251/model.ckpt-1"\n'),
    ("octal_utf8_emoji", b'model_checkpoint_path: "\\360\\237\\230\\200.ckpt"\n'),
    ("octal_invalid_utf8", b'model_checkpoint_path: "bad\\377name"\n'),
    ("octal_truncated_utf8", b'model_checkpoint_path: "bad\\303"\n'),
    ("octal_utf8_across_literals", b'model_checkpoint_path: "caf\\303" "\\251"\n'),
    ("hex_escape", b'model_checkpoint_path: "model\\x2eckpt-1"\n'),
    ("hex_one_digit", b'model_checkpoint_path: "m\\x9"\n'),
    ("hex_three_digits", b'model_checkpoint_path: "m\\x414"\n'),
    ("hex_no_digits", b'model_checkpoint_path: "m\\xg"\n'),
    ("hex_utf8", b'model_checkpoint_path: "caf\\xc3\\xa9"\n'),
    ("hex_uppercase_x", b'model_checkpoint_path: "m\\X41"\n'),
    ("unicode_escape_u", b'model_checkpoint_path: "caf\\u00e9"\n'),
    ("unicode_escape_big_u", b'model_checkpoint_path: "\\U0001F600.ckpt"\n'),
    ("unicode_escape_truncated", b'model_checkpoint_path: "m\\u12"\n'),
    ("unicode_escape_out_of_range", b'model_checkpoint_path: "m\\U00110000"\n'),
    ("unicode_escape_surrogate", b'model_checkpoint_path: "m\\ud800"\n'),
    ("unicode_escape_backslash_joins", b'model_checkpoint_path: "m\\u005cn"\n'),
    ("named_escape", b'model_checkpoint_path: "m\\N{DIGIT ONE}"\n'),
    ("named_escape_unknown", b'model_checkpoint_path: "m\\N{NO SUCH NAME}"\n'),
    ("named_escape_empty", b'model_checkpoint_path: "m\\N{}"\n'),
    ("named_escape_unclosed", b'model_checkpoint_path: "m\\N{DIGIT ONE"\n'),
    ("named_escape_without_brace", b'model_checkpoint_path: "m\\NDIGIT"\n'),
    ("named_escape_sequence", b'model_checkpoint_path: "\\N{KEYCAP NUMBER SIGN}"\n'),
    ("named_escape_above_latin1", b'model_checkpoint_path: "\\N{CJK UNIFIED IDEOGRAPH-4E00}"\n'),
    ("octal_above_255_twice", b'model_checkpoint_path: "m\\777\\400"\n'),
    ("unicode_escape_surrogate_pair", b'model_checkpoint_path: "\\ud83d\\ude00"\n'),
    ("unicode_escape_line_continuation", b'model_checkpoint_path: "m\\u005c\\u000an"\n'),
    ("unicode_escape_illegal_after_join", b'model_checkpoint_path: "\\u005cU00110000"\n'),
    ("backslash_before_non_ascii", b'model_checkpoint_path: "m\\\xe2\x82\xac"\n'),
    ("backslash_at_end_of_line", b'model_checkpoint_path: "model.ckpt-1\\\n"\n'),
    ("escaped_quote_at_end_of_line", b'model_checkpoint_path: "model.ckpt-1\\"\n'),
    ("many_backslashes", b'model_checkpoint_path: "' + b"\\\\" * 500 + b'"\n'),
    # Quotes and literals.
    ("single_quotes", b"model_checkpoint_path: 'model.ckpt-1'\n"),
    ("single_quotes_with_double_inside", b"model_checkpoint_path: 'model\"1'\n"),
    ("double_quotes_with_single_inside", b'model_checkpoint_path: "model\'1"\n'),
    ("adjacent_literals", b"model_checkpoint_path: \"model.\" 'ckpt-1'\n"),
    (
        "adjacent_literals_across_lines",
        b'model_checkpoint_path: "model."\n  # why not\n  "ckpt-1"\n',
    ),
    ("adjacent_empty_literals", b'model_checkpoint_path: "" "model.ckpt-1" ""\n'),
    ("unterminated_string", b'model_checkpoint_path: "model.ckpt-1\n'),
    ("unterminated_at_eof", b'model_checkpoint_path: "model.ckpt-1'),
    ("mismatched_quotes", b"model_checkpoint_path: \"model.ckpt-1'\n"),
    ("raw_newline_in_string", b'model_checkpoint_path: "model.\nckpt-1"\n'),
    ("raw_tab_in_string", b'model_checkpoint_path: "model\t.ckpt-1"\n'),
    ("raw_cr_in_string", b'model_checkpoint_path: "model.ckpt-1\r"\n'),
    ("unquoted_path", b"model_checkpoint_path: model.ckpt-1\n"),
    ("unquoted_identifier", b"model_checkpoint_path: model\n"),
    ("number_as_path", b"model_checkpoint_path: 1\n"),
    # Encodings.
    ("raw_utf8", 'model_checkpoint_path: "café/modèle.ckpt-1"\n'.encode()),
    ("raw_utf8_emoji", 'model_checkpoint_path: "\U0001f600.ckpt"\n'.encode()),
    ("raw_utf8_line_separator", 'model_checkpoint_path: "m\u2028.ckpt"\n'.encode()),
    ("raw_nul", b'model_checkpoint_path: "m\x00.ckpt"\n'),
    ("invalid_utf8_in_path", b'model_checkpoint_path: "caf\xe9.ckpt"\n'),
    ("invalid_utf8_in_comment", b'# \xff\xfe\nmodel_checkpoint_path: "model.ckpt-1"\n'),
    ("invalid_utf8_truncated", b'model_checkpoint_path: "model.ckpt-1\xe2\x82"\n'),
    ("utf8_bom", b'\xef\xbb\xbfmodel_checkpoint_path: "model.ckpt-1"\n'),
    ("utf16_file", 'model_checkpoint_path: "model.ckpt-1"\n'.encode("utf-16")),
    ("latin1_nbsp_is_space", 'model_checkpoint_path:\u00a0"model.ckpt-1"\n'.encode()),
    ("unicode_space_separator", 'model_checkpoint_path:\u3000"model.ckpt-1"\n'.encode()),
    ("non_ascii_field_name", 'modèle: "model.ckpt-1"\n'.encode()),
    # Whitespace, comments, separators.
    ("empty_file", b""),
    ("whitespace_only", b" \n\t\r\n\x0b\x0c\n"),
    ("comment_only", b"# nothing here\n"),
    ("comment_without_newline", b'model_checkpoint_path: "model.ckpt-1" # done'),
    ("comment_between_name_and_colon", b'model_checkpoint_path # c\n: "model.ckpt-1"\n'),
    ("hash_inside_string", b'model_checkpoint_path: "model.ckpt-1#x"\n'),
    (
        "crlf",
        b'model_checkpoint_path: "model.ckpt-1"\r\nall_model_checkpoint_paths: "model.ckpt-1"\r\n',
    ),
    (
        "cr_only",
        b'model_checkpoint_path: "model.ckpt-1"\rall_model_checkpoint_paths: "model.ckpt-2"\r',
    ),
    ("tabs_and_form_feeds", b'\tmodel_checkpoint_path\x0c:\x0b"model.ckpt-1"\t\n'),
    ("indented", b'    model_checkpoint_path: "model.ckpt-1"\n    last_preserved_timestamp: 2\n'),
    ("comma_separator", b'model_checkpoint_path: "model.ckpt-1",\nlast_preserved_timestamp: 2,\n'),
    ("semicolon_separator", b'model_checkpoint_path: "model.ckpt-1"; last_preserved_timestamp: 2;'),
    ("two_separators", b'model_checkpoint_path: "model.ckpt-1",;\n'),
    ("leading_comma", b', model_checkpoint_path: "model.ckpt-1"\n'),
    ("stray_colon", b'model_checkpoint_path:: "model.ckpt-1"\n'),
    ("equals_instead_of_colon", b'model_checkpoint_path = "model.ckpt-1"\n'),
    ("missing_colon", b'model_checkpoint_path "model.ckpt-1"\n'),
    ("missing_value", b"model_checkpoint_path:\n"),
    (
        "missing_value_then_field",
        b'model_checkpoint_path:\nall_model_checkpoint_paths: "model.ckpt-1"\n',
    ),
    ("braces_message_syntax", b'model_checkpoint_path { "model.ckpt-1" }\n'),
    # Fields.
    (
        "only_other_fields",
        b'all_model_checkpoint_paths: "model.ckpt-1"\nlast_preserved_timestamp: 3\n',
    ),
    ("only_timestamps", b"all_model_checkpoint_timestamps: 1\nlast_preserved_timestamp: 2\n"),
    ("unknown_field", b'model_checkpoint_path: "model.ckpt-1"\nmodel_checkpoint_version: 2\n'),
    ("unknown_field_first", b'foo: "bar"\nmodel_checkpoint_path: "model.ckpt-1"\n'),
    ("field_name_wrong_case", b'Model_Checkpoint_Path: "model.ckpt-1"\n'),
    ("field_number", b'1: "model.ckpt-1"\n'),
    ("extension_syntax", b'[tensorflow.model_checkpoint_path]: "model.ckpt-1"\n'),
    ("extension_unclosed", b"[tensorflow.\n"),
    (
        "duplicate_model_path",
        b'model_checkpoint_path: "model.ckpt-1"\nmodel_checkpoint_path: "model.ckpt-3"\n',
    ),
    (
        "duplicate_model_path_empty_last",
        b'model_checkpoint_path: "model.ckpt-1"\nmodel_checkpoint_path: ""\n',
    ),
    (
        "duplicate_preserved_timestamp",
        MODEL + b"last_preserved_timestamp: 1\nlast_preserved_timestamp: 2\n",
    ),
    (
        "model_path_not_in_list",
        b'model_checkpoint_path: "model.ckpt-3"\nall_model_checkpoint_paths: "model.ckpt-1"\n',
    ),
    (
        "more_timestamps_than_paths",
        b'model_checkpoint_path: "model.ckpt-1"\n'
        b"all_model_checkpoint_timestamps: 1\n"
        b"all_model_checkpoint_timestamps: 2\n",
    ),
    # Lists.
    (
        "list_of_paths",
        b"all_model_checkpoint_paths: [\"model.ckpt-1\", 'model.ckpt-2']\n"
        b'model_checkpoint_path: "model.ckpt-2"\n',
    ),
    ("list_empty", b'all_model_checkpoint_paths: []\nmodel_checkpoint_path: "model.ckpt-1"\n'),
    (
        "list_multiline",
        MODEL + b'all_model_checkpoint_paths: [\n  "model.ckpt-1",  # one\n  "model.ckpt-2"\n]\n',
    ),
    (
        "list_mixed_with_repeats",
        MODEL + b'all_model_checkpoint_paths: "model.ckpt-1"\n'
        b'all_model_checkpoint_paths: ["model.ckpt-2"]\n'
        b'all_model_checkpoint_paths: "model.ckpt-3"\n',
    ),
    ("list_of_timestamps", MODEL + b"all_model_checkpoint_timestamps: [1, 2.5, inf, -1e3]\n"),
    ("list_trailing_comma", b'all_model_checkpoint_paths: ["model.ckpt-1",]\n'),
    (
        "list_missing_comma",
        MODEL + b'all_model_checkpoint_paths: ["model.ckpt-1" "model.ckpt-2"]\n',
    ),
    ("list_semicolon_inside", b'all_model_checkpoint_paths: ["model.ckpt-1"; "model.ckpt-2"]\n'),
    ("list_unclosed", b'all_model_checkpoint_paths: ["model.ckpt-1"\n'),
    ("list_for_singular_field", b'model_checkpoint_path: ["model.ckpt-1"]\n'),
    ("list_nested", b'all_model_checkpoint_paths: [["model.ckpt-1"]]\n'),
    # Numbers.
    ("timestamp_integer", MODEL + b"last_preserved_timestamp: 1700000000\n"),
    ("timestamp_exponent", MODEL + b"last_preserved_timestamp: 1.7e9\n"),
    ("timestamp_exponent_uppercase", MODEL + b"last_preserved_timestamp: 17E+8\n"),
    ("timestamp_leading_dot", MODEL + b"last_preserved_timestamp: .5\n"),
    ("timestamp_trailing_dot", MODEL + b"last_preserved_timestamp: 5.\n"),
    ("timestamp_plus_sign", MODEL + b"last_preserved_timestamp: +5\n"),
    ("timestamp_negative", MODEL + b"last_preserved_timestamp: -5.25\n"),
    ("timestamp_negative_zero", MODEL + b"last_preserved_timestamp: -0.0\n"),
    ("timestamp_f_suffix", MODEL + b"last_preserved_timestamp: 1.5f\n"),
    ("timestamp_uppercase_f_suffix", MODEL + b"last_preserved_timestamp: 1.5F\n"),
    ("timestamp_inf", MODEL + b"last_preserved_timestamp: inf\n"),
    ("timestamp_negative_infinity", MODEL + b"last_preserved_timestamp: -Infinity\n"),
    ("timestamp_negative_inff", MODEL + b"last_preserved_timestamp: -inff\n"),
    ("timestamp_nan", MODEL + b"last_preserved_timestamp: NaN\n"),
    ("timestamp_nanf", MODEL + b"last_preserved_timestamp: nanf\n"),
    ("timestamp_overflow", MODEL + b"last_preserved_timestamp: 1e400\n"),
    ("timestamp_underflow", MODEL + b"last_preserved_timestamp: 1e-400\n"),
    ("timestamp_subnormal", MODEL + b"last_preserved_timestamp: 5e-324\n"),
    ("timestamp_many_digits", MODEL + b"last_preserved_timestamp: " + b"1" * 500 + b"\n"),
    ("timestamp_underscores", MODEL + b"last_preserved_timestamp: 1_000\n"),
    ("timestamp_hex", MODEL + b"last_preserved_timestamp: 0x10\n"),
    ("timestamp_octal_looking", MODEL + b"last_preserved_timestamp: 0755\n"),
    ("timestamp_true", MODEL + b"last_preserved_timestamp: true\n"),
    ("timestamp_quoted", MODEL + b'last_preserved_timestamp: "1.5"\n'),
    ("timestamp_identifier", MODEL + b"last_preserved_timestamp: soon\n"),
    ("timestamp_two_dots", MODEL + b"last_preserved_timestamp: 1.2.3\n"),
    ("timestamp_lone_minus", MODEL + b"last_preserved_timestamp: -\n"),
    ("timestamp_space_after_sign", MODEL + b"last_preserved_timestamp: - 5\n"),
    ("timestamp_missing", MODEL + b"last_preserved_timestamp:\n"),
    ("timestamp_arabic_digit", MODEL + "last_preserved_timestamp: \u0663\n".encode()),
    ("timestamp_comma_decimal", MODEL + b"last_preserved_timestamp: 1,5\n"),
)

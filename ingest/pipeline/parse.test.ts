import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './parse.ts';

const MAX_DEPTH = 32;
const parse = (body: string | Buffer | Uint8Array, maxDepth = MAX_DEPTH) =>
  parseJsonBody(typeof body === 'string' ? Buffer.from(body, 'utf8') : body, { maxDepth });
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );

describe('parseJsonBody accepts JSON', () => {
  it.each<[string, string, unknown]>([
    ['empty object', '{}', {}],
    ['empty array', '[]', []],
    ['scalar string', '"x"', 'x'],
    ['scalar number', '-0.5e2', -50],
    ['null', 'null', null],
    ['surrounding whitespace', ' \t\r\n{"a":1} \n', { a: 1 }],
    ['nested', '{"a":[{"b":null,"c":[true,false]}]}', { a: [{ b: null, c: [true, false] }] }],
    ['escapes', '["\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000"]', ['"\\/\b\f\n\r\t\u0000']],
    ['a valid surrogate pair escape', '["\\ud83d\\ude00"]', ['😀']],
    [
      'raw multi-byte UTF-8',
      '{"city":"Zürich","emoji":"😀","cjk":"日本"}',
      { city: 'Zürich', emoji: '😀', cjk: '日本' },
    ],
    ['brackets inside strings do not nest', `{"a":"${'['.repeat(100)}"}`, { a: '['.repeat(100) }],
    ['escaped quotes inside strings', '["a\\"[[[[", "]]]]\\\\"]', ['a"[[[[', ']]]]\\']],
    [
      'forbidden names as values',
      '{"a":"__proto__","b":["constructor","prototype"]}',
      { a: '__proto__', b: ['constructor', 'prototype'] },
    ],
    [
      'keys that only resemble forbidden ones',
      '{"__proto":1,"constructors":2,"Prototype":3}',
      { __proto: 1, constructors: 2, Prototype: 3 },
    ],
    // i_number_*: JSON.parse reads huge numbers as Infinity / 0; metric checks refuse non-finite values.
    ['i_number_pos_double_huge_exp', '[1.5e+9999]', [Number.POSITIVE_INFINITY]],
    ['i_number_real_underflow', '[123e-10000000]', [0]],
  ])('%s', (_name, body, value) => {
    expect(parse(body)).toEqual({ ok: true, value });
  });

  it('skips a leading UTF-8 byte order mark (i_structure_UTF-8_BOM_empty_object)', () => {
    expect(parse(bytes([0xef, 0xbb, 0xbf], '{}'))).toEqual({ ok: true, value: {} });
  });

  it('accepts a Uint8Array that is not a Buffer, honouring its offset', () => {
    const backing = new TextEncoder().encode('xx{"a":1}yy');
    expect(parse(backing.subarray(2, 9))).toEqual({ ok: true, value: { a: 1 } });
  });

  it.each<[string, string, unknown]>([
    ['i_string_1st_surrogate_but_2nd_missing', '["\\uDADA"]', ['\ufffd']],
    ['i_string_lone_second_surrogate', '["\\uDFAA"]', ['\ufffd']],
    ['i_string_inverted_surrogates_U+1D11E', '["\\uDd1e\\uD834"]', ['\ufffd\ufffd']],
    ['i_string_incomplete_surrogate_and_escape_valid', '["\\uD800\\n"]', ['\ufffd\n']],
    ['i_object_key_lone_2nd_surrogate', '{"\\uDFAA":0}', { '\ufffd': 0 }],
    ['lone surrogate deep inside', '{"a":{"b":["x\\ud800y"]}}', { a: { b: ['x\ufffdy'] } }],
  ])('replaces lone surrogates with U+FFFD (%s): ClickHouse refuses them', (_name, body, value) => {
    expect(parse(body)).toEqual({ ok: true, value });
  });

  it('accepts nesting exactly at the limit and refuses one level more', () => {
    expect(parse(`${'['.repeat(4)}${']'.repeat(4)}`, 4)).toEqual({ ok: true, value: [[[[]]]] });
    expect(parse('{"a":{"b":{"c":[1]}}}', 4)).toEqual({ ok: true, value: { a: { b: { c: [1] } } } });
    expect(parse(`${'['.repeat(5)}${']'.repeat(5)}`, 4)).toMatchObject({ ok: false, code: 'too_deep' });
    expect(parse('{"a":{"b":{"c":{"d":{}}}}}', 4)).toMatchObject({ ok: false, code: 'too_deep' });
  });
});

describe('parseJsonBody refuses', () => {
  // A representative sample of nst/JSONTestSuite's n_ cases (the input must be rejected).
  it.each<[string, string]>([
    ['n_array_1_true_without_comma', '[1 true]'],
    ['n_array_colon_instead_of_comma', '["": 1]'],
    ['n_array_comma_after_close', '[""],'],
    ['n_array_double_comma', '[1,,2]'],
    ['n_array_extra_close', '["x"]]'],
    ['n_array_extra_comma', '["",]'],
    ['n_array_incomplete', '["x"'],
    ['n_array_inner_array_no_comma', '[3[4]]'],
    ['n_array_just_minus', '[-]'],
    ['n_array_number_and_comma', '[1,]'],
    ['n_array_spaces_vertical_tab_formfeed', '["\u000ba"\\f]'],
    ['n_array_unclosed_with_object_inside', '[{}'],
    ['n_incomplete_false', '[fals]'],
    ['n_incomplete_null', '[nul]'],
    ['n_multidigit_number_then_00', '123\u0000'],
    ['n_number_+1', '[+1]'],
    ['n_number_-01', '[-01]'],
    ['n_number_-2.', '[-2.]'],
    ['n_number_.2e-3', '[.2e-3]'],
    ['n_number_0.e1', '[0.e1]'],
    ['n_number_1_000', '[1 000.0]'],
    ['n_number_Inf', '[Inf]'],
    ['n_number_NaN', '[NaN]'],
    ['n_number_U+FF11_fullwidth_digit_one', '[１]'],
    ['n_number_hex_1_digit', '[0x1]'],
    ['n_number_infinity', '[Infinity]'],
    ['n_number_minus_infinity', '[-Infinity]'],
    ['n_number_with_leading_zero', '[012]'],
    ['n_object_bracket_key', '{[: "x"}\n'],
    ['n_object_comma_instead_of_colon', '{"x", null}'],
    ['n_object_emoji', '{🇨🇭}'],
    ['n_object_key_with_single_quotes', "{key: 'value'}"],
    ['n_object_missing_value', '{"a":'],
    ['n_object_non_string_key', '{1:1}'],
    ['n_object_repeated_null_null', '{null:null,null:null}'],
    ['n_object_trailing_comma', '{"id":0,}'],
    ['n_object_trailing_comment', '{"a":"b"}/**/'],
    ['n_object_trailing_comment_slash_open', '{"a":"b"}//'],
    ['n_object_unquoted_key', '{a: "b"}'],
    ['n_object_with_trailing_garbage', '{"a":"b"}#'],
    ['n_single_space', ' '],
    ['n_string_1_surrogate_then_escape_u1x', '["\\uD800\\u1x"]'],
    ['n_string_backslash_00', '["\\\u0000"]'],
    ['n_string_escape_x', '["\\x00"]'],
    ['n_string_escaped_backslash_bad', '["\\\\\\"]'],
    ['n_string_escaped_emoji', '["\\🌀"]'],
    ['n_string_incomplete_escaped_character', '["\\u00A"]'],
    ['n_string_invalid_backslash_esc', '["\\a"]'],
    ['n_string_invalid_unicode_escape', '["\\uqqqq"]'],
    ['n_string_leading_uescaped_thinspace', '[\\u0020"asd"]'],
    ['n_string_single_doublequote', '"'],
    ['n_string_single_quote', "['single quote']"],
    ['n_string_start_escape_unclosed', '["\\'],
    ['n_string_unescaped_ctrl_char', '["a\u0000a"]'],
    ['n_string_unescaped_newline', '["new\nline"]'],
    ['n_string_unescaped_tab', '["\t"]'],
    ['n_string_unicode_CapitalU', '"\\UA66D"'],
    ['n_string_with_trailing_garbage', '""x'],
    ['n_structure_angle_bracket_null', '[<null>]'],
    ['n_structure_array_with_unclosed_string', '["asd]'],
    ['n_structure_capitalized_True', '[True]'],
    ['n_structure_close_unopened_array', '1]'],
    ['n_structure_double_array', '[][]'],
    ['n_structure_end_array', ']'],
    ['n_structure_no_data', ''],
    ['n_structure_null-byte-outside-string', '[\u0000]'],
    ['n_structure_number_with_trailing_garbage', '2@'],
    ['n_structure_object_with_comment', '{"a":/*comment*/"b"}'],
    ['n_structure_open_object_open_string', '{"a'],
    ['n_structure_single_star', '*'],
    ['n_structure_trailing_#', '{"a":"b"}#{}'],
    ['n_structure_unclosed_array_unfinished_true', '[ false, tru'],
    ['n_structure_unicode-identifier', 'å'],
    ['n_structure_whitespace_U+2060_word_joiner', '[\u2060]'],
    ['n_structure_whitespace_formfeed', '[\f]'],
  ])('%s as invalid_json', (_name, body) => {
    expect(parse(body)).toMatchObject({ ok: false, code: 'invalid_json' });
  });

  it.each<[string, Buffer]>([
    ['n_array_a_invalid_utf8', bytes('[a', [0xe5], ']')],
    ['n_array_invalid_utf8', bytes('[', [0xff], ']')],
    ['n_number_invalid-utf-8-in-bigger-int', bytes('[123', [0xe5], ']')],
    ['n_number_real_with_invalid_utf8_after_e', bytes('[1e', [0xe5], ']')],
    ['n_object_lone_continuation_byte_in_key_and_trailing_comma', bytes('{"', [0xb9], '":"0",}')],
    ['n_string_invalid_utf8_after_escape', bytes('["\\', [0xe5], '"]')],
    ['n_string_invalid-utf-8-in-escape', bytes('["\\u', [0xe5], '"]')],
    ['n_structure_lone-invalid-utf-8', bytes([0xe5])],
    ['n_structure_single_eacute', bytes([0xe9])],
    ['i_string_UTF-8_invalid_sequence', bytes('["', [0xe6, 0x97, 0xa5, 0xd1, 0x88, 0xfa], '"]')],
    ['i_string_UTF8_surrogate_U+D800', bytes('["', [0xed, 0xa0, 0x80], '"]')],
    ['i_string_overlong_sequence_2_bytes', bytes('["', [0xc0, 0xaf], '"]')],
    ['i_string_iso_latin_1', bytes('["', [0xe9], '"]')],
    ['i_string_truncated-utf-8', bytes('["', [0xe0, 0xff], '"]')],
  ])('%s as invalid_utf8', (_name, body) => {
    expect(parse(body)).toEqual({ ok: false, code: 'invalid_utf8', message: 'The body is not valid UTF-8' });
  });

  it.each<[string, Buffer]>([
    ['n_structure_UTF8_BOM_no_data', bytes([0xef, 0xbb, 0xbf])],
    ['n_structure_incomplete_UTF8_BOM', bytes([0xef, 0xbb], '{}')],
    ['i_string_utf16LE_no_BOM', bytes('[', [0], '"', [0], [0xe9], [0], '"', [0], ']', [0])],
  ])('%s (encoding accidents) without accepting anything', (_name, body) => {
    expect(parse(body).ok).toBe(false);
  });

  it.each<[string, string]>([
    ['n_structure_100000_opening_arrays', '['.repeat(100_000)],
    ['n_structure_open_array_object', '[{"":'.repeat(50_000)],
    ['100,000-deep closed arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['i_structure_500_nested_arrays', `${'['.repeat(500)}${']'.repeat(500)}`],
    ['deep objects', `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`],
  ])('%s as too_deep, before JSON.parse sees it', (_name, body) => {
    expect(parse(body)).toEqual({
      ok: false,
      code: 'too_deep',
      message: 'The body nests objects/arrays deeper than 32 levels',
    });
  });

  it.each<[string, string, string]>([
    ['__proto__ at the top', '{"__proto__":{"polluted":true}}', '__proto__'],
    ['__proto__ nested in an array', '{"events":[{"ok":1},{"metadata":{"__proto__":{"x":1}}}]}', '__proto__'],
    ['constructor', '{"a":{"constructor":{"prototype":{"x":1}}}}', 'constructor'],
    ['prototype', '[{"prototype":1}]', 'prototype'],
    ['__proto__ spelled with \\u escapes', '{"a":{"\\u005f_proto__":1}}', '__proto__'],
    ['constructor spelled with \\u escapes', '{"\\u0063onstructor":1}', 'constructor'],
  ])('a forbidden key: %s', (_name, body, key) => {
    expect(parse(body)).toEqual({
      ok: false,
      code: 'forbidden_key',
      message: `The key "${key}" is not allowed anywhere in the body`,
    });
  });

  it('says where JSON broke, never what the body held', () => {
    const huge = `{"a":"${'x'.repeat(100_000)}" oops}`;
    const result = parse(huge);
    expect(result).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(result.ok ? '' : result.message).toMatch(/^The body is not valid JSON( \(at character \d+\))?$/);
    expect(parse('{"a":')).toEqual({ ok: false, code: 'invalid_json', message: 'The body ends early' });
  });
});

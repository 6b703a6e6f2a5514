import { describe, expect, test } from 'bun:test';
import { findInvalidHeader, withTextContentType } from '../../src/runtime/response-headers.ts';

describe('findInvalidHeader', () => {
  test('ordinary headers, Latin-1 values and tabs pass', () => {
    expect(findInvalidHeader({ 'x-a': 'b', 'set-cookie': 'a=1; Path=/', 'x-l': 'café\tok' })).toBe(
      null,
    );
  });

  test('a space in a name, a newline in a value and a non-Latin-1 value are named', () => {
    expect(findInvalidHeader({ 'x bad': '1' })).toContain('header name "x bad"');
    expect(findInvalidHeader({ 'x-nl': 'a\nb' })).toContain('header "x-nl"');
    expect(findInvalidHeader({ 'x-snow': '☃' })).toContain('header "x-snow"');
    expect(findInvalidHeader({ '': 'empty name' })).toContain('header name ""');
  });
});

describe('withTextContentType', () => {
  test('adds text/plain only when no content type is named, in any case', () => {
    expect(withTextContentType({})).toEqual({ 'content-type': 'text/plain; charset=utf-8' });
    expect(withTextContentType({ 'Content-Type': 'text/html' })).toEqual({
      'Content-Type': 'text/html',
    });
  });
});

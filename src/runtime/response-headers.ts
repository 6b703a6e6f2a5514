/** Checks a function's response headers against what HTTP can carry, before they go out. */

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Tab, visible ASCII, space and the rest of Latin-1; no CR, LF, NUL or other control characters.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The first header that HTTP cannot carry, described for the execution's error; else null. */
export function findInvalidHeader(headers: Record<string, string>): string | null {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) {
      return (
        `a header name ${JSON.stringify(name)} that is not valid in HTTP ` +
        "(letters, digits and !#$%&'*+-.^_`|~ only)"
      );
    }
    if (!HEADER_VALUE.test(value)) {
      return (
        `a value for header ${JSON.stringify(name)} that is not valid in HTTP ` +
        '(no line breaks or control characters, Latin-1 characters only)'
      );
    }
  }
  return null;
}

/** The headers, with `text/plain; charset=utf-8` when a text body came without a content type. */
export function withTextContentType(headers: Record<string, string>): Record<string, string> {
  const named = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  return named ? headers : { ...headers, 'content-type': 'text/plain; charset=utf-8' };
}

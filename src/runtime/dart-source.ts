/** A small Dart lexer: enough to find declarations without being fooled by comments or strings. */

/**
 * Returns `source` with every comment removed and every string literal emptied (`''`), keeping
 * line breaks so that positions still map to lines. Handles nested block comments, raw and
 * triple-quoted strings, and `${...}` interpolations that contain strings of their own.
 */
export function stripDartSource(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = skipBlockComment(source, i);
      out += ` ${lineBreaks(source.slice(i, end))}`;
      i = end;
    } else if (isStringStart(source, i)) {
      const end = skipString(source, i);
      out += `''${lineBreaks(source.slice(i, end))}`;
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** True when `stripped` (see {@link stripDartSource}) declares a top-level `main` function. */
export function hasTopLevelMain(stripped: string): boolean {
  let depth = 0;
  for (let i = 0; i < stripped.length; i++) {
    const c = stripped[i] ?? '';
    if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0 && stripped.startsWith('main', i) && !isIdentifierChar(stripped[i - 1])) {
      const after = stripped.slice(i + 4).trimStart();
      const before = stripped.slice(0, i).trimEnd();
      if (after.startsWith('(') && !before.endsWith('.') && !isIdentifierChar(stripped[i + 4])) {
        return true;
      }
    }
  }
  return false;
}

/** A class declaration found in stripped Dart source. */
export interface DartClass {
  name: string;
  /** The direct superclass, without an import prefix; null without `extends`. */
  superclass: string | null;
  isAbstract: boolean;
  /** True when `@cloudFunction` (or `@CloudFunction()`) annotates the class. */
  annotated: boolean;
}

const IDENTIFIER = String.raw`[A-Za-z_$][\w$]*`;
const CLASS_DECLARATION = new RegExp(
  String.raw`\b((?:(?:abstract|base|final|interface|sealed|mixin)\s+)*)class\s+(${IDENTIFIER})` +
    String.raw`(?:\s*<[^{]*?>)?(?:\s+extends\s+(?:${IDENTIFIER}\.)?(${IDENTIFIER}))?`,
  'g',
);
const CLOUD_FUNCTION_ANNOTATION = /@(?:[A-Za-z_$][\w$]*\.)?(?:cloudFunction\b|CloudFunction\s*\()/;

/** Lists the class declarations of stripped Dart source, with their annotations. */
export function findDartClasses(stripped: string): DartClass[] {
  const classes: DartClass[] = [];
  for (const match of stripped.matchAll(CLASS_DECLARATION)) {
    const start = match.index;
    // The annotations of a declaration sit between the end of the previous one and the keyword.
    const previousEnd = Math.max(
      stripped.lastIndexOf(';', start),
      stripped.lastIndexOf('}', start),
    );
    const preamble = stripped.slice(previousEnd + 1, start);
    classes.push({
      name: match[2] ?? '',
      superclass: match[3] ?? null,
      isAbstract: /\babstract\b/.test(match[1] ?? ''),
      annotated: CLOUD_FUNCTION_ANNOTATION.test(preamble),
    });
  }
  return classes;
}

/** The library a `part of '<uri>';` file belongs to (its URI), `true` for `part of name;`. */
export function findPartOf(source: string): string | true | null {
  const match = /^\s*part\s+of\s+(?:(['"])([^'"]+)\1|[\w.]+)\s*;/m.exec(source);
  if (match === null) return null;
  return match[2] ?? true;
}

function isStringStart(source: string, i: number): boolean {
  const c = source[i];
  if (c === '"' || c === "'") return true;
  const next = source[i + 1];
  return c === 'r' && (next === '"' || next === "'") && !isIdentifierChar(source[i - 1]);
}

function skipString(source: string, start: number): number {
  let i = start;
  const raw = source[i] === 'r';
  if (raw) i++;
  const quote = source[i] ?? '"';
  const triple = source.startsWith(quote.repeat(3), i);
  i += triple ? 3 : 1;
  while (i < source.length) {
    const c = source[i];
    if (!raw && c === '\\') {
      i += 2;
    } else if (!raw && c === '$' && source[i + 1] === '{') {
      i = skipInterpolation(source, i + 2);
    } else if (triple ? source.startsWith(quote.repeat(3), i) : c === quote) {
      return i + (triple ? 3 : 1);
    } else if (!triple && c === '\n') {
      return i; // unterminated: the compiler reports it, the scan moves on
    } else {
      i++;
    }
  }
  return i;
}

function skipInterpolation(source: string, start: number): number {
  let depth = 1;
  let i = start;
  while (i < source.length) {
    const c = source[i];
    if (isStringStart(source, i)) {
      i = skipString(source, i);
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      i = skipBlockComment(source, i);
      continue;
    }
    if (c === '{') depth++;
    if (c === '}' && --depth === 0) return i + 1;
    i++;
  }
  return i;
}

function skipBlockComment(source: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < source.length) {
    if (source.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (source.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return i;
}

function lineBreaks(text: string): string {
  return '\n'.repeat(text.split('\n').length - 1);
}

function isIdentifierChar(c: string | undefined): boolean {
  return c !== undefined && /[\w$]/.test(c);
}

import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidFunctionError } from '../../src/core/errors.ts';
import { ENTRY_POINT_MARKER, type HandlerContract } from '../../src/runtime/contract.ts';
import { stripDartSource } from '../../src/runtime/dart-source.ts';
import { renderEntryPoint, writeEntryPoint } from '../../src/runtime/entrypoint.ts';
import { createTempDir, writeFiles } from '../fixtures/dart-standin/toolchain.ts';

const libHandler: HandlerContract = {
  contract: 'handler',
  packageName: 'my_fn',
  className: 'MyFunction',
  libraryFile: 'lib/src/my_function.dart',
};

describe('renderEntryPoint', () => {
  test('starts with the marker that the stand-in and the contract scan recognise', () => {
    expect(renderEntryPoint(libHandler).startsWith(`${ENTRY_POINT_MARKER} (protocol 1).\n`)).toBe(
      true,
    );
  });

  test('imports a lib/ handler by its package: URI and creates the class', () => {
    const source = renderEntryPoint(libHandler);
    expect(source).toContain("import 'package:my_fn/src/my_function.dart' as function_library;");
    expect(source).toContain('final CloudDartFunction _function = function_library.MyFunction();');
  });

  test('imports a bin/ handler by a path relative to bin/', () => {
    const source = renderEntryPoint({ ...libHandler, libraryFile: 'bin/src/handler.dart' });
    expect(source).toContain("import 'src/handler.dart' as function_library;");
  });

  test('uses the dart_cloud_function and dart_cloud_logger public API', () => {
    const source = renderEntryPoint(libHandler);
    expect(source).toContain("import 'package:dart_cloud_function/dart_cloud_function.dart';");
    expect(source).toContain("import 'package:dart_cloud_logger/dart_cloud_logger.dart';");
    expect(source).toContain('class _FrameLogger extends CloudDartFunctionLogger {');
    expect(source).toContain(
      'void printLog(LoggerTypeAction level, String message, {Map<String, dynamic>? metadata}) {',
    );
    expect(source).toContain(
      '.handle(request: request, logger: _logger, env: Map<String, String>.of(_env))',
    );
  });

  test('writes protocol frames with the per-process token', () => {
    const source = renderEntryPoint(libHandler);
    expect(source).toContain("Platform.environment['DART_CLOUD_FRAME']");
    expect(source).toContain(String.raw`_writeLine('\x1E' + _frameToken + ' ' + jsonEncode(`);
    for (const field of [
      "'type': 'response'",
      "'type': 'error'",
      "'type': 'log'",
      "'encoding': encoding",
    ]) {
      expect(source).toContain(field);
    }
    expect(source).toContain("headers['content-type'] = 'application/json';");
    expect(source).toContain("encoding = 'base64';");
  });

  test('has balanced brackets outside comments and strings', () => {
    const code = stripDartSource(renderEntryPoint(libHandler));
    for (const [open, close] of [
      ['{', '}'],
      ['(', ')'],
      ['[', ']'],
    ] as const) {
      expect(code.split(open).length).toBe(code.split(close).length);
    }
  });

  test('has no TypeScript interpolation left in the Dart source', () => {
    const source = renderEntryPoint(libHandler);
    expect(source).not.toContain('__IMPORT_URI__');
    expect(source).not.toContain('__CLASS_NAME__');
    expect(source).not.toContain('\u001e');
  });

  test('rejects a file name that cannot be written in a Dart import', () => {
    expect(() => renderEntryPoint({ ...libHandler, libraryFile: "lib/it's.dart" })).toThrow(
      InvalidFunctionError,
    );
  });
});

describe('writeEntryPoint', () => {
  test('writes bin/dart_cloud_main.dart and returns its path', async () => {
    const dir = createTempDir();
    const path = await writeEntryPoint({ sourceDir: dir, contract: libHandler });
    expect(path).toBe(join(dir, 'bin', 'dart_cloud_main.dart'));
    expect(readFileSync(path, 'utf8')).toBe(renderEntryPoint(libHandler));
  });

  test('replaces an entry point it generated before', async () => {
    const dir = writeFiles(createTempDir(), {
      'bin/dart_cloud_main.dart': `${ENTRY_POINT_MARKER}\nold`,
    });
    const path = await writeEntryPoint({ sourceDir: dir, contract: libHandler });
    expect(readFileSync(path, 'utf8')).not.toContain('old');
  });

  test('refuses to overwrite a file of the same name written by the user', async () => {
    const dir = writeFiles(createTempDir(), { 'bin/dart_cloud_main.dart': '// mine\n' });
    await expect(writeEntryPoint({ sourceDir: dir, contract: libHandler })).rejects.toThrow(
      'bin/dart_cloud_main.dart is reserved',
    );
    expect(readFileSync(join(dir, 'bin/dart_cloud_main.dart'), 'utf8')).toBe('// mine\n');
  });
});

/**
 * Generates the Dart `main` of the handler contract: it reads requests from stdin, calls the
 * package's `@cloudFunction` class and writes frames on stdout, as docs/protocol.md says.
 *
 * Decisions the generated program makes:
 * - `print()` inside the handler stays a plain stdout line (a `stdout` log line on the server),
 *   but it is routed through the same `stdout` sink as the frames, so lines and frames keep their
 *   order and never interleave mid-line.
 * - `env` is the process environment without the reserved `DART_CLOUD_*` names; the server has
 *   already cleaned it to the function's own variables plus a few platform ones.
 * - `CloudRequest.raw` is the decoded request line (a `Map<String, dynamic>`).
 * - An error that escapes `handle` asynchronously after it answered becomes an error log frame.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { InvalidFunctionError } from '../core/errors.ts';
import { ENTRY_POINT_FILE, ENTRY_POINT_MARKER, type HandlerContract } from './contract.ts';

/** Returns the Dart source of the entry point for a handler-contract package. */
export function renderEntryPoint(contract: HandlerContract): string {
  const importUri = entryImportUri(contract);
  if (!/^[\w./:-]+$/.test(importUri) || !/^[A-Za-z$][\w$]*$/.test(contract.className)) {
    throw new InvalidFunctionError(
      `Expected the handler's file and class names to be plain Dart names, got ` +
        `'${contract.libraryFile}' and '${contract.className}'.`,
    );
  }
  return ENTRY_POINT_TEMPLATE.replace('__IMPORT_URI__', importUri).replace(
    '__CLASS_NAME__',
    contract.className,
  );
}

/**
 * Writes the entry point into the package (at {@link ENTRY_POINT_FILE}) and returns its absolute
 * path. Refuses to overwrite a file of that name that dart_cloud did not generate.
 */
export async function writeEntryPoint(options: {
  sourceDir: string;
  contract: HandlerContract;
}): Promise<string> {
  const path = join(options.sourceDir, ENTRY_POINT_FILE);
  if (existsSync(path) && !readFileSync(path, 'utf8').startsWith(ENTRY_POINT_MARKER)) {
    throw new InvalidFunctionError(
      `${ENTRY_POINT_FILE} is reserved for the entry point that dart_cloud generates; rename your file.`,
    );
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderEntryPoint(options.contract));
  return path;
}

/** A `package:` URI for a library under lib/, a path relative to bin/ for one under bin/. */
function entryImportUri(contract: HandlerContract): string {
  const file = contract.libraryFile;
  if (!file.startsWith('lib/')) return posix.relative(posix.dirname(ENTRY_POINT_FILE), file);
  return `package:${contract.packageName}/${file.slice('lib/'.length)}`;
}

const ENTRY_POINT_TEMPLATE = `${ENTRY_POINT_MARKER} (protocol 1).
// Do not edit: dart_cloud writes this file again at every deploy.
//
// Reads one JSON request per line on stdin, calls the @cloudFunction class and answers each
// request with a frame on stdout: a line of 0x1E, the DART_CLOUD_FRAME token, a space and JSON.
${String.raw`import 'dart:async';
import 'dart:convert';
import 'dart:io';

import 'package:dart_cloud_function/dart_cloud_function.dart';
import 'package:dart_cloud_logger/dart_cloud_logger.dart';

import '__IMPORT_URI__' as function_library;

final String _frameToken = Platform.environment['DART_CLOUD_FRAME'] ?? '';

final Map<String, String> _env = Map<String, String>.of(Platform.environment)
  ..removeWhere((String name, String value) => name.startsWith('DART_CLOUD_'));

final CloudDartFunction _function = function_library.__CLASS_NAME__();

final _FrameLogger _logger = _FrameLogger();

Future<void> main() async {
  final Stream<String> lines = stdin
      .transform(const Utf8Decoder(allowMalformed: true))
      .transform(const LineSplitter());
  await for (final String line in lines) {
    if (line.trim().isEmpty) continue;
    await _serve(line);
  }
  await stdout.flush();
  await stderr.flush();
  exit(0);
}

Future<void> _serve(String line) async {
  String id = '';
  try {
    final Object? message = jsonDecode(line);
    if (message is! Map<String, dynamic> || message['type'] != 'request') {
      throw const FormatException('Expected a {"type":"request"} JSON object');
    }
    id = (message['id'] ?? '').toString();
    final CloudResponse response = await _invoke(_requestFrom(message));
    _writeFrame(_responseFrame(id, response));
  } catch (error, stack) {
    _writeFrame(<String, Object?>{
      'type': 'error',
      'id': id,
      'message': error.toString(),
      'stack': stack.toString(),
    });
  }
}

Future<CloudResponse> _invoke(CloudRequest request) {
  final Completer<CloudResponse> result = Completer<CloudResponse>();
  runZonedGuarded<void>(
    () {
      _function
          .handle(request: request, logger: _logger, env: Map<String, String>.of(_env))
          .then(result.complete, onError: result.completeError);
    },
    (Object error, StackTrace stack) {
      if (!result.isCompleted) {
        result.completeError(error, stack);
      } else {
        _logger.error('Uncaught error after the response: $error',
            metadata: <String, dynamic>{'stack': stack.toString()});
      }
    },
    zoneSpecification: ZoneSpecification(
      print: (Zone self, ZoneDelegate parent, Zone zone, String line) => _writeLine(line),
    ),
  );
  return result.future;
}

CloudRequest _requestFrom(Map<String, dynamic> message) {
  return CloudRequest(
    method: (message['method'] ?? 'GET').toString(),
    path: (message['path'] ?? '/').toString(),
    headers: _stringMap(message['headers']),
    query: _stringMap(message['query']),
    body: message['body'],
    raw: message,
  );
}

Map<String, String> _stringMap(Object? value) {
  final Map<String, String> result = <String, String>{};
  if (value is Map) {
    value.forEach((Object? key, Object? item) {
      result[key.toString()] = item.toString();
    });
  }
  return result;
}

Map<String, Object?> _responseFrame(String id, CloudResponse response) {
  final Map<String, String> headers = Map<String, String>.of(response.headers);
  final Object? body = response.body;
  String encoding = 'utf8';
  String text;
  if (body == null) {
    text = '';
  } else if (body is String) {
    text = body;
  } else if (body is List<int>) {
    text = base64Encode(body);
    encoding = 'base64';
  } else {
    text = jsonEncode(body);
    if (!headers.keys.any((String name) => name.toLowerCase() == 'content-type')) {
      headers['content-type'] = 'application/json';
    }
  }
  return <String, Object?>{
    'type': 'response',
    'id': id,
    'statusCode': response.statusCode,
    'headers': headers,
    'body': text,
    'encoding': encoding,
  };
}

class _FrameLogger extends CloudDartFunctionLogger {
  @override
  void printLog(LoggerTypeAction level, String message, {Map<String, dynamic>? metadata}) {
    _writeFrame(<String, Object?>{
      'type': 'log',
      'level': level.name,
      'message': message,
      'metadata': metadata,
    });
  }
}

void _writeFrame(Map<String, Object?> frame) {
  _writeLine('\x1E' + _frameToken + ' ' + jsonEncode(frame, toEncodable: _encodeFallback));
}

Object? _encodeFallback(Object? value) => value.toString();

void _writeLine(String line) {
  try {
    stdout.writeln(line);
  } on StateError {
    // stdout is being flushed before exit: a line printed that late has nowhere to go.
  }
}
`}`;

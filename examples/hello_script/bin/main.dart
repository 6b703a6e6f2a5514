import 'dart:convert';
import 'dart:io';

/// Reads the request from FUNCTION_INPUT and prints the JSON result as the last line.
void main() {
  final Object? request = jsonDecode(Platform.environment['FUNCTION_INPUT'] ?? '{}');
  final Object? body = request is Map ? request['body'] : null;
  final Object? name = body is Map ? body['name'] : null;
  print('Greeting ${name ?? 'world'}'); // any line before the last one is a log line
  print(jsonEncode(<String, Object?>{'message': 'Hello, ${name ?? 'world'}!'}));
}

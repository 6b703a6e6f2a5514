import 'package:dart_cloud_function/dart_cloud_function.dart';
import 'package:dart_cloud_logger/dart_cloud_logger.dart';

/// Greets `name` from the query string or the JSON body, or the world.
@cloudFunction
class HelloFunction extends CloudDartFunction {
  @override
  Future<CloudResponse> handle({
    required CloudRequest request,
    required CloudDartFunctionLogger logger,
    Map<String, String>? env,
  }) async {
    final Object? body = request.body;
    final Object? fromBody = body is Map ? body['name'] : null;
    final String name = request.query['name'] ?? fromBody?.toString() ?? 'world';
    logger.info('Greeting $name', metadata: <String, dynamic>{'path': request.path});
    return CloudResponse.json(<String, Object?>{'message': 'Hello, $name!'});
  }
}

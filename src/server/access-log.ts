/** One debug line per request: method, path, status and duration (`DART_CLOUD_LOG_LEVEL=debug`). */
import type { ConsolaInstance } from 'consola';

/** Hooks for the app's request life cycle. */
export interface AccessLog {
  start(request: Request): void;
  /** Notes the status of an error answer, which the after-response hook cannot see. */
  failed(request: Request, response: Response): Response;
  finish(request: Request, status: number): void;
}

/** Creates the access log. */
export function createAccessLog(logger: ConsolaInstance): AccessLog {
  const started = new WeakMap<Request, number>();
  const errorStatus = new WeakMap<Request, number>();
  return {
    start(request) {
      started.set(request, performance.now());
    },
    failed(request, response) {
      errorStatus.set(request, response.status);
      return response;
    },
    finish(request, status) {
      const since = started.get(request);
      const ms = since === undefined ? 0 : Math.round(performance.now() - since);
      const path = new URL(request.url).pathname;
      logger.debug(`${request.method} ${path} ${errorStatus.get(request) ?? status} ${ms}ms`);
    },
  };
}

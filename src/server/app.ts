/** The HTTP application: every route of docs/rest-api.md behind one error mapper. */
import { Elysia } from 'elysia';
import { createLogger } from '../core/logger.ts';
import type { ServiceContext } from '../functions/context.ts';
import { createAuthPlugin } from './auth.ts';
import { errorResponse, internalErrorResponse, mapDomainError } from './errors.ts';
import type { RateLimits } from './rate-limit.ts';
import type { RouteDeps } from './route-deps.ts';
import { createAuthRoutes } from './routes/auth.ts';
import { createEnvRoutes } from './routes/env.ts';
import { createFunctionUrlRoutes } from './routes/function-urls.ts';
import { createFunctionRoutes } from './routes/functions.ts';
import { createHealthRoutes } from './routes/health.ts';
import { createInvokeRoutes } from './routes/invoke.ts';
import { createObserveRoutes } from './routes/observe.ts';

/** What the app is built from. */
export interface AppOptions {
  services: ServiceContext;
  /** The token signing secret. */
  secret: string;
  version: string;
  rateLimits?: RateLimits;
}

/** Builds the Elysia app; call `.handle(request)` in tests or `.listen()` to serve. */
export function createApp(options: AppOptions) {
  const logger = createLogger('http');
  const deps: RouteDeps = {
    services: options.services,
    auth: createAuthPlugin({ services: options.services, secret: options.secret }),
    version: options.version,
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
  };

  return new Elysia()
    .onError(({ error, code, request }) => {
      const mapped = mapDomainError(error);
      if (mapped) return mapped;
      switch (code) {
        case 'NOT_FOUND':
          return errorResponse(404, { error: 'Not found', details: 'Route not found' });
        case 'PARSE':
          return errorResponse(400, {
            error: 'Invalid request',
            details: 'The request body could not be parsed',
          });
        case 'VALIDATION':
          return errorResponse(400, {
            error: 'Invalid request',
            details: error.all[0]?.summary ?? error.message,
          });
        case 'INVALID_COOKIE_SIGNATURE':
          return errorResponse(400, {
            error: 'Invalid request',
            details: 'A cookie signature is invalid',
          });
        default: {
          const url = new URL(request.url);
          return internalErrorResponse(error, logger, `${request.method} ${url.pathname}`);
        }
      }
    })
    .use(createHealthRoutes(deps))
    .use(createAuthRoutes(deps))
    .use(createFunctionRoutes(deps))
    .use(createInvokeRoutes(deps))
    .use(createObserveRoutes(deps))
    .use(createEnvRoutes(deps))
    .use(createFunctionUrlRoutes(deps));
}

/** The app's type. */
export type App = ReturnType<typeof createApp>;

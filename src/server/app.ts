/** The HTTP application: every route of docs/rest-api.md behind one error mapper. */
import { Elysia } from 'elysia';
import { createLogger } from '../core/logger.ts';
import type { ServiceContext } from '../functions/context.ts';
import { createAuthPlugin } from './auth.ts';
import { createAccessLog } from './access-log.ts';
import { mapError } from './errors.ts';
import { checkDeclaredLength, checkSingleQueryParams, MAX_BODY_BYTES } from './request.ts';
import { createLoginGuard, type LoginFailureLimits } from './login-guard.ts';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limit.ts';
import { createRequestLimits } from './request-limits.ts';
import type { RouteDeps } from './route-deps.ts';
import { createAuthRoutes } from './routes/auth.ts';
import { createEnvRoutes } from './routes/env.ts';
import { createFunctionUrlRoutes } from './routes/function-urls.ts';
import { createFunctionRoutes } from './routes/functions.ts';
import { createHealthRoutes } from './routes/health.ts';
import { createInvokeRoutes } from './routes/invoke.ts';
import { createKeyRoutes } from './routes/keys.ts';
import { createObserveRoutes } from './routes/observe.ts';

/** What the app is built from. */
export interface AppOptions {
  services: ServiceContext;
  /** The token signing secret. */
  secret: string;
  version: string;
  /** Requests per principal and per client address; the seed's when absent. */
  rateLimits?: RateLimits;
  /**
   * Whether `X-Forwarded-For` names the client and `X-Forwarded-Proto`/`-Host` the origin of
   * function URLs (only behind a reverse proxy).
   */
  trustProxy?: boolean;
  /** Failed logins allowed per email and per address; five per 15 minutes when absent. */
  loginFailures?: LoginFailureLimits;
}

/** Builds the Elysia app; call `.handle(request)` in tests or `.listen()` to serve. */
export function createApp(options: AppOptions) {
  const logger = createLogger('http');
  const { services } = options;
  const limits = createRequestLimits({
    limits: options.rateLimits ?? DEFAULT_RATE_LIMITS,
    trustProxy: options.trustProxy === true,
    now: () => services.now(),
  });
  const deps: RouteDeps = {
    services,
    auth: createAuthPlugin({ services, secret: options.secret, limits }),
    version: options.version,
    limits,
    trustProxy: options.trustProxy === true,
    loginGuard: createLoginGuard({
      ...(options.loginFailures ? { limits: options.loginFailures } : {}),
      now: () => services.now(),
    }),
  };

  const access = createAccessLog(logger);
  return new Elysia()
    .onRequest(({ request }) => {
      access.start(request);
      // No route takes a body this large, so it is refused before routing and never read.
      checkDeclaredLength(request, MAX_BODY_BYTES);
      // Function URLs pass their query to the function as it came; only the API is checked.
      const url = new URL(request.url);
      if (url.pathname.startsWith('/api/')) checkSingleQueryParams(url.searchParams);
    })
    .onAfterResponse(({ request, responseValue, set }) => {
      const status = responseValue instanceof Response ? responseValue.status : set.status;
      access.finish(request, typeof status === 'number' ? status : 200);
    })
    .onError(({ error, code, request }) =>
      access.failed(request, mapError({ error, code, request, logger })),
    )
    .use(createHealthRoutes(deps))
    .use(createAuthRoutes(deps))
    .use(createFunctionRoutes(deps))
    .use(createInvokeRoutes(deps))
    .use(createObserveRoutes(deps))
    .use(createEnvRoutes(deps))
    .use(createKeyRoutes(deps))
    .use(createFunctionUrlRoutes(deps));
}

/** The app's type. */
export type App = ReturnType<typeof createApp>;

/** Logs and metrics of a function. */
import { Elysia } from 'elysia';
import { resolveFunction } from '../../functions/functions.ts';
import { waitForLogs } from '../../functions/logs.ts';
import { computeMetrics, parseMetricPeriod } from '../../functions/metrics.ts';
import { renderLog, renderMetrics } from '../present.ts';
import { parseQueryInteger, parseTime } from '../request.ts';
import type { RouteDeps } from '../route-deps.ts';

/** Log and metric routes. */
export function createObserveRoutes(deps: RouteDeps) {
  const { services } = deps;
  return new Elysia({ prefix: '/api/functions/:id' })
    .use(deps.auth)
    .get(
      '/logs',
      async ({ params, session, query, request, server }) => {
        const fn = resolveFunction(services, session.user.id, params.id);
        const after =
          query.after === undefined
            ? undefined
            : parseQueryInteger(query.after, {
                name: 'after',
                min: 0,
                max: Number.MAX_SAFE_INTEGER,
                fallback: 0,
              });
        const wait = parseQueryInteger(query.wait, { name: 'wait', min: 0, max: 30, fallback: 0 });
        // Bun closes a connection idle for 10 s; a held answer may take up to `wait` seconds.
        if (wait > 0) server?.timeout(request, wait + 15);
        const logQuery = {
          limit: parseQueryInteger(query.limit, {
            name: 'limit',
            min: 1,
            max: 1000,
            fallback: 100,
          }),
          since: parseTime(query.since, 'since'),
          after,
          executionId: query.execution_id || undefined,
        };
        const result = await waitForLogs(services, fn.id, logQuery, {
          waitMs: wait * 1000,
          signal: request.signal,
        });
        return { logs: result.logs.map(renderLog), cursor: result.cursor };
      },
      { auth: true },
    )
    .get(
      '/metrics',
      ({ params, session, query }) => {
        const fn = resolveFunction(services, session.user.id, params.id);
        return renderMetrics(computeMetrics(services, fn.id, parseMetricPeriod(query.period)));
      },
      { auth: true },
    );
}

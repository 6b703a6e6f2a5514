/** Logs and metrics of a function. */
import { Elysia } from 'elysia';
import { resolveFunction } from '../../functions/functions.ts';
import { queryLogs } from '../../functions/logs.ts';
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
      ({ params, session, query }) => {
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
        const result = queryLogs(services, fn.id, {
          limit: parseQueryInteger(query.limit, {
            name: 'limit',
            min: 1,
            max: 1000,
            fallback: 100,
          }),
          since: parseTime(query.since, 'since'),
          after,
          executionId: query.execution_id || undefined,
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

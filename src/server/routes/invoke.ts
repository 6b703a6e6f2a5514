/** Invocations through the API, and the execution history. */
import { Elysia } from 'elysia';
import { ValidationError } from '../../core/errors.ts';
import { getExecution, listExecutions } from '../../functions/executions.ts';
import { resolveFunction } from '../../functions/functions.ts';
import { invokeFunction } from '../../functions/invoke.ts';
import { describeValue, parseFields, parseObject } from '../../functions/validate.ts';
import type { FunctionRequest } from '../../runtime/types.ts';
import { renderExecution, renderInvocation } from '../present.ts';
import { BodyLimits, parsePage, readJson } from '../request.ts';
import type { RouteDeps } from '../route-deps.ts';

const METHOD = /^[A-Z]{1,16}$/;
const INVOKE_FIELDS = ['body', 'method', 'path', 'query', 'headers'] as const;

/** Invoke and execution routes. */
export function createInvokeRoutes(deps: RouteDeps) {
  const { services } = deps;
  return new Elysia({ prefix: '/api/functions/:id' })
    .use(deps.auth)
    .post(
      '/invoke',
      async ({ params, session, request, server, set }) => {
        const fn = resolveFunction(services, session.user.id, params.id);
        const input = parseFields(
          await readJson(request, { maxBytes: BodyLimits.invoke, fallback: {} }),
          { what: 'the request body', allowed: INVOKE_FIELDS },
        );
        // Bun closes idle connections after 10 s; a function may legitimately run longer.
        server?.timeout(request, fn.timeoutSeconds + 30);

        const answer = renderInvocation(
          await invokeFunction(services, { function: fn, request: parseInvokeRequest(input) }),
        );
        set.status = answer.status;
        return answer.body;
      },
      { auth: 'invoke', parse: 'none' },
    )
    .get(
      '/executions',
      ({ params, session, query }) => {
        const fn = resolveFunction(services, session.user.id, params.id);
        const page = listExecutions(services, fn.id, parsePage(query, { fallback: 10, max: 100 }));
        return { executions: page.executions.map(renderExecution), total: page.total };
      },
      { auth: true },
    )
    .get(
      '/executions/:execution_id',
      ({ params, session }) => {
        const fn = resolveFunction(services, session.user.id, params.id);
        return renderExecution(getExecution(services, fn.id, params.execution_id));
      },
      { auth: true },
    );
}

/** Turns `{"body", "method", "path", "query", "headers"}` into the request the function sees. */
export function parseInvokeRequest(input: Record<string, unknown>): FunctionRequest {
  const method = input.method === undefined ? 'POST' : input.method;
  if (typeof method !== 'string' || !METHOD.test(method.toUpperCase())) {
    throw new ValidationError(
      `Expected method to be an HTTP method such as POST, got ${describeValue(method)}`,
    );
  }
  const path = input.path === undefined ? '/' : input.path;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new ValidationError(
      `Expected path to be a string starting with '/', got ${describeValue(path)}`,
    );
  }
  return {
    method: method.toUpperCase(),
    path,
    query: parseStringMap(input.query, 'query'),
    headers: lowerCaseKeys(parseStringMap(input.headers, 'headers')),
    body: input.body === undefined ? null : input.body,
  };
}

function parseStringMap(value: unknown, name: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const object = parseObject(value, name);
  for (const [key, entry] of Object.entries(object)) {
    if (typeof entry !== 'string') {
      throw new ValidationError(
        `Expected ${name}.${key} to be a string, got ${describeValue(entry)}`,
      );
    }
  }
  return object as Record<string, string>;
}

function lowerCaseKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key.toLowerCase(), value]));
}

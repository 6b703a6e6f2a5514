/** `ANY /functions/:id[/*]`: a function's own HTTP address; its status, headers and body pass through. */
import { Elysia } from 'elysia';
import { resolveFunction } from '../../functions/functions.ts';
import { invokeFunction } from '../../functions/invoke.ts';
import type { FunctionRequest } from '../../runtime/types.ts';
import { errorResponse } from '../errors.ts';
import { renderInvocation } from '../present.ts';
import { BodyLimits, parseJsonText, readText } from '../request.ts';
import type { RouteDeps } from '../route-deps.ts';

// Framing headers belong to this hop; the server sets its own.
const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
]);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** Function URL routes. */
export function createFunctionUrlRoutes(deps: RouteDeps) {
  const { services } = deps;

  const handle = async (context: {
    params: { id: string; '*'?: string };
    session: { user: { id: string } };
    request: Request;
    server: { timeout(request: Request, seconds: number): void } | null;
  }): Promise<Response> => {
    const { params, session, request, server } = context;
    const fn = resolveFunction(services, session.user.id, params.id);
    const functionRequest = await toFunctionRequest(request, params['*']);
    server?.timeout(request, fn.timeoutSeconds + 30);

    const result = await invokeFunction(services, { function: fn, request: functionRequest });
    const response = result.outcome.response;
    const tag = { 'x-dart-cloud-execution-id': result.executionId };
    if (result.outcome.status !== 'success' || !response) {
      const answer = renderInvocation(result);
      return errorResponse(answer.status, answer.body as { error: string; details: string }, tag);
    }
    if (response.statusCode < 200 || response.statusCode > 599) {
      const details = `The function answered with status code ${response.statusCode}, which cannot be passed on; answer with 200 to 599`;
      return errorResponse(
        502,
        { error: 'Invalid response', details, execution_id: result.executionId },
        tag,
      );
    }

    const headers = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      if (!HOP_HEADERS.has(key.toLowerCase())) headers.set(key, value);
    }
    headers.set('x-dart-cloud-execution-id', result.executionId);
    const body = NULL_BODY_STATUSES.has(response.statusCode) ? null : response.body;
    return new Response(body, { status: response.statusCode, headers });
  };

  return new Elysia()
    .use(deps.auth)
    .all('/functions/:id', handle, { auth: 'invoke', parse: 'none' })
    .all('/functions/:id/*', handle, { auth: 'invoke', parse: 'none' });
}

async function toFunctionRequest(
  request: Request,
  rest: string | undefined,
): Promise<FunctionRequest> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    // The caller's token is for this server, not for the function.
    if (key !== 'authorization') headers[key] = value;
  });

  const text =
    request.method === 'GET' || request.method === 'HEAD'
      ? ''
      : await readText(request, BodyLimits.invoke);
  let body: unknown = text === '' ? null : text;
  if (text !== '' && (headers['content-type'] ?? '').includes('json')) {
    try {
      body = parseJsonText(text);
    } catch {
      // Not JSON after all (or nested too deep to pass on): the function gets the text.
    }
  }

  return {
    method: request.method,
    path: `/${rest ?? ''}`,
    headers,
    query: Object.fromEntries(url.searchParams),
    body,
  };
}

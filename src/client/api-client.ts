/** A typed client for the dart_cloud REST API (docs/rest-api.md). */
import { ApiError, ServerUnreachableError } from './errors.ts';
import type {
  ApiKey,
  AuthResponse,
  BuildLogResponse,
  CreatedApiKey,
  DeleteResponse,
  DeployResponse,
  EnvVarResponse,
  Execution,
  ExecutionListResponse,
  FunctionDetails,
  FunctionListResponse,
  HealthResponse,
  InvokeRequest,
  InvokeResponse,
  LogsResponse,
  MetricsResponse,
  User,
} from './types.ts';

/** How to reach a server: its base address and, for authenticated calls, a bearer token. */
export interface ApiClientOptions {
  /** For example `http://127.0.0.1:8080`, without a trailing slash. */
  baseUrl: string;
  token?: string | null;
  /** Milliseconds before a short request gives up (deploy and invoke have none); default 30 s. */
  timeoutMs?: number;
}

interface RequestOptions {
  method?: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  form?: FormData;
  /** Function id or name, named in a 404's message. */
  functionRef?: string;
  /** HTTP statuses whose JSON body is an answer rather than an error. */
  acceptStatuses?: number[];
  /** False for requests that may legitimately run long. */
  timeout?: boolean;
  /** Ends the request early (besides the timeout). */
  signal?: AbortSignal | undefined;
}

/** Statuses of `POST .../invoke` that carry an execution result (success, failure, timeout). */
const INVOKE_RESULT_STATUSES = [200, 502, 504];

/** Calls one dart_cloud server; every method throws `ApiError` or `ServerUnreachableError`. */
export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string | null;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token ?? null;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Whether the client carries a token. */
  get hasToken(): boolean {
    return this.#token !== null;
  }

  /** `GET /api/health`. */
  health(): Promise<HealthResponse> {
    return this.#request('/api/health');
  }

  /** Creates an account and signs it in. */
  register(options: { email: string; password: string }): Promise<AuthResponse> {
    return this.#request('/api/auth/register', { method: 'POST', json: options });
  }

  /** Signs in and returns a token. */
  login(options: { email: string; password: string }): Promise<AuthResponse> {
    return this.#request('/api/auth/login', { method: 'POST', json: options });
  }

  /** Deletes the signed-in account with everything it owns; needs its password. */
  deleteAccount(options: { password: string }): Promise<DeleteResponse> {
    return this.#request('/api/auth/account', { method: 'DELETE', json: options });
  }

  /** Revokes the client's token. */
  logout(): Promise<{ status: string }> {
    return this.#request('/api/auth/logout', { method: 'POST' });
  }

  /** The account the token belongs to. */
  me(): Promise<{ user: User }> {
    return this.#request('/api/auth/me');
  }

  /** Uploads a packed function (tar.gz) and waits for its build. */
  deploy(options: {
    name: string;
    archive: Uint8Array;
    env?: Record<string, string>;
    memory?: number;
    timeout?: number;
    /** False runs the function with no network; left out keeps the function's setting. */
    network?: boolean;
  }): Promise<DeployResponse> {
    const form = new FormData();
    form.append('name', options.name);
    form.append(
      'archive',
      new Blob([options.archive], { type: 'application/gzip' }),
      'function.tar.gz',
    );
    if (options.env !== undefined) form.append('env', JSON.stringify(options.env));
    if (options.memory !== undefined) form.append('memory', String(options.memory));
    if (options.timeout !== undefined) form.append('timeout', String(options.timeout));
    if (options.network !== undefined) form.append('network', String(options.network));
    return this.#request('/api/functions/deploy', { method: 'POST', form, timeout: false });
  }

  /** One page of the caller's functions. */
  listFunctions(options: { limit?: number; offset?: number } = {}): Promise<FunctionListResponse> {
    return this.#request('/api/functions', { query: options });
  }

  /** A function's details, by id or name. */
  getFunction(options: { id: string }): Promise<FunctionDetails> {
    return this.#request(functionPath(options.id), { functionRef: options.id });
  }

  /** The newest deployment's whole build log. */
  getBuildLog(options: { id: string }): Promise<BuildLogResponse> {
    return this.#request(`${functionPath(options.id)}/build-log`, { functionRef: options.id });
  }

  /** Deletes a function, by id or name. */
  deleteFunction(options: { id: string }): Promise<DeleteResponse> {
    return this.#request(functionPath(options.id), { method: 'DELETE', functionRef: options.id });
  }

  /** Runs a function once; a failed or timed-out execution is an answer, not an error. */
  invoke(options: { id: string; request: InvokeRequest }): Promise<InvokeResponse> {
    return this.#request(`${functionPath(options.id)}/invoke`, {
      method: 'POST',
      json: options.request,
      functionRef: options.id,
      acceptStatuses: INVOKE_RESULT_STATUSES,
      timeout: false,
    });
  }

  /** A function's executions, newest first. */
  listExecutions(options: {
    id: string;
    limit?: number;
    offset?: number;
  }): Promise<ExecutionListResponse> {
    const { id, ...query } = options;
    return this.#request(`${functionPath(id)}/executions`, { query, functionRef: id });
  }

  /** One execution record. */
  getExecution(options: { id: string; executionId: string }): Promise<Execution> {
    const path = `${functionPath(options.id)}/executions/${encodeURIComponent(options.executionId)}`;
    return this.#request(path, { functionRef: options.id });
  }

  /**
   * Log lines, oldest first; pass the answer's `cursor` as `after` to follow. With `wait`
   * (seconds, at most 30) the server holds the answer until a line comes or the wait is over.
   */
  getLogs(options: {
    id: string;
    limit?: number;
    since?: string;
    after?: string;
    executionId?: string;
    wait?: number;
    signal?: AbortSignal;
  }): Promise<LogsResponse> {
    const { id, executionId, signal, ...rest } = options;
    return this.#request(`${functionPath(id)}/logs`, {
      query: { ...rest, execution_id: executionId },
      functionRef: id,
      signal,
    });
  }

  /** Invocation counts and durations over a period (`1h`, `24h`, `7d`). */
  getMetrics(options: { id: string; period?: string }): Promise<MetricsResponse> {
    return this.#request(`${functionPath(options.id)}/metrics`, {
      query: { period: options.period },
      functionRef: options.id,
    });
  }

  /** All of a function's environment variables. */
  listEnv(options: { id: string }): Promise<{ env: Record<string, string> }> {
    return this.#request(`${functionPath(options.id)}/env`, { functionRef: options.id });
  }

  /** One environment variable; 404 when unset. */
  getEnv(options: { id: string; key: string }): Promise<EnvVarResponse> {
    return this.#request(envPath(options), { functionRef: options.id });
  }

  /** Sets one environment variable. */
  setEnv(options: { id: string; key: string; value: string }): Promise<EnvVarResponse> {
    return this.#request(envPath(options), {
      method: 'PUT',
      json: { value: options.value },
      functionRef: options.id,
    });
  }

  /** Removes one environment variable. */
  unsetEnv(options: { id: string; key: string }): Promise<{ key: string; status: string }> {
    return this.#request(envPath(options), { method: 'DELETE', functionRef: options.id });
  }

  /** Creates an API key; the answer holds the key, which the server never shows again. */
  createApiKey(
    options: { name?: string; scope?: string; expiresInSeconds?: number; signed?: boolean } = {},
  ): Promise<CreatedApiKey> {
    return this.#request('/api/keys', {
      method: 'POST',
      json: {
        name: options.name,
        scope: options.scope,
        expires_in: options.expiresInSeconds,
        signed: options.signed,
      },
    });
  }

  /** The account's API keys, newest first, revoked ones included. */
  listApiKeys(): Promise<{ keys: ApiKey[] }> {
    return this.#request('/api/keys');
  }

  /** Revokes an API key by id. */
  revokeApiKey(options: { id: string }): Promise<{ id: string; status: string }> {
    return this.#request(`/api/keys/${encodeURIComponent(options.id)}`, { method: 'DELETE' });
  }

  async #request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#send(path, options);
    const body = await readBody(response);
    const accepted = response.ok || (options.acceptStatuses ?? []).includes(response.status);
    if (accepted && body.kind === 'json') return body.value as T;
    throw toApiError({ response, body, functionRef: options.functionRef, server: this.baseUrl });
  }

  async #send(path: string, options: RequestOptions): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }

    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token !== null) headers.authorization = `Bearer ${this.#token}`;
    let body: string | FormData | undefined;
    if (options.form !== undefined) body = options.form;
    else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }

    const timeout = options.timeout === false ? undefined : AbortSignal.timeout(this.#timeoutMs);
    const signals = [timeout, options.signal].filter((s): s is AbortSignal => s !== undefined);
    try {
      return await fetch(url, {
        method: options.method ?? 'GET',
        headers,
        body,
        signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
      });
    } catch (error) {
      throw new ServerUnreachableError(this.baseUrl, { cause: error });
    }
  }
}

type DecodedBody = { kind: 'json'; value: unknown } | { kind: 'text'; value: string };

async function readBody(response: Response): Promise<DecodedBody> {
  const text = await response.text();
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch {
    return { kind: 'text', value: text };
  }
}

function toApiError(options: {
  response: Response;
  body: DecodedBody;
  functionRef: string | undefined;
  server: string;
}): ApiError {
  const { response, body } = options;
  const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
  const common = {
    status: response.status,
    functionRef: options.functionRef ?? null,
    retryAfterSeconds: Number.isNaN(retryAfter) ? null : retryAfter,
  };

  if (body.kind === 'json' && isRecord(body.value) && typeof body.value.error === 'string') {
    const details = typeof body.value.details === 'string' ? body.value.details : '';
    return new ApiError({ ...common, error: body.value.error, details, body: body.value });
  }
  const type = response.headers.get('content-type') ?? 'no content type';
  return new ApiError({
    ...common,
    error: `HTTP ${response.status}`,
    details: `The server at ${options.server} answered with an unexpected body (${type}); is it a dart_cloud server?`,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function functionPath(id: string): string {
  return `/api/functions/${encodeURIComponent(id)}`;
}

function envPath(options: { id: string; key: string }): string {
  return `${functionPath(options.id)}/env/${encodeURIComponent(options.key)}`;
}

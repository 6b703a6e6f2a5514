/** The shapes of the REST API's answers (docs/rest-api.md), as the CLI reads them. */

/** `GET /api/health`. */
export interface HealthResponse {
  status: string;
  version: string;
}

/** An account as the server shows it. */
export interface User {
  id: string;
  email: string;
}

/** `POST /api/auth/register` and `POST /api/auth/login`. */
export interface AuthResponse {
  token: string;
  user: User;
}

/** `POST /api/functions/deploy`. */
export interface DeployResponse {
  id: string;
  name: string;
  status: string;
  url: string;
  version?: number;
}

/** One row of `GET /api/functions`. */
export interface FunctionSummary {
  id: string;
  name: string;
  status: string;
  created_at: string;
}

/** `GET /api/functions`. */
export interface FunctionListResponse {
  functions: FunctionSummary[];
  total: number;
}

/** `GET /api/functions/:id`. */
export interface FunctionDetails {
  id: string;
  name: string;
  status: string;
  memory: number;
  timeout: number;
  /** False: the function runs with no network. */
  network: boolean;
  url?: string;
  version?: number;
  contract?: string;
  created_at: string;
  updated_at: string;
  /** The newest deployment's build; `error` says why it failed. */
  last_build?: { version: number; status: string; error: string | null } | null;
}

/** `GET /api/functions/:id/build-log`. */
export interface BuildLogResponse {
  version: number;
  status: string;
  build_log: string;
}

/** `DELETE /api/functions/:id`. */
export interface DeleteResponse {
  id: string;
  status: string;
}

/** `POST /api/functions/:id/invoke`, for a successful and a failed execution alike. */
export interface InvokeResponse {
  execution_id: string;
  status: string;
  result: unknown;
  duration_ms: number;
  response?: { status_code: number; headers: Record<string, string> };
  /** A short title, on a failed execution. */
  error?: string;
  /** What went wrong, on a failed execution. */
  details?: string;
}

/** The body of an invoke request. */
export interface InvokeRequest {
  body?: unknown;
  method?: string;
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

/** One execution record. */
export interface Execution {
  id: string;
  function_id: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  exit_code: number | null;
  signal: string | null;
  peak_memory_bytes: number | null;
  response_status: number | null;
  error: string | null;
  limits: unknown;
}

/** `GET /api/functions/:id/executions`. */
export interface ExecutionListResponse {
  executions: Execution[];
  total: number;
}

/** One log line. */
export interface LogLine {
  id: number | string;
  timestamp: string;
  execution_id: string;
  stream: string;
  level: string;
  message: string;
}

/** `GET /api/functions/:id/logs`. */
export interface LogsResponse {
  logs: LogLine[];
  cursor: number | string | null;
}

/** `GET /api/functions/:id/metrics`. */
export interface MetricsResponse {
  period: string;
  invocations: number;
  errors: number;
  error_rate: number;
  avg_duration_ms: number | null;
  p95_duration_ms: number | null;
}

/** `GET /api/functions/:id/env/:key` and `PUT` of the same. */
export interface EnvVarResponse {
  key: string;
  value: string;
}

/** An API key as `GET /api/keys` lists it: never its secret. */
export interface ApiKey {
  id: string;
  name: string | null;
  /** `invoke` or `full`. */
  scope: string;
  signed: boolean;
  /** `active`, `expired` or `revoked`. */
  status: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** `POST /api/keys`: the key's fields and, this once, the key itself. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

/** The fields of a deploy request, checked into the values a deploy uses. */
import { ValidationError } from '../core/errors.ts';
import {
  DeployLimits,
  describeValue,
  parseEnvMap,
  parseFunctionName,
  parseInteger,
} from './validate.ts';

/** The fields of a deploy request, as they came (the service validates them). */
export interface DeployInput {
  ownerId: string;
  name: unknown;
  archive: Uint8Array | null;
  /** A JSON object, or its text. */
  env?: unknown;
  memory?: unknown;
  timeout?: unknown;
  /** `true` or `false` (a boolean or its text). */
  network?: unknown;
}

/** A checked deploy request; limits left out keep the function's current ones. */
export interface ParsedDeploy {
  ownerId: string;
  name: string;
  archive: Uint8Array;
  env: Record<string, string>;
  memoryMb: number | undefined;
  timeoutSeconds: number | undefined;
  network: boolean | undefined;
}

/** Checks a deploy request's fields. */
export function parseDeployInput(input: DeployInput): ParsedDeploy {
  const name = parseFunctionName(input.name);
  if (!input.archive || input.archive.byteLength === 0) {
    throw new ValidationError('Missing required field: archive (a tar.gz of the function package)');
  }

  let env: unknown = input.env ?? {};
  if (typeof env === 'string') {
    try {
      env = env.trim() === '' ? {} : JSON.parse(env);
    } catch {
      throw new ValidationError(
        'Expected env to be a JSON object such as {"KEY":"value"}, got text that is not JSON',
      );
    }
  }

  const memory = input.memory === undefined || input.memory === '' ? undefined : input.memory;
  const timeout = input.timeout === undefined || input.timeout === '' ? undefined : input.timeout;
  return {
    ownerId: input.ownerId,
    name,
    archive: input.archive,
    env: parseEnvMap(env),
    memoryMb:
      memory === undefined
        ? undefined
        : parseInteger(memory, { name: 'memory', unit: 'MB', ...DeployLimits.memoryMb }),
    timeoutSeconds:
      timeout === undefined
        ? undefined
        : parseInteger(timeout, {
            name: 'timeout',
            unit: 'seconds',
            ...DeployLimits.timeoutSeconds,
          }),
    network: parseNetwork(input.network),
  };
}

/** `true` or `false`, as a boolean or its text; empty or absent keeps the current setting. */
function parseNetwork(value: unknown): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  const shown = typeof value === 'string' ? `'${value}'` : describeValue(value);
  throw new ValidationError(`Expected network to be true or false, got ${shown}`);
}

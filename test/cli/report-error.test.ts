import { describe, expect, test } from 'bun:test';
import { ExitCode } from '../../src/cli/exit-codes.ts';
import { PromptError } from '../../src/cli/prompt.ts';
import { describeError } from '../../src/cli/report-error.ts';
import { NotLoggedInError } from '../../src/cli/session.ts';
import { ApiError, ServerUnreachableError } from '../../src/client/errors.ts';
import { ValidationError } from '../../src/core/errors.ts';

describe('describeError', () => {
  test('an unreachable server names the address and `dart_cloud serve`', () => {
    const report = describeError(new ServerUnreachableError('http://127.0.0.1:9'));
    expect(report.exitCode).toBe(ExitCode.unreachable);
    expect(report.message).toContain('http://127.0.0.1:9');
    expect(report.message).toContain('dart_cloud serve');
  });

  test('an unknown function names it and points at `dart_cloud list`', () => {
    const error = new ApiError({
      status: 404,
      error: 'Not found',
      details: 'Function not found',
      functionRef: 'nope',
    });
    expect(describeError(error)).toEqual({
      message: "Function 'nope' not found. Run `dart_cloud list` to see your functions.",
      exitCode: ExitCode.notFound,
    });
  });

  test('a rejected token says to log in again', () => {
    const report = describeError(
      new ApiError({ status: 401, error: 'Unauthorized', details: 'Invalid or expired token' }),
      { env: {} },
    );
    expect(report.exitCode).toBe(ExitCode.unauthorized);
    expect(report.message).toBe(
      'Unauthorized: Invalid or expired token. Run `dart_cloud login` to sign in again.',
    );
  });

  test('a rejected API key in DART_CLOUD_TOKEN says to check or create the key, not to log in', () => {
    const report = describeError(
      new ApiError({
        status: 401,
        error: 'Unauthorized',
        details: 'API key revoked at 2026-01-01',
      }),
      { env: { DART_CLOUD_TOKEN: 'dck_key_0123' } },
    );
    expect(report.exitCode).toBe(ExitCode.unauthorized);
    expect(report.message).toBe(
      'Unauthorized: API key revoked at 2026-01-01. DART_CLOUD_TOKEN holds an API key: check it ' +
        'against `dart_cloud apikey list`, or create a new one with `dart_cloud apikey create`.',
    );
  });

  test('a signed API key in DART_CLOUD_TOKEN says it cannot be used as a bearer token', () => {
    const details =
      'This API key signs requests and is not accepted as a bearer token: send X-DartCloud-Key';
    const report = describeError(new ApiError({ status: 401, error: 'Unauthorized', details }), {
      env: { DART_CLOUD_TOKEN: 'dck_key_0123' },
    });
    expect(report.message).toContain('a signed API key, which cannot be used as a bearer token');
    expect(report.message).not.toContain('dart_cloud login');
  });

  test('a failed build carries the build log', () => {
    const error = new ApiError({
      status: 422,
      error: 'Build failed',
      details: 'dart compile exe failed',
      body: { build_log: 'lib/main.dart:1:1: Error: oops\n' },
    });
    const report = describeError(error);
    expect(report.exitCode).toBe(ExitCode.failure);
    expect(report.detail).toBe('Build log:\nlib/main.dart:1:1: Error: oops');
  });

  test('a failed build shows the compiler error once, in the build log', () => {
    const error = new ApiError({
      status: 422,
      error: 'Build failed',
      details: 'dart compile exe failed (exit 64):\nlib/main.dart:1:1: Error: oops',
      body: { build_log: '$ dart compile exe bin/main.dart\nlib/main.dart:1:1: Error: oops\n' },
    });
    const report = describeError(error);
    expect(report.message).toBe('Build failed: dart compile exe failed (exit 64)');
    expect(`${report.message}\n${report.detail}`.split('Error: oops').length).toBe(2);
  });

  test('too many requests says when to retry', () => {
    const error = new ApiError({
      status: 429,
      error: 'Too many requests',
      details: 'At most 10',
      retryAfterSeconds: 2,
    });
    expect(describeError(error).message).toBe('Too many requests: At most 10. Retry in 2 s.');
  });

  test('too many requests says when to retry once when the server said it already', () => {
    const error = new ApiError({
      status: 429,
      error: 'Too many requests',
      details: 'Too many requests for this account (the limit is 2 a minute); retry in 41 s',
      retryAfterSeconds: 41,
    });
    expect(describeError(error).message).toBe(
      'Too many requests: Too many requests for this account (the limit is 2 a minute); retry in 41 s.',
    );
  });

  test('usage mistakes and missing terminals exit with the usage code', () => {
    expect(describeError(new ValidationError('bad')).exitCode).toBe(ExitCode.usage);
    expect(describeError(new PromptError('no terminal')).exitCode).toBe(ExitCode.usage);
    expect(
      describeError(new ApiError({ status: 400, error: 'Invalid request', details: 'x' })).exitCode,
    ).toBe(ExitCode.usage);
  });

  test('a missing sign-in says how to sign in', () => {
    const report = describeError(new NotLoggedInError('http://127.0.0.1:8080'));
    expect(report.exitCode).toBe(ExitCode.unauthorized);
    expect(report.message).toContain('dart_cloud login');
  });

  test('an unexpected error keeps its message and exits 1', () => {
    expect(describeError(new TypeError('boom'))).toEqual({
      message: 'Unexpected error: boom',
      exitCode: 1,
    });
  });
});

describe('describeError with system errors', () => {
  test('an operating-system error keeps its own message without the unexpected-error prefix', () => {
    const error = Object.assign(new Error("EACCES: permission denied, mkdir '/data'"), {
      code: 'EACCES',
      syscall: 'mkdir',
    });
    expect(describeError(error)).toEqual({
      message: "EACCES: permission denied, mkdir '/data'",
      exitCode: 1,
    });
  });
});

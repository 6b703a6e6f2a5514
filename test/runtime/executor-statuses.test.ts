import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { createTestRuntime, handlerRun, json, scriptRun, type TestRuntime } from './helpers.ts';

// The system one: a shim under /root (pyenv) is out of the run-as user's reach.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null;
if (PYTHON === null)
  console.log(
    'skipped: the killed-by-a-signal test (needs /usr/bin/python3 to cause a real fault)',
  );

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(() => t.cleanup());

describe('execute (handler contract)', () => {
  test('echo answers with the request and status success', async () => {
    const outcome = await t.runtime.execute(handlerRun(t, { action: 'echo', n: 1 }));
    expect(outcome.status).toBe('success');
    expect(outcome.error).toBeNull();
    expect(outcome.exitCode).toBe(0);
    expect(outcome.response?.statusCode).toBe(200);
    expect(outcome.response?.headers['content-type']).toBe('application/json');
    expect(json(outcome.response?.body)).toEqual({
      echo: { action: 'echo', n: 1 },
      method: 'POST',
      path: '/',
      query: {},
    });
  });

  test('respond passes the status code, headers and text body through intact', async () => {
    const body = {
      action: 'respond',
      status: 418,
      headers: { 'x-tea': 'pot' },
      body: 'short and stout',
    };
    const outcome = await t.runtime.execute(handlerRun(t, body));
    expect(outcome.status).toBe('success');
    expect(outcome.response?.statusCode).toBe(418);
    // A text body without a content type gets text/plain; the function's own headers stay.
    expect(outcome.response?.headers).toEqual({
      'x-tea': 'pot',
      'content-type': 'text/plain; charset=utf-8',
    });
    expect(Buffer.from(outcome.response?.body ?? []).toString()).toBe('short and stout');
  });

  test('throw ends with status error and the exception message', async () => {
    const outcome = await t.runtime.execute(
      handlerRun(t, { action: 'throw', message: 'bad input' }),
    );
    expect(outcome.status).toBe('error');
    expect(outcome.response).toBeNull();
    expect(outcome.error).toContain('bad input');
  });

  test('exit without answering is crashed with the exit code', async () => {
    const outcome = await t.runtime.execute(handlerRun(t, { action: 'exit', code: 3 }));
    expect(outcome.status).toBe('crashed');
    expect(outcome.exitCode).toBe(3);
    expect(outcome.error).toBe('The function exited with code 3 before it answered.');
  });

  // A real fault: a signal a program sends itself is ignored when it is PID 1 of its namespace.
  test.skipIf(PYTHON === null)(
    'a program killed by a signal is crashed with that signal',
    async () => {
      const program = await t.install('segv', `#!${PYTHON}\nimport ctypes\nctypes.string_at(0)\n`);
      const outcome = await t.runtime.execute(handlerRun(t, {}, { executable: program }));
      expect(outcome.status).toBe('crashed');
      expect(outcome.signal).toBe('SIGSEGV');
      expect(outcome.error).toContain('SIGSEGV');
    },
  );

  test('a malformed frame is invalid_response', async () => {
    const program = await t.install(
      'garbled',
      '#!/bin/sh\nprintf "\\036%s {nope\\n" "$DART_CLOUD_FRAME"\n',
    );
    const outcome = await t.runtime.execute(handlerRun(t, {}, { executable: program }));
    expect(outcome.status).toBe('invalid_response');
    expect(outcome.error).toContain('not JSON');
  });

  test('log writes logger records at the level and plain prints as stdout lines', async () => {
    const outcome = await t.runtime.execute(
      handlerRun(t, { action: 'log', lines: 3, level: 'debug' }),
    );
    expect(outcome.status).toBe('success');
    const logger = outcome.logs.filter((record) => record.stream === 'logger');
    const stdout = outcome.logs.filter((record) => record.stream === 'stdout');
    expect(logger.map((record) => record.level)).toEqual(['debug', 'debug', 'debug']);
    expect(logger[0]?.metadata).toEqual({ line: 1 });
    expect(stdout.map((record) => record.message)).toEqual([
      'print line 1 of 3',
      'print line 2 of 3',
      'print line 3 of 3',
    ]);
    expect(outcome.logsTruncated).toBe(false);
  });

  test('an unknown id in a response frame is invalid_response', async () => {
    const program = await t.install(
      'wrong-id',
      '#!/bin/sh\nprintf "\\036%s {\\"type\\":\\"response\\",\\"id\\":\\"other\\",\\"statusCode\\":200,\\"headers\\":{},\\"body\\":\\"\\",\\"encoding\\":\\"utf8\\"}\\n" "$DART_CLOUD_FRAME"\n',
    );
    const outcome = await t.runtime.execute(handlerRun(t, {}, { executable: program }));
    expect(outcome.status).toBe('invalid_response');
  });
});

describe('execute (script contract)', () => {
  test('echo reads FUNCTION_INPUT and its last line becomes the JSON response', async () => {
    const outcome = await t.runtime.execute(scriptRun(t, { action: 'echo', n: 2 }));
    expect(outcome.status).toBe('success');
    expect(outcome.response?.statusCode).toBe(200);
    expect(outcome.response?.headers).toEqual({ 'content-type': 'application/json' });
    expect(json(outcome.response?.body)).toEqual({
      echo: { action: 'echo', n: 2 },
      method: 'POST',
      path: '/',
      query: {},
    });
  });

  test('every line but the last is a log line, from stdout and stderr', async () => {
    const outcome = await t.runtime.execute(scriptRun(t, { action: 'log', lines: 2 }));
    expect(outcome.status).toBe('success');
    expect(json(outcome.response?.body)).toEqual({ logged: 2 });
    const stdout = outcome.logs
      .filter((record) => record.stream === 'stdout')
      .map((record) => record.message);
    const stderr = outcome.logs
      .filter((record) => record.stream === 'stderr')
      .map((record) => record.message);
    expect(stdout).toEqual(['print line 1 of 2', 'print line 2 of 2']);
    expect(stderr).toEqual(['stderr line 1 of 2', 'stderr line 2 of 2']);
  });

  test('sleep answers after the wait', async () => {
    const outcome = await t.runtime.execute(scriptRun(t, { action: 'sleep', ms: 200 }));
    expect(outcome.status).toBe('success');
    expect(json(outcome.response?.body)).toEqual({ slept: 200 });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(200);
  });

  test('a non-zero exit is crashed', async () => {
    const outcome = await t.runtime.execute(scriptRun(t, { action: 'exit', code: 4 }));
    expect(outcome.status).toBe('crashed');
    expect(outcome.exitCode).toBe(4);
  });

  test('a last line that is not JSON is invalid_response and stays in the logs', async () => {
    const outcome = await t.runtime.execute(scriptRun(t, { action: 'text' }));
    expect(outcome.status).toBe('invalid_response');
    expect(outcome.logs.map((record) => record.message)).toContain('this last line is not JSON');
  });

  test('a script that prints nothing is error', async () => {
    const outcome = await t.runtime.execute(scriptRun(t, { action: 'silent' }));
    expect(outcome.status).toBe('error');
    expect(outcome.error).toContain('printed no JSON result');
  });
});

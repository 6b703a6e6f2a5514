/** Functions: deploy, list, details, the last build's log, delete. */
import { Elysia } from 'elysia';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '../../core/errors.ts';
import { describeValue } from '../../functions/validate.ts';
import { deployFunction } from '../../functions/deploy.ts';
import {
  deleteFunction,
  describeFunction,
  listFunctions,
  readLastBuildLog,
  resolveFunction,
} from '../../functions/functions.ts';
import { renderFunctionDetails, renderFunctionSummary, renderFunctionUrl } from '../present.ts';
import {
  BodyLimits,
  checkDeclaredLength,
  MAX_BODY_BYTES,
  parsePage,
  readBytes,
} from '../request.ts';
import { resolveOrigin, type ListeningServer, type RouteDeps } from '../route-deps.ts';

/** Function routes. */
export function createFunctionRoutes(deps: RouteDeps) {
  const { services } = deps;
  const origin = (at: { request: Request; server: ListeningServer | null }) =>
    resolveOrigin({ ...at, trustProxy: deps.trustProxy });
  return new Elysia({ prefix: '/api/functions' })
    .use(deps.auth)
    .post(
      '/deploy',
      async ({ request, session, set, server }) => {
        // The upload stays under Bun's idle timeout of 10 s; the build that follows may not.
        const form = await readDeployForm(request);
        server?.timeout(request, 15 * 60);
        const result = await deployFunction(services, {
          ownerId: session.user.id,
          name: textField(form, 'name'),
          archive: await fileField(form, 'archive'),
          env: textField(form, 'env'),
          memory: textField(form, 'memory'),
          timeout: textField(form, 'timeout'),
          network: textField(form, 'network'),
        });
        set.status = result.created ? 201 : 200;
        return {
          id: result.function.id,
          name: result.function.name,
          status: 'deployed',
          url: renderFunctionUrl(origin({ request, server }), result.function.id),
          version: result.version,
        };
      },
      { auth: true, parse: 'none' },
    )
    .get(
      '/',
      ({ query, session }) => {
        const result = listFunctions(
          services,
          session.user.id,
          parsePage(query, { fallback: 10, max: 100 }),
        );
        return { functions: result.functions.map(renderFunctionSummary), total: result.total };
      },
      { auth: true },
    )
    .get(
      '/:id',
      ({ params, session, request, server }) => {
        const row = resolveFunction(services, session.user.id, params.id);
        return renderFunctionDetails(describeFunction(services, row), origin({ request, server }));
      },
      { auth: true },
    )
    .get(
      '/:id/build-log',
      ({ params, session }) => {
        const row = resolveFunction(services, session.user.id, params.id);
        const build = readLastBuildLog(services, row);
        if (build === null) throw new NotFoundError('This function has no build yet');
        return { version: build.version, status: build.status, build_log: build.log };
      },
      { auth: true },
    )
    .delete(
      '/:id',
      async ({ params, session }) => {
        const row = resolveFunction(services, session.user.id, params.id);
        await deleteFunction(services, row);
        return { id: row.id, status: 'deleted' };
      },
      { auth: true, parse: 'none' },
    );
}

const DEPLOY_FIELDS = ['name', 'archive', 'env', 'memory', 'timeout', 'network'];

/** Reads the multipart body under its cap, streamed or not, and checks its fields. */
async function readDeployForm(request: Request): Promise<FormData> {
  const contentType = request.headers.get('content-type') ?? '';
  checkDeclaredLength(request, MAX_BODY_BYTES);
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    throw new ValidationError(
      'Expected a multipart/form-data body with the fields name and archive',
    );
  }
  const bytes = await readBytes(request, MAX_BODY_BYTES).catch((error: unknown) => {
    throw error instanceof PayloadTooLargeError ? archiveTooLarge() : error;
  });

  let form: FormData;
  try {
    form = (await new Response(bytes, {
      headers: { 'content-type': contentType },
    }).formData()) as unknown as FormData;
  } catch {
    throw new ValidationError(
      'Expected a well-formed multipart/form-data body with the fields name and archive',
    );
  }
  for (const key of new Set(form.keys())) {
    if (!DEPLOY_FIELDS.includes(key)) {
      throw new ValidationError(
        `Unknown field ${describeValue(key)} in the deploy form; expected only ${DEPLOY_FIELDS.join(', ')}`,
      );
    }
    if (form.getAll(key).length > 1) {
      throw new ValidationError(`Expected the field ${key} once, got it more than once`);
    }
  }
  return form;
}

function textField(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  if (value === null) return undefined;
  if (typeof value !== 'string')
    throw new ValidationError(`Expected the field ${name} to be text, got a file`);
  return value;
}

async function fileField(form: FormData, name: string): Promise<Uint8Array | null> {
  const value = form.get(name);
  if (value === null) return null;
  if (typeof value === 'string')
    throw new ValidationError(`Expected the field ${name} to be a file upload, got text`);
  if (value.size > BodyLimits.archive) throw archiveTooLarge();
  return new Uint8Array(await value.arrayBuffer());
}

function archiveTooLarge(): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `The archive is over its cap of ${BodyLimits.archive / 1024 / 1024} MiB; leave build outputs and .dart_tool out of it`,
  );
}

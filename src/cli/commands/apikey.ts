/** `dart_cloud apikey create|list|revoke`: long-lived keys for scripts and CI. */
import { defineCommand } from 'citty';
import type { ApiKey, CreatedApiKey } from '../../client/types.ts';
import { parseChoice, parseDurationMs } from '../options.ts';
import { OUTPUT_FORMATS, printJson, printLine, ui } from '../output.ts';
import { renderTable, type TableColumn } from '../render-table.ts';
import { createSessionClient, serverArg } from '../session.ts';

const COLUMNS: TableColumn<ApiKey>[] = [
  { header: 'id', value: (key) => key.id },
  { header: 'name', value: (key) => key.name },
  { header: 'scope', value: (key) => key.scope },
  { header: 'signed', value: (key) => (key.signed ? 'yes' : 'no') },
  { header: 'status', value: (key) => key.status },
  { header: 'created', value: (key) => key.created_at },
  { header: 'expires', value: (key) => key.expires_at ?? 'never' },
  { header: 'last used', value: (key) => key.last_used_at ?? 'never' },
];

/** Renders the keys table, or how to create the first key. */
export function renderApiKeyList(keys: ApiKey[]): string {
  if (keys.length === 0) return 'No API keys yet. Create one with `dart_cloud apikey create`.';
  return renderTable({ columns: COLUMNS, rows: keys });
}

/** What the person at the terminal needs to know about a new key, beside the key itself. */
export function renderCreatedNote(created: CreatedApiKey): string {
  const expiry = created.expires_at ? `expires ${created.expires_at}` : 'never expires';
  const lines = [
    `Created API key ${created.id} (scope ${created.scope}, ${expiry}).`,
    'Copy the key now: the server keeps only a hash of it and cannot show it again.',
  ];
  if (created.signed) {
    lines.push(
      `It signs requests: send X-DartCloud-Key: ${created.id}, X-DartCloud-Timestamp and ` +
        'X-DartCloud-Signature (HMAC-SHA256 keyed with the part after its last "_"); see ' +
        'docs/rest-api.md. It is refused as a bearer token.',
    );
  } else {
    lines.push(
      'Use it as a bearer token, e.g. DART_CLOUD_TOKEN=<key> dart_cloud invoke <function>',
    );
  }
  return lines.join('\n');
}

/** `--expires`: a duration such as `30d`, in whole seconds (rounded up). */
export function parseLifetimeSeconds(value: string): number {
  return Math.ceil(parseDurationMs({ option: '--expires', value, unit: 's' }) / 1000);
}

const createCommand = defineCommand({
  meta: { name: 'create', description: 'Create an API key (shown once)' },
  args: {
    name: { type: 'string', description: 'A label for the key (1 to 64 characters)' },
    scope: {
      type: 'string',
      default: 'invoke',
      description: 'invoke (run functions only) or full (everything a login allows)',
    },
    expires: { type: 'string', description: 'Lifetime such as 30d or 12h (default: never)' },
    signed: {
      type: 'boolean',
      description: 'Accept only signed requests (HMAC), never the key as a bearer token',
    },
    format: { type: 'string', default: 'table', description: 'Output format: table or json' },
    ...serverArg,
  },
  async run({ args }) {
    const format = parseChoice({ option: '--format', value: args.format, choices: OUTPUT_FORMATS });
    const scope = parseChoice({
      option: '--scope',
      value: args.scope,
      choices: ['invoke', 'full'],
    });
    const expiresInSeconds =
      args.expires === undefined ? undefined : parseLifetimeSeconds(args.expires);
    const { client } = createSessionClient({ server: args.server });

    const created = await client.createApiKey({
      ...(args.name === undefined ? {} : { name: args.name }),
      scope,
      ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
      signed: args.signed === true,
    });
    if (format === 'json') {
      printJson(created);
      return;
    }
    printLine(created.key);
    ui.info(renderCreatedNote(created));
  },
});

const listCommand = defineCommand({
  meta: { name: 'list', description: 'List your API keys (never their secrets)' },
  args: {
    format: { type: 'string', default: 'table', description: 'Output format: table or json' },
    ...serverArg,
  },
  async run({ args }) {
    const format = parseChoice({ option: '--format', value: args.format, choices: OUTPUT_FORMATS });
    const { client } = createSessionClient({ server: args.server });
    const { keys } = await client.listApiKeys();
    if (format === 'json') printJson(keys);
    else printLine(renderApiKeyList(keys));
  },
});

const revokeCommand = defineCommand({
  meta: { name: 'revoke', description: 'Revoke an API key; it stops working at once' },
  args: {
    id: { type: 'positional', required: true, description: 'Key id (key_…)', valueHint: 'id' },
    ...serverArg,
  },
  async run({ args }) {
    const { client } = createSessionClient({ server: args.server });
    const revoked = await client.revokeApiKey({ id: args.id });
    printLine(`Revoked ${revoked.id}`);
  },
});

/** The `apikey` command and its sub-commands. */
export const apikeyCommand = defineCommand({
  meta: { name: 'apikey', description: 'Manage API keys for scripts and CI' },
  subCommands: { create: createCommand, list: listCommand, revoke: revokeCommand },
});

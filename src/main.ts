/** The `dart_cloud` executable: the server (`serve`) and the CLI that talks to it. */
import { defineCommand } from 'citty';
import packageJson from '../package.json' with { type: 'json' };
import { runCli } from './cli/run-cli.ts';

/** The root command, `dart_cloud`. */
export const rootCommand = defineCommand({
  meta: {
    name: 'dart_cloud',
    version: packageJson.version,
    description: 'A serverless platform for Dart functions',
  },
  // Loaded on use, so that client commands start without loading the server.
  subCommands: {
    serve: () => import('./cli/commands/serve.ts').then((m) => m.serveCommand),
    register: () => import('./cli/commands/register.ts').then((m) => m.registerCommand),
    login: () => import('./cli/commands/login.ts').then((m) => m.loginCommand),
    logout: () => import('./cli/commands/logout.ts').then((m) => m.logoutCommand),
    whoami: () => import('./cli/commands/whoami.ts').then((m) => m.whoamiCommand),
    deploy: () => import('./cli/commands/deploy.ts').then((m) => m.deployCommand),
    list: () => import('./cli/commands/list.ts').then((m) => m.listCommand),
    status: () => import('./cli/commands/status.ts').then((m) => m.statusCommand),
    invoke: () => import('./cli/commands/invoke.ts').then((m) => m.invokeCommand),
    logs: () => import('./cli/commands/logs.ts').then((m) => m.logsCommand),
    executions: () => import('./cli/commands/executions.ts').then((m) => m.executionsCommand),
    metrics: () => import('./cli/commands/metrics.ts').then((m) => m.metricsCommand),
    env: () => import('./cli/commands/env.ts').then((m) => m.envCommand),
    delete: () => import('./cli/commands/delete.ts').then((m) => m.deleteCommand),
    account: () => import('./cli/commands/account.ts').then((m) => m.accountCommand),
    apikey: () => import('./cli/commands/apikey.ts').then((m) => m.apikeyCommand),
    doctor: () => import('./cli/commands/doctor.ts').then((m) => m.doctorCommand),
  },
});

if (import.meta.main) {
  process.exitCode = await runCli({
    command: rootCommand,
    rawArgs: process.argv.slice(2),
    version: packageJson.version,
  });
}

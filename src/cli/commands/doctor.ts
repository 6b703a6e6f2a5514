/** `dart_cloud doctor`: what this host offers functions: the Dart SDK and the sandbox's limits. */
import { defineCommand } from 'citty';
import { DartSdkNotFoundError } from '../../core/errors.ts';
import { resolveDartSdk } from '../../runtime/dart-sdk.ts';
import { probeHost, renderHostCapabilities } from '../../runtime/executor.ts';
import { printLine } from '../output.ts';

/** The `doctor` command; exits 1 when no usable Dart SDK is found. */
export const doctorCommand = defineCommand({
  meta: { name: 'doctor', description: 'Check the Dart SDK and what this host can enforce' },
  args: {
    dart: {
      type: 'string',
      description: 'The dart executable (else $DART_CLOUD_DART, else PATH)',
      valueHint: 'path',
    },
    'run-as': {
      type: 'string',
      description: 'The user functions would run as (when root; default nobody)',
      valueHint: 'user',
    },
  },
  async run({ args }) {
    const pairs: [string, string][] = [];
    try {
      const sdk = await resolveDartSdk(args.dart ? { configured: args.dart } : {});
      pairs.push(['dart', sdk.executable], ['dart version', sdk.versionLine]);
    } catch (error) {
      if (!(error instanceof DartSdkNotFoundError)) throw error;
      pairs.push(['dart', `not found (${error.message})`]);
      process.exitCode = 1;
    }

    const capabilities = probeHost(args['run-as'] ? { runAsUser: args['run-as'] } : {});
    // `label: value` lines, in the shape of the capability lines that follow.
    const lines = pairs.map(([label, value]) => `${label}: ${value}`);
    printLine([...lines, ...renderHostCapabilities(capabilities)].join('\n'));
  },
});

/** `dart_cloud doctor`: what this host offers functions: the Dart SDK and the sandbox's limits. */
import { defineCommand } from 'citty';
import { DartSdkNotFoundError } from '../../core/errors.ts';
import { resolveDartSdk } from '../../runtime/dart-sdk.ts';
import { printLine } from '../output.ts';
import { renderKeyValues } from '../render-table.ts';

/** The `doctor` command. */
export const doctorCommand = defineCommand({
  meta: { name: 'doctor', description: 'Check the Dart SDK and what this host can enforce' },
  args: {
    dart: { type: 'string', description: 'The dart executable (else $DART_CLOUD_DART, else PATH)', valueHint: 'path' },
  },
  async run({ args }) {
    const pairs: [string, string][] = [];
    let healthy = true;
    try {
      const sdk = await resolveDartSdk(args.dart ? { configured: args.dart } : {});
      pairs.push(['dart', sdk.executable], ['dart version', sdk.version]);
    } catch (error) {
      if (!(error instanceof DartSdkNotFoundError)) throw error;
      pairs.push(['dart', `not found: ${error.message}`]);
      healthy = false;
    }
    printLine(renderKeyValues(pairs));
    if (!healthy) process.exitCode = 1;
  },
});

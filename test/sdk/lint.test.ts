// The committed document passes Redocly's recommended rules (redocly.yaml) with no error and no
// warning: what SDK generators and API linters read is clean.
import t from 'tap';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(import.meta.url);
const cliPackage = require('@redocly/cli/package.json') as { bin: Record<string, string> };
const cli = path.join(path.dirname(require.resolve('@redocly/cli/package.json')), cliPackage.bin.redocly!);

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location?: Array<{ pointer?: string }> }>;
}

t.test('redocly lint openapi/openapi.json: 0 errors, 0 warnings', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'lint', 'openapi/openapi.json', '--format=json'], {
    cwd: root,
    // No telemetry and no update check: the only network this machine has is the package registries.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  const report = JSON.parse(stdout) as LintReport;
  const shown = report.problems
    .slice(0, 20)
    .map((p) => `${p.severity} ${p.ruleId} ${p.location?.[0]?.pointer ?? ''}: ${p.message}`)
    .join('\n');
  t.equal(report.totals.errors, 0, `no error\n${shown}`);
  t.equal(report.totals.warnings, 0, `no warning\n${shown}`);
  t.equal(report.totals.ignored, 0, 'nothing ignored (rules turned off are in redocly.yaml, each with its reason)');
});

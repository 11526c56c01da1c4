// docker-compose.yml is valid (the compose client validates it without an engine).
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

async function composeCommand(): Promise<string[]> {
  // The v2 plugin (`docker compose`) where installed, else Debian's docker-compose (installed by scripts/install-test-deps.sh).
  const plugin = await run('docker', ['compose', 'version']).then(
    () => true,
    () => false,
  );
  return plugin ? ['docker', 'compose'] : ['docker-compose'];
}

t.test('docker compose config validates docker-compose.yml', async (t) => {
  const [cmd, ...args] = await composeCommand();
  const { stdout } = await run(cmd!, [...args, '-f', 'docker-compose.yml', 'config'], { cwd: root });
  for (const service of ['prosody:', 'redis:', 'gateway-1:', 'gateway-2:', 'nginx:']) t.match(stdout, service);
  t.match(stdout, /REDIS_URL: redis:\/\/redis:6379/);
  // Published on 8088, not the gateway's own default 8080 (npm start): both can run at once.
  t.match(stdout, /127\.0\.0\.1:8088:80|published: "?8088"?[\s\S]*host_ip: 127\.0\.0\.1|host_ip: 127\.0\.0\.1[\s\S]*published: "?8088"?/);
  t.notMatch(stdout, /:8080:|published: "?8080"?/);
});

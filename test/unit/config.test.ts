import t from 'tap';
import { helpText, isHostAllowed, loadConfig } from '../../src/config.js';

t.test('the allow-list matches host and port exactly; port 5222 by default', async (t) => {
  const allowed = ['localhost', 'xmpp.example.org:5223', '127.0.0.1:15222', '[::1]:5222'];
  t.ok(isHostAllowed(allowed, 'localhost', 5222));
  t.ok(isHostAllowed(allowed, 'LOCALHOST', 5222));
  t.notOk(isHostAllowed(allowed, 'localhost', 5223));
  t.ok(isHostAllowed(allowed, 'xmpp.example.org', 5223));
  t.notOk(isHostAllowed(allowed, 'xmpp.example.org', 5222));
  t.ok(isHostAllowed(allowed, '127.0.0.1', 15222));
  t.notOk(isHostAllowed(allowed, '127.0.0.2', 15222));
  t.ok(isHostAllowed(allowed, '::1', 5222));
  t.notOk(isHostAllowed(allowed, 'evil.example', 5222));
  t.notOk(isHostAllowed([], 'localhost', 5222), 'empty list allows nothing');
  t.ok(isHostAllowed(['*'], 'anything', 1), '* allows any');
});

t.test('settings come from the environment, with clear errors', async (t) => {
  const c = loadConfig({ PORT: '9000', XMPP_ALLOWED_HOSTS: 'a, b:1', WORKERS: '3' });
  t.equal(c.port, 9000);
  t.same(c.allowedHosts, ['a', 'b:1']);
  t.equal(c.workers, 3);
  // WORKERS=0 is a valid setting (the sessions on the HTTP thread, src/workers/in-thread.ts); -1 is not.
  t.throws(() => loadConfig({ PORT: 'eighty', WORKERS: '-1' }), /PORT: must be an integer[\s\S]*WORKERS/);
  t.equal(loadConfig({ WORKERS: '0' }).workers, 0);
  const help = helpText();
  for (const v of [
    'PORT',
    'HOST',
    'XMPP_ALLOWED_HOSTS',
    'WORKERS',
    'REDIS_URL',
    'IQ_TIMEOUT_MS',
    'IDLE_TIMEOUT_S',
    'EVENT_BUFFER_SIZE',
    'SSE_HEARTBEAT_S',
    'CORS_ORIGINS',
    'LOG_LEVEL',
  ]) {
    t.match(help, v);
  }
});

t.test('error echoes never carry a password, at any depth', async (t) => {
  const { redact } = await import('../../src/redact.js');
  t.same(redact({ jid: 'a@b', password: 'x' }), { jid: 'a@b' });
  t.same(redact({ to: 'x', fields: { password: 'y', username: 'u' } }), { to: 'x', fields: { username: 'u' } });
  t.same(
    redact({
      form: [
        { var: 'password', value: 's3cret' },
        { var: 'username', value: 'u' },
      ],
    }),
    {
      form: [
        { var: 'password', value: '********' },
        { var: 'username', value: 'u' },
      ],
    },
  );
  t.same(
    redact({
      form: [
        { var: 'accountjid', value: 'x' },
        { var: 'password-verify', value: 's' },
      ],
    }),
    {
      form: [
        { var: 'accountjid', value: 'x' },
        { var: 'password-verify', value: '********' },
      ],
    },
  );
  t.same(redact([1, 'a', null]), [1, 'a', null]);
});

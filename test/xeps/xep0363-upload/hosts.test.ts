// UPLOAD_ALLOWED_HOSTS: which PUT URLs POST /v1/upload may send a file to (src/config.ts).
import t from 'tap';
import { isUploadHostAllowed, loadConfig, uploadHosts } from '../../../src/config.js';

t.test('the default is the hosts of XMPP_ALLOWED_HOSTS, without their ports', async (t) => {
  const config = loadConfig({ XMPP_ALLOWED_HOSTS: 'xmpp.example.org:5223,localhost,[::1]:5222,::1' });
  t.strictSame(uploadHosts(config), ['xmpp.example.org', 'localhost', '::1', '::1']);
  t.ok(isUploadHostAllowed(uploadHosts(config), 'XMPP.example.org', 443), 'any port, host case-insensitive');
  t.ok(isUploadHostAllowed(uploadHosts(config), '[::1]', 5280));
  t.notOk(isUploadHostAllowed(uploadHosts(config), 'upload.example.org', 443));
});

t.test('UPLOAD_ALLOWED_HOSTS replaces the default; a port given must match', async (t) => {
  const config = loadConfig({ XMPP_ALLOWED_HOSTS: 'localhost', UPLOAD_ALLOWED_HOSTS: 'files.example.org:8443, share.example.org' });
  const allowed = uploadHosts(config);
  t.strictSame(allowed, ['files.example.org:8443', 'share.example.org']);
  t.ok(isUploadHostAllowed(allowed, 'files.example.org', 8443));
  t.notOk(isUploadHostAllowed(allowed, 'files.example.org', 443));
  t.ok(isUploadHostAllowed(allowed, 'share.example.org', 80));
  t.notOk(isUploadHostAllowed(allowed, 'localhost', 5280), 'the XMPP hosts no longer count');
  t.notOk(isUploadHostAllowed(allowed, 'files.example.org.evil.example', 8443));
});

t.test('* allows any host', async (t) => {
  t.ok(isUploadHostAllowed(uploadHosts(loadConfig({ UPLOAD_ALLOWED_HOSTS: '*' })), 'anything.example', 1));
  t.ok(isUploadHostAllowed(uploadHosts(loadConfig({ XMPP_ALLOWED_HOSTS: '*' })), 'anything.example', 1));
});

t.test('UPLOAD_MAX_BYTES is a positive integer', async (t) => {
  t.equal(loadConfig({ UPLOAD_MAX_BYTES: '1024' }).uploadMaxBytes, 1024);
  t.throws(() => loadConfig({ UPLOAD_MAX_BYTES: '0' }), /UPLOAD_MAX_BYTES/);
});

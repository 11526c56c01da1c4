-- Prosody for docker-compose: one virtual host "localhost", plaintext c2s inside the compose network only.
admins = { }
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "carbons"; "mam"; "smacks"; "register"; "pep"; "vcard"; "version"; "uptime"; "time"; "blocklist"; "private"; "adhoc" }
allow_registration = true
c2s_require_encryption = false
allow_unencrypted_plain_auth = false
authentication = "internal_hashed"
storage = "internal"
log = { info = "*console" }
pidfile = "/var/run/prosody/prosody.pid"

VirtualHost "localhost"
Component "conference.localhost" "muc"
  modules_enabled = { "muc_mam" }
Component "pubsub.localhost" "pubsub"

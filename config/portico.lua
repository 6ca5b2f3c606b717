-- Portico configuration (Lua). Evaluated in an empty sandbox: no io, no os,
-- no libraries: plain assignments only. Every key is listed with its
-- default; unknown keys and wrong types stop the server with file:line.
-- Command-line flags (--listen, --http-listen, --data-dir) override this
-- file. docs/configuration.md describes every key.

-- HTTPS address (host:port). Loopback by default.
listen = "127.0.0.1:8443"
-- Plain HTTP address that redirects to HTTPS; "" turns it off.
http_listen = "127.0.0.1:8080"
-- The address users reach the portal at (used in redirects and mail links).
public_url = "https://127.0.0.1:8443"
-- Where the LMDB store, the generated certificate and logs live.
data_dir = "var"
-- Worker processes; 0 = one per CPU core.
workers = 0

-- Certificate and key (PEM). Empty: a self-signed ECDSA P-256 certificate is
-- generated in <data_dir>/tls on first start and reused.
tls = {
  cert = "",
  key = "",
  hsts = true,          -- send Strict-Transport-Security
}

log = {
  level = "info",       -- debug, info, warn, error
  error = "-",          -- error log file; "-" = standard error
  access = "",          -- access log file (combined format); "" = off
}

-- HTTP limits (per worker where it applies).
limits = {
  max_connections = 10000,
  max_request_line = 8192,      -- bytes
  max_header_size = 16384,      -- bytes of all headers
  max_headers = 64,
  body_max = 1048576,           -- default request body limit (routes may differ)
  header_timeout_ms = 10000,    -- the whole header block must arrive in time
  body_timeout_ms = 30000,      -- longest pause while a body arrives
  idle_timeout_ms = 60000,      -- keep-alive connections idle this long close
  drain_timeout_ms = 10000,     -- SIGTERM: in-flight requests get this long
}

-- Outgoing mail: messages are written to the outbox in the same transaction
-- as the change that caused them and delivered with retries.
mail = {
  smtp_url = "",                -- "smtp://relay:587" or "smtps://relay:465"; "" = keep mail queued
  starttls = "try",             -- "off", "try" or "require" (use require for remote relays)
  username = "",
  password = "",                -- never logged
  from = "Portico <portico@localhost.localdomain>",
  tls_verify = true,
  max_attempts = 6,             -- then the message is marked dead (admins see it)
  poll_ms = 1000,
  keep_sent_days = 7,
  batch = 10,
}

store = {
  map_size_mb = 1024,           -- LMDB map size (the store's maximum size)
}

-- Section plugins, loaded in this order (dependencies first). A plugin that
-- fails to start is skipped unless marked { name = "x", required = true }.
plugins = {
  "team",        -- accounts, users, groups, sign-in (the others need it)
  "licenses",
  "contacts",
  "quotes",
  "knowledge",
  "support",
  "hello",       -- the example plugin
}
plugin_dir = "build/plugins"    -- where NAME.so files are
plugin_src = "plugins"          -- where plugin templates, locales, static files are

-- Themes: themes_dir/theme, falling back to its parent and to "default".
themes_dir = "themes"
theme = "default"

-- Lua scripts (see docs/lua-api.md), loaded in order.
scripts = {
  "lua/examples/status_page.lua",
  "lua/examples/maintenance_banner.lua",
}
-- Limits for every call into a script.
lua = {
  memory_mb = 16,
  instructions = 10000000,
  time_ms = 200,
}

-- Portal-wide settings.
portal = {
  name = "Portico",
  anonymous_read = true,        -- anonymous visitors may read public knowledge
  default_language = "en",
}

-- Identity and teams (docs/team.md).
team = {
  lockout_after = 5,              -- failed sign-ins for one email before a lockout
  lockout_seconds = 60,           -- first lockout; doubles with each further failure
  lockout_max_seconds = 3600,
  ip_lockout_after = 20,          -- failed sign-ins from one IP address
  verify_ttl_seconds = 604800,    -- email verification link lifetime
  reset_ttl_seconds = 3600,       -- password reset link lifetime
  welcome_ttl_seconds = 604800,   -- new Customer Admin's set-password link lifetime
  invite_ttl_seconds = 604800,    -- invitation link lifetime
}

-- Licenses (docs/licenses.md): how often renewal reminders are checked.
licenses = { reminder_check_seconds = 3600 }
-- Contacts (docs/contacts.md): "contact me" messages one user may send per hour.
contacts = { messages_per_hour = 5 }
-- Request for quote (docs/quotes.md).
quotes = { currency = "USD", show_prices = true, sales_email = "" }

-- Support cases (docs/support.md).
support = {
  -- first-response and resolution targets in hours, per priority
  sla = {
    P1 = { first_response_h = 1, resolution_h = 8 },
    P2 = { first_response_h = 4, resolution_h = 24 },
    P3 = { first_response_h = 8, resolution_h = 72 },
    P4 = { first_response_h = 24, resolution_h = 240 },
  },
  canned = {
    { title = "Need logs", body = "Could you please attach the server logs from the time the problem happened?" },
    { title = "Fixed in next release", body = "This is fixed in the next release. We will let you know when it is available." },
  },
  reopen_days = 14,             -- customers may reopen a closed case this long
  premium_phones = {
    { label = "US / Canada", number = "+1 800 555 0100" },
    { label = "Europe", number = "+800 5550 1000" },
  },
  public_form_per_hour = 5,     -- public case requests per IP address per hour
  list_scan_max = 5000,         -- cases one list page may examine for filters without an index
  list_sort_max = 2000,         -- up to this many candidates, other sorts are done in memory
}

-- Settings of the hello example plugin.
hello = {
  greeting = "Hello",
}
